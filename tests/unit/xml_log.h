/*
 * xml_log.h - what an rb_xml_handler is shown, written down, to compare two readings
 * of one document: the fast reader handing over to libxml2 at different places must
 * show the same (xml_fast.h). Shared by test_xml_stream.c and fuzz_xml_stream.c.
 */
#ifndef REBOUND_TESTS_XML_LOG_H
#define REBOUND_TESTS_XML_LOG_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/xml_stream.h"

struct xml_log {
	char *text;
	size_t len, cap;
	unsigned errors;
	char first_error[600]; /* line and message of libxml2's first complaint */
	bool encoding_trouble; /* libxml2 could not convert the input to UTF-8 */
};

static inline void xml_log_add(struct xml_log *log, const char *what, const char *bytes, size_t n)
{
	size_t need = log->len + strlen(what) + n + 2;
	if (need > log->cap) {
		size_t cap = need * 2;
		char *text = realloc(log->text, cap);
		if (text == NULL)
			abort();
		log->text = text;
		log->cap = cap;
	}
	log->len += (size_t)sprintf(log->text + log->len, "%s", what);
	memcpy(log->text + log->len, bytes, n);
	log->len += n;
	log->text[log->len++] = '\n';
	log->text[log->len] = '\0';
}

static inline bool xml_log_start(void *ctx, const char *name, size_t len, const char *ns,
				 int element)
{
	char what[40];
	snprintf(what, sizeof(what), "start %d ", element);
	xml_log_add(ctx, what, name, len);
	xml_log_add(ctx, "  namespace ", ns, strlen(ns));
	return true;
}

static inline bool xml_log_text(void *ctx, const char *text, size_t len, size_t total)
{
	char what[40];
	snprintf(what, sizeof(what), "text %zu ", total);
	xml_log_add(ctx, what, text, len);
	return true;
}

static inline bool xml_log_end(void *ctx)
{
	xml_log_add(ctx, "end", "", 0);
	return true;
}

static inline void xml_log_error(void *ctx, int line, const char *message)
{
	struct xml_log *log = ctx;
	if (log->errors++ == 0)
		snprintf(log->first_error, sizeof(log->first_error), "line %d: %s", line, message);
	if (strstr(message, "encod") != NULL)
		log->encoding_trouble = true;
	xml_log_add(ctx, "error ", message, strlen(message));
}

/* Element names the tests use, and those of DMARC reports. */
static const char *const xml_log_vocabulary[] = {
    "a",	   "b",
    "c",	   "d",
    "e",	   "r",
    "x",	   "y",
    "feedback",	   "report_metadata",
    "org_name",	   "email",
    "report_id",   "date_range",
    "begin",	   "end",
    "error",	   "policy_published",
    "domain",	   "p",
    "np",	   "record",
    "row",	   "source_ip",
    "count",	   "policy_evaluated",
    "disposition", "dkim",
    "spf",	   "identifiers",
    "header_from", "auth_results",
    "result",	   NULL,
};

struct xml_log_input {
	const unsigned char *data;
	size_t len, pos;
};

/* Hands the document out in uneven pieces, so no layer sees it cut at the same place. */
static inline enum rb_status xml_log_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
					  struct rb_error *err)
{
	(void)err;
	struct xml_log_input *in = ctx;
	size_t n = in->len - in->pos;
	size_t piece = 1 + (in->pos * 7919) % 3001;
	if (n > piece)
		n = piece;
	if (n > cap)
		n = cap;
	memcpy(buf, in->data + in->pos, n);
	in->pos += n;
	*got_r = n;
	return RB_OK;
}

/* Read the document, with libxml2 taking over after `units` units. */
static inline void xml_log_read_document(const unsigned char *data, size_t len, size_t units,
					 struct xml_log *log)
{
	memset(log, 0, sizeof(*log));
	xml_log_add(log, "document", "", 0);
	struct xml_log_input input = {data, len, 0};
	struct rb_reader in = {xml_log_read, &input};
	struct rb_xml_handler handler = {log, xml_log_start, xml_log_text, xml_log_end,
					 xml_log_error};
	struct rb_error err = {0};
	struct rb_xml_mends mends;
	if (rb_xml_stream_handoff_after(&in, xml_log_vocabulary, &handler, units, &mends, &err) !=
	    RB_OK)
		xml_log_add(log, "failed ", err.message, strlen(err.message));
	char what[120];
	snprintf(what, sizeof(what), "mended %zu %zu %zu %d", mends.ampersands, mends.brackets,
		 mends.latin1, mends.closed_root);
	xml_log_add(log, what, "", 0);
}

/*
 * The fast reader handing over after each of units[0..count) units, and not at all,
 * shows what libxml2 alone shows: everything, when libxml2 does not complain; else the
 * same first complaint on the same line. (Where and whether libxml2 finds bytes it
 * cannot take as its encoding, a NUL in an unclosed CDATA section say, depends on
 * where its 512-byte reads cut the document: libxml2 alone, given the same document
 * behind a comment of 68 bytes more, complains of the NUL instead of the unclosed
 * section. The handoff shortens what libxml2 reads, so when either reading has
 * such a complaint the complaints are not compared.) NULL when that holds, else what
 * differed (*failed_r: the number of units, SIZE_MAX for no handoff).
 */
static inline const char *xml_log_check_handoffs(const unsigned char *data, size_t len,
						 const size_t *units, size_t count,
						 size_t *failed_r)
{
	struct xml_log alone, other;
	xml_log_read_document(data, len, 0, &alone);
	const char *why = NULL;
	for (size_t i = 0; i <= count && why == NULL; i++) {
		size_t u = i < count ? units[i] : SIZE_MAX;
		xml_log_read_document(data, len, u, &other);
		if (alone.errors == 0 && strcmp(alone.text, other.text) != 0)
			why =
			    "a well-formed document is shown otherwise than libxml2 alone shows it";
		else if (alone.errors > 0 && other.errors == 0)
			why = "libxml2 alone complains, the handoff reading does not";
		else if (alone.errors > 0 && !alone.encoding_trouble &&
			 !other.encoding_trouble &&
			 strcmp(alone.first_error, other.first_error) != 0)
			why = "libxml2's first complaint is not the same";
		if (why != NULL) {
			*failed_r = u;
			if (getenv("XML_LOG_SHOW") != NULL)
				fprintf(stderr, "--- libxml2 alone:\n%s--- handoff after %zu:\n%s",
					alone.text, u, other.text);
		}
		free(other.text);
	}
	free(alone.text);
	return why;
}

#endif
