/*
 * xml_stream.c - an XML document handed to an rb_xml_handler: xml_fast.c for as long
 * as the document is plain XML, libxml2's xmlReader from the first thing that is not.
 *
 * The reader runs with XML_PARSE_NONET, recover mode, no entity substitution and
 * CDATA merged into text; its warnings and errors go to the handler with the line the
 * reader's locator gives. When it takes over from the fast reader, it reads the
 * resumed document (xml_fast.h), whose first element starts the handler has seen.
 */
#include "parsers/xml_stream.h"

#include "parsers/xml_fast.h"
#include "parsers/xml_names.h"
#include "parsers/xml_repair.h"

#include "core/libraries.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define XML_STREAM_STAGE 16384

/* libxml2 asks for as little as 4 bytes at first: serve it from a staging buffer. */
struct xml_io {
	struct rb_reader *src;
	struct rb_error err;
	bool failed;
	unsigned char stage[XML_STREAM_STAGE];
	size_t len, pos;
};

static int xml_io_read(void *ctx, char *buf, int len)
{
	struct xml_io *io = ctx;
	if (len <= 0)
		return 0;
	if (io->pos == io->len) {
		size_t got = 0;
		if (io->src->read(io->src->ctx, io->stage, sizeof(io->stage), &got, &io->err) !=
		    RB_OK) {
			io->failed = true;
			return -1;
		}
		io->len = got;
		io->pos = 0;
		if (got == 0)
			return 0;
	}
	size_t n = io->len - io->pos < (size_t)len ? io->len - io->pos : (size_t)len;
	memcpy(buf, io->stage + io->pos, n);
	io->pos += n;
	return (int)n;
}

static int xml_io_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* The reader's run: the handler, and what of the document it has seen already. */
struct reader_run {
	const struct rb_libxml2 *xml; /* libxml2, loaded when first needed */
	const struct rb_xml_handler *h;
	const struct rb_xml_names *names;
	unsigned skip_starts; /* element starts replayed by the fast reader */
	bool skip_root_end;   /* and the end of the replayed root */
};

static void on_reader_error(void *arg, const char *msg, xmlParserSeverities severity,
			    xmlTextReaderLocatorPtr locator)
{
	(void)severity;
	const struct reader_run *run = arg;
	int line = locator ? run->xml->locator_line_number(locator) : 0;
	run->h->on_error(run->h->ctx, line, msg ? msg : "error");
}

/* Hand one node of the reader to the handler; false to stop. */
static bool deliver(xmlTextReaderPtr reader, struct reader_run *run)
{
	const struct rb_xml_handler *h = run->h;
	const struct rb_libxml2 *xml = run->xml;
	int type = xml->node_type(reader);
	if (run->skip_starts > 0) {
		run->skip_starts -= type == XML_READER_TYPE_ELEMENT;
		return true;
	}
	if (run->skip_root_end && type == XML_READER_TYPE_END_ELEMENT) {
		run->skip_root_end = false;
		return true;
	}
	if (type == XML_READER_TYPE_ELEMENT) {
		const char *name = (const char *)xml->const_local_name(reader);
		const char *ns = (const char *)xml->const_namespace_uri(reader);
		if (name == NULL)
			name = "";
		size_t len = strlen(name);
		if (!h->on_start(h->ctx, name, len, ns ? ns : "",
				 rb_xml_names_find(run->names, name, len)))
			return false;
		if (xml->is_empty_element(reader))
			return h->on_end(h->ctx);
	} else if (type == XML_READER_TYPE_END_ELEMENT) {
		return h->on_end(h->ctx);
	} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
		const char *v = (const char *)xml->const_value(reader);
		size_t n = v ? strlen(v) : 0;
		return h->on_text(h->ctx, v ? v : "",
				  n < RB_XML_TEXT_PREFIX ? n : RB_XML_TEXT_PREFIX, n);
	}
	return true;
}

/* libxml2's reader over `in` to the end of the document. */
static enum rb_status read_with_libxml2(struct rb_reader *in, struct reader_run *run,
					struct rb_error *err)
{
	struct rb_error load_err = {0};
	const struct rb_libxml2 *xml = rb_libxml2(&load_err);
	if (xml == NULL) {
		if (err != NULL)
			*err = load_err;
		return load_err.status;
	}
	run->xml = xml;
	struct xml_io *io = calloc(1, sizeof(*io));
	if (io == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading XML");
	io->src = in;
	xmlTextReaderPtr reader =
	    xml->reader_for_io(xml_io_read, xml_io_close, io, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
				   XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	enum rb_status st = RB_OK;
	if (reader == NULL) {
		st = rb_error_set(err, RB_ERR_INTERNAL, "libxml2 cannot start an XML reader");
	} else {
		xml->set_error_handler(reader, on_reader_error, run);
		while (xml->read(reader) == 1 && deliver(reader, run))
			;
		xml->free_reader(reader);
	}
	if (io->failed) {
		/* The input below failed (a cap, a broken archive): that is the error. */
		st = io->err.status;
		if (err != NULL)
			*err = io->err;
	}
	free(io);
	return st;
}

/* The mending and libxml2 over what the fast reader left. */
static enum rb_status read_the_rest(struct rb_xml_fast *fast, const char *const *vocabulary,
				    struct reader_run *run, struct rb_xml_mends *mends,
				    struct rb_error *err)
{
	struct rb_reader resumed = rb_xml_fast_resume(fast);
	struct rb_xml_repair *repair = rb_xml_repair_new(&resumed, vocabulary);
	if (repair == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading XML");
	struct rb_reader mended = {rb_xml_repair_read, repair};
	run->skip_starts = rb_xml_fast_replayed_starts(fast);
	run->skip_root_end = rb_xml_fast_replayed_root_end(fast);
	/* Resumed past its start, the document was judged UTF-8 there (the fast reader
	 * reads nothing else); the replayed start is shorter than the real one. */
	if (run->skip_starts > 0)
		rb_xml_repair_set_utf8(repair, true);
	/* The mending saw none of the end tags read so far: one of the root's name means
	 * to it that the root was closed, as it would have over the whole document. */
	if (rb_xml_fast_root_name_ended(fast))
		rb_xml_repair_set_root_closed(repair);
	enum rb_status st = read_with_libxml2(&mended, run, err);
	mends->ampersands = rb_xml_repair_ampersands(repair);
	mends->brackets = rb_xml_repair_brackets(repair);
	mends->latin1 = rb_xml_repair_latin1(repair);
	mends->closed_root = rb_xml_repair_closed_root(repair);
	rb_xml_repair_free(&repair);
	return st;
}

enum rb_status rb_xml_stream_handoff_after(struct rb_reader *in, const char *const *vocabulary,
					   const struct rb_xml_handler *handler, size_t units,
					   struct rb_xml_mends *mends, struct rb_error *err)
{
	*mends = (struct rb_xml_mends){0};
	struct rb_xml_names *names = malloc(sizeof(*names));
	if (names == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading XML");
	rb_xml_names_init(names, vocabulary);
	struct rb_xml_fast *fast = rb_xml_fast_new(in, names, handler);
	if (fast == NULL) {
		free(names);
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading XML");
	}
	rb_xml_fast_handoff_after(fast, units);
	struct rb_error fast_err = {0};
	enum rb_status st = RB_OK;
	switch (rb_xml_fast_run(fast, &fast_err)) {
	case RB_XML_FAST_DONE:
		break;
	case RB_XML_FAST_FAILED:
		st = fast_err.status;
		if (err != NULL)
			*err = fast_err;
		break;
	case RB_XML_FAST_HANDOFF: {
		struct reader_run run = {.h = handler, .names = names};
		st = read_the_rest(fast, vocabulary, &run, mends, err);
		break;
	}
	}
	rb_xml_fast_free(&fast);
	free(names);
	return st;
}

enum rb_status rb_xml_stream(struct rb_reader *in, const char *const *vocabulary,
			     const struct rb_xml_handler *handler, struct rb_xml_mends *mends,
			     struct rb_error *err)
{
	return rb_xml_stream_handoff_after(in, vocabulary, handler, SIZE_MAX, mends, err);
}
