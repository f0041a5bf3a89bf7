/*
 * xml_stream.c - an XML document handed to an rb_xml_handler through libxml2's xmlReader.
 *
 * The reader runs with XML_PARSE_NONET, recover mode, no entity substitution and
 * CDATA merged into text; its warnings and errors go to the handler with the line the
 * reader's locator gives.
 */
#include "parsers/xml_stream.h"

#include <libxml/xmlreader.h>
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

static void on_reader_error(void *arg, const char *msg, xmlParserSeverities severity,
			    xmlTextReaderLocatorPtr locator)
{
	(void)severity;
	const struct rb_xml_handler *h = arg;
	int line = locator ? xmlTextReaderLocatorLineNumber(locator) : 0;
	h->on_error(h->ctx, line, msg ? msg : "error");
}

/* Hand one node of the reader to the handler; false to stop. */
static bool deliver(xmlTextReaderPtr reader, const struct rb_xml_handler *h)
{
	int type = xmlTextReaderNodeType(reader);
	if (type == XML_READER_TYPE_ELEMENT) {
		const char *name = (const char *)xmlTextReaderConstLocalName(reader);
		const char *ns = (const char *)xmlTextReaderConstNamespaceUri(reader);
		if (name == NULL)
			name = "";
		if (!h->on_start(h->ctx, name, strlen(name), ns ? ns : ""))
			return false;
		if (xmlTextReaderIsEmptyElement(reader))
			return h->on_end(h->ctx);
	} else if (type == XML_READER_TYPE_END_ELEMENT) {
		return h->on_end(h->ctx);
	} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
		const char *v = (const char *)xmlTextReaderConstValue(reader);
		size_t n = v ? strlen(v) : 0;
		return h->on_text(h->ctx, v ? v : "", n < RB_XML_TEXT_PREFIX ? n : RB_XML_TEXT_PREFIX,
				  n);
	}
	return true;
}

enum rb_status rb_xml_stream(struct rb_reader *in, const struct rb_xml_handler *handler,
			     struct rb_error *err)
{
	struct xml_io *io = calloc(1, sizeof(*io));
	if (io == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading XML");
	io->src = in;
	xmlTextReaderPtr reader =
		xmlReaderForIO(xml_io_read, xml_io_close, io, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
				       XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	enum rb_status st = RB_OK;
	if (reader == NULL) {
		st = rb_error_set(err, RB_ERR_INTERNAL, "libxml2 cannot start an XML reader");
	} else {
		xmlTextReaderSetErrorHandler(reader, on_reader_error, (void *)handler);
		while (xmlTextReaderRead(reader) == 1 && deliver(reader, handler))
			;
		xmlFreeTextReader(reader);
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
