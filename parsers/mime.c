/*
 * mime.c - MIME structure through GMime, flattened into struct rb_mail.
 *
 * RFC 5322 (message format), RFC 2045-2049 (MIME), RFC 6522 (multipart/report),
 * RFC 3464 (message/delivery-status), RFC 5965 (message/feedback-report).
 *
 * GMime does the hard parts (boundaries that lie, encodings, charsets, RFC 2047 words).
 * What this file adds: line endings normalized before GMime sees the bytes (so LF,
 * CRLF and CR-only input give the same result), every text converted to valid UTF-8
 * with NULs removed, and the limits: MIME depth and part count. Parts past a limit are
 * skipped and named in rb_mail.problems; they never abort the parse.
 *
 * GMime needs one process-wide g_mime_init(); it is done once, thread-safely, here.
 */
#include "mime.h"

#include <glib.h>
#include <gmime/gmime.h>
#include <string.h>

#include "core/text.h"

static gsize gmime_ready;

static void mime_library_init(void)
{
	if (g_once_init_enter(&gmime_ready)) {
		g_mime_init();
		g_once_init_leave(&gmime_ready, 1);
	}
}

char *rb_mime_normalize_newlines(struct rb_arena *arena, const unsigned char *data, size_t len,
				 size_t *len_r)
{
	char *out = rb_arena_alloc(arena, len + 1);
	size_t o = 0;
	if (out == NULL) {
		*len_r = 0;
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r') {
			out[o++] = '\n';
			if (i + 1 < len && data[i + 1] == '\n')
				i++;
		} else {
			out[o++] = (char)data[i];
		}
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/* A growing arena string. */
struct text_acc {
	char *buf;
	size_t len, cap;
};

static void acc_append(struct rb_arena *arena, struct text_acc *acc, const char *s, size_t n)
{
	if (acc->len + n + 2 > acc->cap) {
		size_t nc = acc->cap ? acc->cap * 2 : 1024;
		while (nc < acc->len + n + 2)
			nc *= 2;
		char *nb = rb_arena_realloc(arena, acc->buf, acc->len, nc);
		if (nb == NULL)
			return;
		acc->buf = nb;
		acc->cap = nc;
	}
	memcpy(acc->buf + acc->len, s, n);
	acc->len += n;
	if (acc->len > 0 && acc->buf[acc->len - 1] != '\n')
		acc->buf[acc->len++] = '\n';
	acc->buf[acc->len] = '\0';
}

static const char *acc_str(struct text_acc *acc)
{
	return acc->buf ? acc->buf : "";
}

struct mime_walk {
	struct rb_arena *arena;
	const struct rb_limits *limits;
	struct rb_part *parts;
	size_t part_count, part_cap;
	struct text_acc body, html, dsn, feedback, problems;
	const char *original;
	bool skipped_depth, skipped_parts;
};

/* Any bytes to valid UTF-8 with LF line endings and no NULs, in the arena. */
static const char *bytes_to_text(struct rb_arena *arena, const unsigned char *data, size_t len,
				 const char *charset)
{
	gchar *converted = NULL;
	gsize conv_len = 0;
	if (charset != NULL && *charset && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		const char *cs = g_mime_charset_iconv_name(charset);
		converted = g_convert((const gchar *)data, (gssize)len, "UTF-8", cs, NULL, &conv_len,
				      NULL);
	}
	if (converted == NULL && !g_utf8_validate((const gchar *)data, (gssize)len, NULL)) {
		/* Lenient: undeclared or lying charsets. ISO-2022-JP is 7-bit, so try the
		 * common 8-bit ones in the order real bounces use them. */
		static const char *const fallbacks[] = {"SHIFT_JIS", "EUC-JP", "WINDOWS-1252"};
		for (size_t i = 0; converted == NULL && i < G_N_ELEMENTS(fallbacks); i++)
			converted = g_convert((const gchar *)data, (gssize)len, "UTF-8",
					      fallbacks[i], NULL, &conv_len, NULL);
	}
	if (converted == NULL && len >= 3 && memchr(data, 0x1b, len) != NULL) {
		converted = g_convert((const gchar *)data, (gssize)len, "UTF-8", "ISO-2022-JP",
				      NULL, &conv_len, NULL);
	}
	const gchar *src = converted ? converted : (const gchar *)data;
	gsize src_len = converted ? conv_len : len;
	gchar *valid = g_utf8_make_valid(src, (gssize)src_len);
	g_free(converted);
	size_t out_len = 0;
	char *out = rb_mime_normalize_newlines(arena, (const unsigned char *)valid, strlen(valid),
					       &out_len);
	g_free(valid);
	return out ? out : "";
}

static const char *nul_safe_text(struct rb_arena *arena, const unsigned char *data, size_t len,
				 const char *charset)
{
	if (memchr(data, '\0', len) == NULL)
		return bytes_to_text(arena, data, len, charset);
	unsigned char *copy = rb_arena_alloc(arena, len + 1);
	if (copy == NULL)
		return "";
	for (size_t i = 0; i < len; i++)
		copy[i] = data[i] ? data[i] : ' ';
	return bytes_to_text(arena, copy, len, charset);
}

/* Tags out, entities for the few characters bounces use; enough to read the words. */
static const char *html_to_text(struct rb_arena *arena, const char *html)
{
	size_t n = strlen(html);
	char *out = rb_arena_alloc(arena, n + 1);
	if (out == NULL)
		return "";
	size_t o = 0;
	bool in_tag = false;
	for (size_t i = 0; i < n; i++) {
		char c = html[i];
		if (in_tag) {
			if (c == '>')
				in_tag = false;
			continue;
		}
		if (c == '<') {
			in_tag = true;
			if (g_ascii_strncasecmp(html + i, "<br", 3) == 0 ||
			    g_ascii_strncasecmp(html + i, "<p", 2) == 0 ||
			    g_ascii_strncasecmp(html + i, "<div", 4) == 0 ||
			    g_ascii_strncasecmp(html + i, "<tr", 3) == 0)
				out[o++] = '\n';
			continue;
		}
		if (c == '&') {
			static const struct {
				const char *name;
				char c;
			} entities[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'},
					{"&quot;", '"'}, {"&nbsp;", ' '}, {"&#39;", '\''}};
			bool done = false;
			for (size_t e = 0; e < G_N_ELEMENTS(entities) && !done; e++) {
				size_t el = strlen(entities[e].name);
				if (g_ascii_strncasecmp(html + i, entities[e].name, el) == 0) {
					out[o++] = entities[e].c;
					i += el - 1;
					done = true;
				}
			}
			if (done)
				continue;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

static const char *content_type_of(struct rb_arena *arena, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	if (ct == NULL)
		return "text/plain";
	const char *type = g_mime_content_type_get_media_type(ct);
	const char *sub = g_mime_content_type_get_media_subtype(ct);
	char *s = rb_arena_printf(arena, "%s/%s", type ? type : "text", sub ? sub : "plain");
	return rb_text_lower(arena, s);
}

static bool is_textual(const char *ct)
{
	return g_str_has_prefix(ct, "text/") || strcmp(ct, "message/delivery-status") == 0 ||
	       strcmp(ct, "message/global-delivery-status") == 0 ||
	       strcmp(ct, "message/feedback-report") == 0 ||
	       strcmp(ct, "message/disposition-notification") == 0 ||
	       strcmp(ct, "message/global-headers") == 0;
}

static void walk_add_part(struct mime_walk *w, GMimeObject *obj, unsigned depth, bool attached)
{
	if (w->part_count >= w->limits->max_mime_parts) {
		w->skipped_parts = true;
		return;
	}
	struct rb_arena *arena = w->arena;
	const char *ct = content_type_of(arena, obj);
	GMimePart *part = GMIME_PART(obj);
	const char *charset = g_mime_object_get_content_type_parameter(obj, "charset");
	const char *filename = g_mime_part_get_filename(part);

	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();
	if (content != NULL)
		g_mime_data_wrapper_write_to_stream(content, mem);
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));

	if (w->part_count == w->part_cap) {
		size_t nc = w->part_cap ? w->part_cap * 2 : 8;
		struct rb_part *np = rb_arena_realloc(arena, w->parts, w->part_cap * sizeof(*np),
						      nc * sizeof(*np));
		if (np == NULL) {
			g_object_unref(mem);
			return;
		}
		w->parts = np;
		w->part_cap = nc;
	}
	struct rb_part *p = &w->parts[w->part_count++];
	p->content_type = ct;
	p->filename = rb_arena_strdup(arena, filename);
	p->charset = rb_text_lower(arena, charset ? charset : "");
	unsigned char *data = rb_arena_alloc(arena, bytes->len + 1);
	if (data != NULL && bytes->len > 0)
		memcpy(data, bytes->data, bytes->len);
	p->data = data;
	p->len = data ? bytes->len : 0;
	p->depth = depth;
	p->in_attached_message = attached;
	p->text = NULL;
	if (data != NULL && is_textual(ct))
		p->text = nul_safe_text(arena, data, p->len, charset);
	g_object_unref(mem);

	if (p->text == NULL)
		return;
	if (strcmp(ct, "message/delivery-status") == 0 ||
	    strcmp(ct, "message/global-delivery-status") == 0) {
		acc_append(arena, &w->dsn, p->text, strlen(p->text));
	} else if (strcmp(ct, "message/feedback-report") == 0) {
		acc_append(arena, &w->feedback, p->text, strlen(p->text));
	} else if (strcmp(ct, "text/rfc822-headers") == 0 ||
		   strcmp(ct, "message/global-headers") == 0) {
		if (w->original == NULL && !attached)
			w->original = p->text;
	} else if (!attached && strcmp(ct, "text/html") == 0) {
		acc_append(arena, &w->html, p->text, strlen(p->text));
	} else if (!attached && g_str_has_prefix(ct, "text/")) {
		acc_append(arena, &w->body, p->text, strlen(p->text));
	}
}

static void walk(struct mime_walk *w, GMimeObject *obj, unsigned depth, bool attached)
{
	if (obj == NULL)
		return;
	if (depth > w->limits->max_mime_depth) {
		w->skipped_depth = true;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth + 1, attached);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner == NULL)
			return;
		if (w->original == NULL && !attached) {
			char *s = g_mime_object_to_string(GMIME_OBJECT(inner), NULL);
			if (s != NULL) {
				size_t n = 0;
				w->original = rb_mime_normalize_newlines(
					w->arena, (const unsigned char *)s, strlen(s), &n);
				g_free(s);
			}
		}
		walk(w, g_mime_message_get_mime_part(inner), depth + 1, true);
	} else if (GMIME_IS_PART(obj)) {
		walk_add_part(w, obj, depth, attached);
	}
}

size_t rb_mime_parse_header_block(struct rb_arena *arena, const char *text,
				  struct rb_header **headers_r)
{
	*headers_r = NULL;
	if (text == NULL)
		return 0;
	const char *end = strstr(text, "\n\n");
	size_t hlen = end ? (size_t)(end - text) + 1 : strlen(text);
	char *block = rb_arena_strndup(arena, text, hlen);
	struct rb_field_block *blocks = NULL;
	if (block == NULL || rb_fields_parse(arena, block, &blocks) == 0)
		return 0;
	struct rb_header *h = rb_arena_alloc(arena, (blocks[0].count + 1) * sizeof(*h));
	if (h == NULL)
		return 0;
	for (size_t i = 0; i < blocks[0].count; i++) {
		h[i].name = blocks[0].fields[i].name;
		h[i].value = blocks[0].fields[i].value;
	}
	*headers_r = h;
	return blocks[0].count;
}

/*
 * A header value unfolded and squeezed; RFC 2047 words decoded only when the value
 * has one ("=?"): most headers are plain ASCII and GMime's decoder is costly.
 */
static const char *header_decode(struct rb_arena *arena, const char *raw)
{
	if (raw == NULL)
		return "";
	if (strstr(raw, "=?") == NULL)
		return rb_text_squeeze(arena,
				       nul_safe_text(arena, (const unsigned char *)raw, strlen(raw), NULL));
	char *decoded = g_mime_utils_header_decode_text(NULL, raw);
	const char *out = rb_text_squeeze(
		arena, nul_safe_text(arena, (const unsigned char *)decoded, strlen(decoded), NULL));
	g_free(decoded);
	return out;
}

enum rb_status rb_mime_parse(struct rb_arena *arena, const unsigned char *data, size_t len,
			     const struct rb_limits *limits, struct rb_mail **mail_r,
			     struct rb_error *err)
{
	*mail_r = NULL;
	mime_library_init();
	size_t norm_len = 0;
	char *norm = rb_mime_normalize_newlines(arena, data, len, &norm_len);
	if (norm == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory copying a %zu-byte message",
				    len);

	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(norm, norm_len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	GMimeParserOptions *opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, opts);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL)
		return rb_error_set(err, RB_ERR_INPUT,
				    "not a mail message: no RFC 5322 header block was found");

	struct rb_mail *mail = rb_arena_alloc(arena, sizeof(*mail));
	if (mail == NULL) {
		g_object_unref(msg);
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory");
	}
	GMimeObject *top = GMIME_OBJECT(msg);
	GMimeHeaderList *hl = g_mime_object_get_header_list(top);
	int hcount = g_mime_header_list_get_count(hl);
	if (hcount == 0) {
		g_object_unref(msg);
		return rb_error_set(err, RB_ERR_INPUT,
				    "not a mail message: no RFC 5322 header block was found");
	}
	struct rb_header *headers = rb_arena_alloc(arena, ((size_t)hcount + 1) * sizeof(*headers));
	for (int i = 0; headers != NULL && i < hcount; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		headers[i].name = rb_arena_strdup(arena, name);
		headers[i].value = header_decode(arena, g_mime_header_get_raw_value(h));
	}
	mail->headers = headers;
	mail->header_count = headers ? (size_t)hcount : 0;
	mail->subject = rb_mail_header(mail, "Subject");
	mail->from = rb_mail_header(mail, "From");
	mail->to = rb_mail_header(mail, "To");
	mail->date = rb_mail_header(mail, "Date");
	const char *mid = g_mime_message_get_message_id(msg);
	mail->message_id = rb_arena_strdup(arena, mid ? mid : "");

	GMimeObject *body = g_mime_message_get_mime_part(msg);
	mail->content_type = body ? content_type_of(arena, body) : "text/plain";
	const char *rt = body ? g_mime_object_get_content_type_parameter(body, "report-type") : NULL;
	mail->report_type = rb_text_lower(arena, rt ? rt : "");

	GDateTime *dt = g_mime_message_get_date(msg);
	mail->time = "";
	if (dt != NULL) {
		GDateTime *utc = g_date_time_to_utc(dt);
		if (utc != NULL) {
			gchar *s = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
			mail->time = rb_arena_strdup(arena, s);
			g_free(s);
			g_date_time_unref(utc);
		}
	}

	struct mime_walk w = {.arena = arena, .limits = limits};
	walk(&w, body, 0, false);
	mail->parts = w.parts;
	mail->part_count = w.part_count;
	mail->body = w.body.len ? acc_str(&w.body) : html_to_text(arena, acc_str(&w.html));
	mail->delivery_status = acc_str(&w.dsn);
	mail->feedback_report = acc_str(&w.feedback);
	mail->original = w.original ? w.original : "";
	struct rb_header *oh = NULL;
	mail->original_header_count = rb_mime_parse_header_block(arena, mail->original, &oh);
	mail->original_headers = oh;
	if (w.skipped_depth)
		acc_append(arena, &w.problems, "MIME nesting deeper than the limit was skipped",
			   46);
	if (w.skipped_parts)
		acc_append(arena, &w.problems, "parts beyond the MIME part limit were skipped", 45);
	mail->problems = acc_str(&w.problems);
	g_object_unref(msg);
	if (rb_arena_failed(arena))
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory parsing a %zu-byte message",
				    len);
	*mail_r = mail;
	return RB_OK;
}

const char *rb_mail_header(const struct rb_mail *mail, const char *name)
{
	for (size_t i = 0; i < mail->header_count; i++)
		if (g_ascii_strcasecmp(mail->headers[i].name, name) == 0)
			return mail->headers[i].value;
	return "";
}

const char *rb_mail_original_header(const struct rb_mail *mail, const char *name)
{
	for (size_t i = 0; i < mail->original_header_count; i++)
		if (g_ascii_strcasecmp(mail->original_headers[i].name, name) == 0)
			return mail->original_headers[i].value;
	return "";
}
