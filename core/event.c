/*
 * event.c - schema v1 events: common fields, deterministic ids, JSON encoding.
 *
 * The id is the first 128 bits of SHA-256 over "v1\n" + the id key, in hex, so it
 * fits a uuid column and stays stable across releases as long as the key does.
 *
 * Each event is one JSON object. The fields a parser sets are written as they are set;
 * a table of them (where each key and value lies in the text) lets a key set again
 * replace its value in place. The common fields come first but are final only at the
 * end (the id is a hash, the time may be set late): the object is put together when
 * the event is finished. The emitter keeps the last finished event to build the next
 * one in, so a report of a million records allocates nothing per record.
 */
#include "event.h"

#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_ID_HEX	    32
#define EVENT_FIRST_FIELDS  32
#define EVENT_REPLACE_STACK 256 /* bytes of a replacing value copied on the stack */

/* Where one field lies in the event's field text. */
struct event_field {
	uint32_t hash;	/* of the key as written */
	size_t key_off; /* the key's text, without its quotes */
	size_t key_len;
	size_t value_off;
	size_t value_len;
};

/*
 * The fields a parser sets are written one after another into `fields_json` as
 * ,"key":value (a key set again has its value replaced where it stands). The common
 * fields (id, type, time, source) are known or final only at the end: the whole
 * object is put together in `json` when the event is finished, the field text copied
 * once behind them.
 */
struct rb_event {
	enum rb_event_type type;
	unsigned seq;
	struct rb_json_writer json;        /* the finished event */
	struct rb_json_writer fields_json; /* ,"key":value... */
	struct rb_json_writer time_json;   /* the time's value: a string or null */
	struct event_field *fields;
	size_t field_count, field_cap;
	uint64_t key_bits; /* bit (hash % 64) set for every key present: most keys are new */
	char *id_key;	   /* "v1\n" + the id key, when one was given */
	size_t id_key_len, id_key_cap;
	bool has_id_key;
	bool failed; /* out of memory outside the writer */
	char id[EVENT_ID_HEX + 1];
};

/* Where a field being set starts: its member, its key, its value. */
struct field_mark {
	size_t member, key_off, key_len, value_off;
};

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

static void event_free(struct rb_event *ev)
{
	if (ev == NULL)
		return;
	rb_json_writer_free(&ev->json);
	rb_json_writer_free(&ev->fields_json);
	rb_json_writer_free(&ev->time_json);
	free(ev->fields);
	free(ev->id_key);
	free(ev);
}

void rb_emitter_init_cached(struct rb_emitter *em, const struct rb_source *source,
			    rb_emit_fn emit, void *emit_ctx, struct rb_emitter_cache *cache)
{
	rb_emitter_init(em, source, emit, emit_ctx);
	em->cache = cache;
	if (cache != NULL) {
		em->spare = cache->spare;
		cache->spare = NULL;
		/* The buffer only: the text is another message's. */
		em->source_json = cache->source_json;
		rb_json_writer_init(&cache->source_json);
		rb_json_writer_reset(&em->source_json);
	}
}

void rb_emitter_cache_free(struct rb_emitter_cache *cache)
{
	event_free(cache->spare);
	cache->spare = NULL;
	rb_json_writer_free(&cache->source_json);
}

void rb_emitter_release(struct rb_emitter *em)
{
	if (em->cache != NULL && em->cache->spare == NULL && em->cache->source_json.buf == NULL) {
		em->cache->spare = em->spare;
		em->cache->source_json = em->source_json;
		rb_json_writer_init(&em->source_json);
	} else {
		event_free(em->spare);
		rb_json_writer_free(&em->source_json);
	}
	em->spare = NULL;
	rb_sha256_free(&em->id_prefix);
	rb_sha256_free(&em->id_work);
	free(em->id_prefix_key);
	em->id_prefix_key = NULL;
	em->id_prefix_len = 0;
}

#define ID_BLOCK 64 /* bytes of a SHA-256 block */

/*
 * SHA-256 of an id key in hex. The key's whole blocks before its last byte are hashed
 * from the emitter's kept prefix when the previous key started with the same bytes.
 * false when memory ran out.
 */
static bool id_hash(struct rb_emitter *em, const char *key, size_t len, char hex[65])
{
	size_t prefix = len > 0 ? (len - 1) / ID_BLOCK * ID_BLOCK : 0;
	if (prefix == 0) {
		rb_sha256_hex(key, len, hex);
		return true;
	}
	if (em->id_prefix == NULL) {
		em->id_prefix = rb_sha256_new();
		em->id_work = rb_sha256_new();
		if (em->id_prefix == NULL || em->id_work == NULL)
			return false;
	}
	if (em->id_prefix_len != prefix || memcmp(em->id_prefix_key, key, prefix) != 0) {
		char *copy = realloc(em->id_prefix_key, prefix);
		if (copy == NULL)
			return false;
		memcpy(copy, key, prefix);
		em->id_prefix_key = copy;
		em->id_prefix_len = prefix;
		rb_sha256_reset(em->id_prefix);
		rb_sha256_update(em->id_prefix, key, prefix);
	}
	rb_sha256_copy(em->id_work, em->id_prefix);
	rb_sha256_update(em->id_work, key + prefix, len - prefix);
	rb_sha256_finish_hex(em->id_work, hex);
	return true;
}

void rb_emitter_hash(struct rb_emitter *em, const unsigned char *data, size_t len)
{
	rb_sha256_hex(data, len, em->sha256);
}

/* A key's length, first and last bytes: cheap, and enough to tell keys apart mostly. */
static uint32_t key_hash(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	return (uint32_t)len | (uint32_t)(unsigned char)s[0] << 16 |
	       (uint32_t)(unsigned char)s[len - 1] << 24;
}

static uint64_t key_bit(uint32_t hash)
{
	return UINT64_C(1) << ((hash * 2654435761u) >> 26); /* 6 bits of a mix */
}

/* Start a field: ,"key": written, its key found again when set twice. */
static struct field_mark field_open(struct rb_event *ev, const char *key, size_t key_len)
{
	struct rb_json_writer *w = &ev->fields_json;
	struct field_mark m = {.member = w->len};
	m.key_off = m.member + 2;
	rb_json_append_key_n(w, key ? key : "", key ? key_len : 0);
	m.value_off = w->len;
	m.key_len = w->failed ? 0 : m.value_off - 2 - m.key_off;
	return m;
}

/* The field set again: its new value, written at the end, takes the old one's place. */
static void field_replace(struct rb_event *ev, size_t index, const struct field_mark *m)
{
	struct rb_json_writer *w = &ev->fields_json;
	size_t len = w->len - m->value_off;
	char stack[EVENT_REPLACE_STACK];
	char *copy = len <= sizeof(stack) ? stack : malloc(len);
	if (copy == NULL) {
		ev->failed = true;
		return;
	}
	memcpy(copy, w->buf + m->value_off, len);
	rb_json_truncate(w, m->member);
	struct event_field *f = &ev->fields[index];
	rb_json_splice(w, f->value_off, f->value_len, copy, len);
	if (copy != stack)
		free(copy);
	size_t old_len = f->value_len;
	f->value_len = len;
	for (size_t i = index + 1; i < ev->field_count; i++) {
		ev->fields[i].key_off = ev->fields[i].key_off - old_len + len;
		ev->fields[i].value_off = ev->fields[i].value_off - old_len + len;
	}
}

static void field_close(struct rb_event *ev, const struct field_mark *m)
{
	struct rb_json_writer *w = &ev->fields_json;
	if (w->failed || ev->failed)
		return;
	const char *key = w->buf + m->key_off;
	uint32_t h = key_hash(key, m->key_len);
	uint64_t bit = key_bit(h);
	if (ev->key_bits & bit) {
		for (size_t i = 0; i < ev->field_count; i++) {
			const struct event_field *f = &ev->fields[i];
			if (f->hash == h && f->key_len == m->key_len &&
			    memcmp(w->buf + f->key_off, key, m->key_len) == 0) {
				field_replace(ev, i, m);
				return;
			}
		}
	}
	if (ev->field_count == ev->field_cap) {
		size_t cap = ev->field_cap ? ev->field_cap * 2 : EVENT_FIRST_FIELDS;
		struct event_field *fields = realloc(ev->fields, cap * sizeof(*fields));
		if (fields == NULL) {
			ev->failed = true;
			return;
		}
		ev->fields = fields;
		ev->field_cap = cap;
	}
	ev->fields[ev->field_count++] = (struct event_field){
	    .hash = h,
	    .key_off = m->key_off,
	    .key_len = m->key_len,
	    .value_off = m->value_off,
	    .value_len = w->len - m->value_off,
	};
	ev->key_bits |= bit;
}

/* The time is one of the common fields: kept aside until the event is put together. */
static bool is_time_key(const char *key, size_t key_len)
{
	return key != NULL && key_len == 4 && memcmp(key, "time", 4) == 0;
}

void rb_event_set_key_str(struct rb_event *ev, const char *key, size_t key_len,
			  const char *value, size_t len)
{
	if (value == NULL)
		len = 0;
	if (is_time_key(key, key_len)) {
		rb_json_writer_reset(&ev->time_json);
		rb_json_str_value(&ev->time_json, value ? value : "", len);
		return;
	}
	struct field_mark m = field_open(ev, key, key_len);
	rb_json_str_value(&ev->fields_json, value ? value : "", len);
	field_close(ev, &m);
}

/* A value other than a string: its JSON text as it is. */
static void set_raw(struct rb_event *ev, const char *key, const char *json, size_t len)
{
	size_t key_len = key ? strlen(key) : 0;
	if (is_time_key(key, key_len)) {
		rb_json_writer_reset(&ev->time_json);
		rb_json_append_raw(&ev->time_json, json, len);
		return;
	}
	struct field_mark m = field_open(ev, key, key_len);
	rb_json_append_raw(&ev->fields_json, json, len);
	field_close(ev, &m);
}

void rb_event_set_int(struct rb_event *ev, const char *key, int64_t value)
{
	/* Written from the right: snprintf cost twenty times as much. */
	char digits[24];
	char *end = digits + sizeof(digits), *d = end;
	uint64_t u = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
	do {
		*--d = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (value < 0)
		*--d = '-';
	set_raw(ev, key, d, (size_t)(end - d));
}

void rb_event_set_bool(struct rb_event *ev, const char *key, bool value)
{
	set_raw(ev, key, value ? "true" : "false", value ? 4 : 5);
}

void rb_event_set_null(struct rb_event *ev, const char *key)
{
	set_raw(ev, key, "null", 4);
}

void rb_event_set_time_field(struct rb_event *ev, const char *key, const char *rfc3339)
{
	if (rfc3339 != NULL && *rfc3339)
		rb_event_set_str(ev, key, rfc3339);
	else
		rb_event_set_null(ev, key);
}

void rb_event_set_json(struct rb_event *ev, const char *key, const struct rb_json_writer *value)
{
	if (value->failed || value->depth != 0 || value->after_key || value->len == 0) {
		/* Out of memory in the value's writer fails the event; misuse is a bug. */
		if (value->failed && !value->misused)
			ev->failed = true;
		else
			ev->fields_json.failed = ev->fields_json.misused = true;
		return;
	}
	set_raw(ev, key, value->buf, value->len);
}

void rb_event_set_time(struct rb_event *ev, const char *rfc3339)
{
	rb_event_set_time_field(ev, "time", rfc3339);
}

void rb_event_set_id_key(struct rb_event *ev, const char *key)
{
	size_t len = strlen(key ? key : "");
	if (len + 4 > ev->id_key_cap) {
		char *buf = realloc(ev->id_key, len + 4);
		if (buf == NULL) {
			ev->failed = true;
			return;
		}
		ev->id_key = buf;
		ev->id_key_cap = len + 4;
	}
	memcpy(ev->id_key, "v1\n", 3);
	memcpy(ev->id_key + 3, key ? key : "", len + 1);
	ev->id_key_len = len + 3;
	ev->has_id_key = true;
}

/* The `source` object of the emitter's events, written again only when it changed. */
static const struct rb_json_writer *source_json(struct rb_emitter *em)
{
	struct rb_json_writer *w = &em->source_json;
	if (w->len > 0 && !w->failed && em->source_message_id == em->message_id &&
	    strcmp(em->source_sha256, em->sha256) == 0)
		return w;
	const struct rb_source *s = em->source;
	rb_json_writer_reset(w);
	rb_json_begin_object(w);
	rb_json_field_str(w, "kind", s && s->kind ? s->kind : "file");
	if (s != NULL && s->mailbox != NULL) {
		rb_json_field_str(w, "mailbox", s->mailbox);
		rb_json_field_int(w, "uid", s->uid);
	} else {
		rb_json_field_str(w, "path", s && s->path ? s->path : "");
	}
	rb_json_field_str(w, "message_id", em->message_id);
	rb_json_field_str(w, "sha256", em->sha256);
	rb_json_end_object(w);
	em->source_message_id = em->message_id;
	memcpy(em->source_sha256, em->sha256, sizeof(em->source_sha256));
	return w;
}

struct rb_event *rb_event_begin(struct rb_emitter *em, enum rb_event_type type)
{
	struct rb_event *ev = em->spare;
	em->spare = NULL;
	if (ev == NULL) {
		ev = calloc(1, sizeof(*ev));
		if (ev == NULL)
			return NULL;
		rb_json_writer_init(&ev->json);
		rb_json_writer_init(&ev->fields_json);
		rb_json_writer_init(&ev->time_json);
	} else {
		rb_json_writer_reset(&ev->json);
		rb_json_writer_reset(&ev->fields_json);
		ev->field_count = 0;
		ev->key_bits = 0;
		ev->has_id_key = false;
		ev->failed = false;
	}
	ev->type = type;
	ev->seq = em->seq++;
	rb_event_set_time(ev, em->time);
	return ev;
}

/* The whole object: the common fields, then the fields as they were set. */
static void event_assemble(struct rb_emitter *em, struct rb_event *ev)
{
	struct rb_json_writer *w = &ev->json;
	const char *type = rb_event_type_name(ev->type);
	const struct rb_json_writer *source = source_json(em);
	if (source->failed)
		ev->failed = true;
	rb_json_append_raw(w, "{\"id\":\"", 7);
	rb_json_append_raw(w, ev->id, EVENT_ID_HEX);
	rb_json_append_raw(w, "\",\"type\":", 9);
	rb_json_str_value(w, type, strlen(type));
	rb_json_append_raw(w, ",\"time\":", 8);
	rb_json_append_raw(w, ev->time_json.buf, ev->time_json.len);
	rb_json_append_raw(w, ",\"source\":", 10);
	rb_json_append_raw(w, source->buf, source->len);
	rb_json_append_raw(w, ev->fields_json.buf, ev->fields_json.len);
	rb_json_append_raw(w, "}", 1);
}

void rb_event_discard(struct rb_event **ev)
{
	if (ev == NULL)
		return;
	event_free(*ev);
	*ev = NULL;
}

/* Keep a finished event for the next rb_event_begin(). */
static void recycle(struct rb_emitter *em, struct rb_event *ev)
{
	if (em->spare == NULL)
		em->spare = ev;
	else
		event_free(ev);
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
		recycle(em, ev);
		return em->status;
	}
	char hex[65] = {0};
	if (ev->has_id_key) {
		if (!id_hash(em, ev->id_key, ev->id_key_len, hex))
			ev->failed = true;
	} else {
		/* "v1\n" sha256 "\n" type "\n" seq, written by hand: snprintf was a tenth of
		 * the cost of an event. */
		enum { TYPE_NAME_MAX = 32, SEQ_DIGITS = 10 }; /* names are short; seq a 32-bit */
		char buf[3 + sizeof(em->sha256) + TYPE_NAME_MAX + 1 + SEQ_DIGITS];
		const char *type = rb_event_type_name(ev->type);
		size_t hash_len = strnlen(em->sha256, sizeof(em->sha256) - 1);
		size_t type_len = strnlen(type, TYPE_NAME_MAX);
		memcpy(buf, "v1\n", 3);
		size_t n = 3;
		memcpy(buf + n, em->sha256, hash_len);
		n += hash_len;
		buf[n++] = '\n';
		memcpy(buf + n, type, type_len);
		n += type_len;
		buf[n++] = '\n';
		char digits[SEQ_DIGITS];
		size_t d = 0;
		unsigned seq = ev->seq;
		do {
			digits[d++] = (char)('0' + seq % 10);
			seq /= 10;
		} while (seq != 0 && d < SEQ_DIGITS);
		while (d > 0)
			buf[n++] = digits[--d];
		rb_sha256_hex(buf, n, hex);
	}
	memcpy(ev->id, hex, EVENT_ID_HEX);
	ev->id[EVENT_ID_HEX] = '\0';
	enum rb_status st = rb_json_writer_check(&ev->fields_json, &em->error);
	if (st == RB_OK)
		st = rb_json_writer_check(&ev->time_json, &em->error);
	if (st == RB_OK && !ev->failed) {
		event_assemble(em, ev);
		st = rb_json_writer_check(&ev->json, &em->error);
	}
	if (st == RB_OK && ev->failed)
		st =
		    rb_error_set(&em->error, RB_ERR_NOMEM, "out of memory while building an event");
	if (st != RB_OK) {
		em->status = st;
		recycle(em, ev);
		return em->status;
	}
	struct rb_error err = {0};
	st = em->emit ? em->emit(em->emit_ctx, ev, &err) : RB_OK;
	if (st != RB_OK) {
		em->status = RB_ERR_ABORTED;
		em->error = err;
		em->error.status = RB_ERR_ABORTED;
	} else {
		em->emitted++;
	}
	recycle(em, ev);
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
	return rb_json_text(&event->json, len_r);
}
