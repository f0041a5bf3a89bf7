/*
 * event.c - schema v1 events: common fields, deterministic ids, JSON encoding.
 *
 * The id is the first 128 bits of SHA-256 over "v1\n" + the id key, in hex, so it
 * fits a uuid column and stays stable across releases as long as the key does.
 */
#include "event.h"

#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rb_emitter_init(struct rb_emitter *em, const struct rb_source *source, rb_emit_fn emit,
		     void *emit_ctx)
{
	memset(em, 0, sizeof(*em));
	em->source = source;
	em->emit = emit;
	em->emit_ctx = emit_ctx;
	em->message_id = "";
	em->status = RB_OK;
}

void rb_emitter_hash(struct rb_emitter *em, const unsigned char *data, size_t len)
{
	rb_sha256_hex(data, len, em->sha256);
}

static json_object *source_json(const struct rb_emitter *em)
{
	const struct rb_source *s = em->source;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(s && s->kind ? s->kind : "file"));
	if (s != NULL && s->mailbox != NULL) {
		json_object_object_add(o, "mailbox", json_object_new_string(s->mailbox));
		json_object_object_add(o, "uid", json_object_new_int64(s->uid));
	} else {
		json_object_object_add(o, "path",
				       json_object_new_string(s && s->path ? s->path : ""));
	}
	json_object_object_add(o, "message_id", json_object_new_string(em->message_id));
	json_object_object_add(o, "sha256", json_object_new_string(em->sha256));
	return o;
}

struct rb_event *rb_event_begin(struct rb_emitter *em, enum rb_event_type type)
{
	struct rb_event *ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		return NULL;
	ev->type = type;
	ev->seq = em->seq++;
	ev->obj = json_object_new_object();
	json_object_object_add(ev->obj, "id", json_object_new_string(""));
	json_object_object_add(ev->obj, "type", json_object_new_string(rb_event_type_name(type)));
	json_object_object_add(ev->obj, "time",
			       em->time ? json_object_new_string(em->time) : NULL);
	json_object_object_add(ev->obj, "source", source_json(em));
	return ev;
}

void rb_event_set_strn(struct rb_event *ev, const char *key, const char *value, size_t len)
{
	if (value == NULL) {
		value = "";
		len = 0;
	}
	json_object_object_add(ev->obj, key, json_object_new_string_len(value, (int)len));
}

void rb_event_set_str(struct rb_event *ev, const char *key, const char *value)
{
	rb_event_set_strn(ev, key, value, value ? strlen(value) : 0);
}

void rb_event_set_int(struct rb_event *ev, const char *key, int64_t value)
{
	json_object_object_add(ev->obj, key, json_object_new_int64(value));
}

void rb_event_set_bool(struct rb_event *ev, const char *key, bool value)
{
	json_object_object_add(ev->obj, key, json_object_new_boolean(value));
}

void rb_event_set_null(struct rb_event *ev, const char *key)
{
	json_object_object_add(ev->obj, key, NULL);
}

void rb_event_set_time_field(struct rb_event *ev, const char *key, const char *rfc3339)
{
	if (rfc3339 != NULL && *rfc3339)
		rb_event_set_str(ev, key, rfc3339);
	else
		rb_event_set_null(ev, key);
}

void rb_event_set_json(struct rb_event *ev, const char *key, json_object *value)
{
	json_object_object_add(ev->obj, key, value);
}

void rb_event_set_time(struct rb_event *ev, const char *rfc3339)
{
	json_object_object_add(ev->obj, "time",
			       rfc3339 && *rfc3339 ? json_object_new_string(rfc3339) : NULL);
}

void rb_event_set_id_key(struct rb_event *ev, const char *key)
{
	free(ev->id_key);
	ev->id_key = strdup(key ? key : "");
}

void rb_event_discard(struct rb_event **ev)
{
	if (ev == NULL || *ev == NULL)
		return;
	json_object_put((*ev)->obj);
	free((*ev)->id_key);
	free(*ev);
	*ev = NULL;
}

enum rb_status rb_event_finish(struct rb_emitter *em, struct rb_event *ev)
{
	if (ev == NULL) {
		if (em->status == RB_OK)
			em->status = rb_error_set(&em->error, RB_ERR_NOMEM,
						  "out of memory while building an event");
		return em->status;
	}
	if (em->status != RB_OK) {
		rb_event_discard(&ev);
		return em->status;
	}
	char hex[65];
	if (ev->id_key != NULL) {
		size_t klen = strlen(ev->id_key);
		char *key = malloc(klen + 4);
		if (key == NULL) {
			rb_event_discard(&ev);
			em->status = rb_error_set(&em->error, RB_ERR_NOMEM,
						  "out of memory while building an event");
			return em->status;
		}
		memcpy(key, "v1\n", 3);
		memcpy(key + 3, ev->id_key, klen + 1);
		rb_sha256_hex(key, klen + 3, hex);
		free(key);
	} else {
		char buf[128];
		int n = snprintf(buf, sizeof(buf), "v1\n%s\n%s\n%u", em->sha256,
				 rb_event_type_name(ev->type), ev->seq);
		rb_sha256_hex(buf, (size_t)n, hex);
	}
	memcpy(ev->id, hex, 32);
	ev->id[32] = '\0';
	json_object_object_add(ev->obj, "id", json_object_new_string(ev->id));

	size_t len = 0;
	ev->json = json_object_to_json_string_length(
		ev->obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	ev->json_len = len;
	struct rb_error err = {0};
	enum rb_status st = em->emit ? em->emit(em->emit_ctx, ev, &err) : RB_OK;
	if (st != RB_OK) {
		em->status = RB_ERR_ABORTED;
		em->error = err;
		em->error.status = RB_ERR_ABORTED;
	} else {
		em->emitted++;
	}
	rb_event_discard(&ev);
	return em->status;
}

enum rb_status rb_emit_problem(struct rb_emitter *em, enum rb_event_type type, const char *why)
{
	struct rb_event *ev = rb_event_begin(em, type);
	if (ev != NULL)
		rb_event_set_str(ev, "error", why);
	return rb_event_finish(em, ev);
}

/* Public accessors. */
enum rb_event_type rb_event_type(const struct rb_event *event)
{
	return event->type;
}

const char *rb_event_id(const struct rb_event *event)
{
	return event->id;
}

const char *rb_event_json(const struct rb_event *event, size_t *len_r)
{
	if (len_r != NULL)
		*len_r = event->json_len;
	return event->json;
}
