/*
 * collect.h - parse a message in a test and keep its events as json-c objects.
 */
#ifndef REBOUND_TESTS_COLLECT_H
#define REBOUND_TESTS_COLLECT_H

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rebound/rebound.h"

struct collected {
	json_object *events[4096];
	size_t count;
};

static inline enum rb_status collect_emit(void *ctx, const struct rb_event *event, struct rb_error *err)
{
	(void)err;
	struct collected *c = ctx;
	if (c->count < sizeof(c->events) / sizeof(c->events[0]))
		c->events[c->count++] = json_tokener_parse(rb_event_json(event, NULL));
	return RB_OK;
}

static inline void collected_free(struct collected *c)
{
	for (size_t i = 0; i < c->count; i++)
		json_object_put(c->events[i]);
	c->count = 0;
}

/* Read a whole file; NULL on failure. Caller frees. */
static inline unsigned char *read_whole_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 65536, len = 0;
	unsigned char *buf = malloc(cap);
	size_t n;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			unsigned char *nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	*len_r = len;
	return buf;
}

/* Parse bytes into c (appending). Returns the status of rb_parse_message. */
static inline enum rb_status collect_bytes(struct collected *c, const void *data, size_t len,
				    const char *path)
{
	struct rb_source src = {.kind = "file", .path = path};
	struct rb_error err = {0};
	enum rb_status st = rb_parse_message(data, len, &src, NULL, collect_emit, c, &err);
	if (st != RB_OK)
		fprintf(stderr, "%s: %s\n", path, err.message);
	return st;
}

static inline enum rb_status collect_file(struct collected *c, const char *path)
{
	size_t len = 0;
	unsigned char *data = read_whole_file(path, &len);
	if (data == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		return RB_ERR_IO;
	}
	enum rb_status st = collect_bytes(c, data, len, path);
	free(data);
	return st;
}

/* A string field of an event ("" when absent or not a string). */
static inline const char *ev_str(json_object *ev, const char *key)
{
	json_object *v = NULL;
	if (ev == NULL || !json_object_object_get_ex(ev, key, &v) || v == NULL)
		return "";
	if (json_object_get_type(v) != json_type_string)
		return json_object_to_json_string(v);
	return json_object_get_string(v);
}

struct collect_mem {
	const unsigned char *data;
	size_t len, pos;
};

static inline enum rb_status collect_mem_read(void *ctx, unsigned char *buf, size_t cap,
					      size_t *got_r, struct rb_error *err)
{
	(void)err;
	struct collect_mem *m = ctx;
	size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got_r = n;
	return RB_OK;
}

/* Parse bytes as a bare report stream (as `rebound parse` does for report files). */
static inline enum rb_status collect_report_bytes(struct collected *c, const void *data, size_t len,
						 const struct rb_limits *limits)
{
	struct collect_mem m = {.data = data, .len = len};
	struct rb_source src = {.kind = "file", .path = "stream"};
	struct rb_error err = {0};
	enum rb_status st = rb_parse_report_stream(NULL, 0, collect_mem_read, &m, &src, limits,
						   collect_emit, c, &err);
	if (st != RB_OK)
		fprintf(stderr, "report stream: %s\n", err.message);
	return st;
}

static inline enum rb_status collect_report_file(struct collected *c, const char *path)
{
	size_t len = 0;
	unsigned char *data = read_whole_file(path, &len);
	if (data == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		return RB_ERR_IO;
	}
	enum rb_status st = collect_report_bytes(c, data, len, NULL);
	free(data);
	return st;
}

/* The first event of this type, or NULL. */
static inline json_object *first_of(const struct collected *c, const char *type)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(ev_str(c->events[i], "type"), type) == 0)
			return c->events[i];
	return NULL;
}

static inline size_t count_of(const struct collected *c, const char *type)
{
	size_t n = 0;
	for (size_t i = 0; i < c->count; i++)
		n += strcmp(ev_str(c->events[i], "type"), type) == 0;
	return n;
}

/* An integer field (0 when absent). */
static inline long long ev_int(json_object *ev, const char *key)
{
	json_object *v = NULL;
	if (ev == NULL || !json_object_object_get_ex(ev, key, &v) || v == NULL)
		return 0;
	return (long long)json_object_get_int64(v);
}

#endif
