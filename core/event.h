/*
 * event.h - building schema v1 events and handing them to the caller's emit.
 *
 * A parser opens an event with rb_event_begin(), adds its fields with the
 * rb_event_set_* calls, may give a key that identifies the fact independently of its
 * wrapping (rb_event_set_id_key: e.g. a DMARC report's org, report_id, domain and
 * date range), then rb_event_finish() computes the id and calls emit. Common fields
 * (id, type, time, source) come first in every event, the others in the order they
 * were set; setting a key again replaces its value where it stands. The common fields
 * are the emitter's: a "time" set here replaces the message's time, and "id", "type"
 * and "source" must not be set.
 *
 * The JSON is written as the fields are set (core/json_writer.h); arrays and objects
 * are written into a writer of their own and set with rb_event_set_json().
 *
 * The default id key is the message's SHA-256, the event type and the event's
 * sequence number within the message: the same message gives the same ids.
 */
#ifndef REBOUND_CORE_EVENT_H
#define REBOUND_CORE_EVENT_H

#include <stdint.h>
#include <string.h>

#include "core/json_writer.h"
#include "core/sha256.h"
#include "rebound/rebound.h"

struct rb_event;

/* What an emitter keeps for the next message's (see rb_emitter_init). */
struct rb_emitter_cache {
	struct rb_event *spare;
	struct rb_json_writer source_json;
};

/* One message's emit context: shared by every parser that runs on the message. */
struct rb_emitter {
	const struct rb_source *source;
	rb_emit_fn emit;
	void *emit_ctx;
	char sha256[65];          /* of the message (or payload) bytes, hex */
	const char *message_id;   /* Message-ID of the message, without <>; "" if none */
	const char *time;         /* default event time, RFC 3339 UTC; NULL if unknown */
	unsigned seq;             /* events begun so far */
	unsigned emitted;         /* events emitted so far */
	enum rb_status status;    /* first failure of emit; RB_OK until then */
	struct rb_error error;    /* filled with status */
	struct rb_event *spare;   /* a finished event kept to build the next one in */
	/* The `source` object as written for the last event, and what it was made of:
	 * the same for every event of a message, so written once. */
	struct rb_json_writer source_json;
	const char *source_message_id;
	char source_sha256[65];
	/* Event ids of one report share a long key prefix (org, report id, domain, dates):
	 * its whole SHA-256 blocks are hashed once, kept in id_prefix. */
	struct rb_sha256 *id_prefix, *id_work;
	char *id_prefix_key;
	size_t id_prefix_len;
	struct rb_emitter_cache *cache; /* where the buffers go when released, or NULL */
};

void rb_emitter_init(struct rb_emitter *em, const struct rb_source *source, rb_emit_fn emit,
		     void *emit_ctx);
/* The same, with the event and buffers a cache kept from an earlier emitter; release
 * gives them back to it instead of freeing them. */
void rb_emitter_init_cached(struct rb_emitter *em, const struct rb_source *source,
			    rb_emit_fn emit, void *emit_ctx, struct rb_emitter_cache *cache);
/* Free what the emitter keeps between events (call once its last event is finished). */
void rb_emitter_release(struct rb_emitter *em);
/* Free what a cache holds. */
void rb_emitter_cache_free(struct rb_emitter_cache *cache);
/* Hash bytes into em->sha256. */
void rb_emitter_hash(struct rb_emitter *em, const unsigned char *data, size_t len);

/* Begin an event of this type with the common fields filled. NULL on out-of-memory. */
struct rb_event *rb_event_begin(struct rb_emitter *em, enum rb_event_type type);
/* Field setters. A NULL string is written as "" (absent is empty, never a surprise). */
void rb_event_set_key_str(struct rb_event *ev, const char *key, size_t key_len,
			  const char *value, size_t len);
/* (Inline so that a literal key's length is the compiler's to work out.) */
static inline void rb_event_set_strn(struct rb_event *ev, const char *key, const char *value,
				     size_t len)
{
	rb_event_set_key_str(ev, key, key ? strlen(key) : 0, value, len);
}
static inline void rb_event_set_str(struct rb_event *ev, const char *key, const char *value)
{
	rb_event_set_key_str(ev, key, key ? strlen(key) : 0, value, value ? strlen(value) : 0);
}
void rb_event_set_int(struct rb_event *ev, const char *key, int64_t value);
void rb_event_set_bool(struct rb_event *ev, const char *key, bool value);
void rb_event_set_null(struct rb_event *ev, const char *key);
/* A time field: the RFC 3339 string, or null when it is NULL or "". */
void rb_event_set_time_field(struct rb_event *ev, const char *key, const char *rfc3339);
/* A complete JSON value (array or object) from a writer; copied, the writer stays the caller's.
 * A writer that failed makes the event fail (out of memory) at rb_event_finish(). */
void rb_event_set_json(struct rb_event *ev, const char *key, const struct rb_json_writer *value);
/* Overrides the event time (RFC 3339 UTC string). */
void rb_event_set_time(struct rb_event *ev, const char *rfc3339);
/* Identify the event by this key instead of the default (message hash + seq). */
void rb_event_set_id_key(struct rb_event *ev, const char *key);
/*
 * Compute the id, encode, call emit, free the event. Returns the emit status (also kept
 * in em->status so a parser can stop early).
 */
enum rb_status rb_event_finish(struct rb_emitter *em, struct rb_event *ev);
/* Free an event without emitting it. */
void rb_event_discard(struct rb_event **ev);

/* Convenience: emit an `error` or `unrecognized` event with this message. */
enum rb_status rb_emit_problem(struct rb_emitter *em, enum rb_event_type type, const char *why);


#endif
