/*
 * rebound.h - the public API of librebound: a message in, events out.
 *
 * librebound classifies the mail that comes back to a sender: bounces (DSN and the
 * non-standard formats of common MTAs), complaints (ARF), auto-replies (RFC 3834),
 * DMARC aggregate and failure reports and SMTP TLS reports. Parsing is pure: bytes in,
 * events out, no I/O, no global state, deterministic (the same bytes give the same
 * events with the same ids).
 *
 * Lifecycle:
 *   struct rb_limits limits;  rb_limits_default(&limits);
 *   rb_parse_message(bytes, len, &source, &limits, emit, ctx, &err);
 * Each event is handed to `emit` as it is made; an event and everything it points to
 * is valid only during that call (borrowed, not a copy).
 *
 * Errors: every fallible call returns an enum rb_status and fills a struct rb_error
 * with a message a person can act on. Hostile input is never an abort: it becomes an
 * `error` or `unrecognized` event, and the call still returns RB_OK.
 */
#ifndef REBOUND_REBOUND_H
#define REBOUND_REBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RB_EVENT_SCHEMA_VERSION 1

/* Append-only: never renumber a value; rb_status_str() names each. */
enum rb_status {
	RB_OK = 0,
	RB_ERR_NOMEM = 1,     /* out of memory */
	RB_ERR_INPUT = 2,     /* the input is not what it claims to be */
	RB_ERR_LIMIT = 3,     /* a limit in struct rb_limits was exceeded */
	RB_ERR_IO = 4,        /* reading or writing failed (errno in the message) */
	RB_ERR_USAGE = 5,     /* the caller passed something invalid */
	RB_ERR_ABORTED = 6,   /* the emit callback asked to stop */
	RB_ERR_INTERNAL = 7,  /* a library below us failed unexpectedly */
};

/* A static string naming the status, e.g. "input is malformed". Never NULL. */
const char *rb_status_str(enum rb_status status);

struct rb_error {
	enum rb_status status;
	char message[512];
};

/* Set err (may be NULL) to status and a printf-style message; returns status. */
enum rb_status rb_error_set(struct rb_error *err, enum rb_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Caps on hostile input. rb_limits_default() fills the documented defaults; a field
 * left 0 by the caller also means its default.
 */
struct rb_limits {
	size_t max_message_bytes;        /* 64 MiB: larger messages become an error event */
	unsigned max_mime_depth;         /* 32 nested multiparts/messages */
	unsigned max_mime_parts;         /* 1024 leaf parts */
	size_t max_decompressed_bytes;   /* 1 GiB out of one compressed payload */
	unsigned max_decompress_ratio;   /* 250: output/input ratio of a compressed payload (XML
					  * reports compress 10-100x; deflate tops out near 1030x) */
	unsigned max_archive_members;    /* 64 members in one zip */
	unsigned max_xml_depth;          /* 64 nested XML elements */
	size_t max_xml_records;          /* 10,000,000 <record> elements in one report */
	unsigned max_recipients;         /* 1000 recipients in one bounce */
};

void rb_limits_default(struct rb_limits *limits);

/* Where a message came from; copied into every event's `source`. */
struct rb_source {
	const char *kind;      /* "file", "mbox", "maildir", "stdin", "imap" */
	const char *path;      /* as reached from the argument; "PATH#N" for mbox; or NULL */
	const char *mailbox;   /* IMAP mailbox, or NULL */
	uint32_t uid;          /* IMAP UID, 0 when not IMAP */
	/* The SHA-256 of the message's bytes in lowercase hex (64 digits), when the caller
	 * has computed it already (a reader that hashes many messages at once), or NULL:
	 * rb_parse_message then computes it. It is not checked: give the right one. */
	const char *sha256;
};

/* Event types of schema v1 (docs/events.md). */
enum rb_event_type {
	RB_EVENT_BOUNCE = 0,
	RB_EVENT_COMPLAINT,
	RB_EVENT_AUTOREPLY,
	RB_EVENT_DELIVERY,
	RB_EVENT_DMARC_REPORT,
	RB_EVENT_DMARC_RECORD,
	RB_EVENT_DMARC_FAILURE,
	RB_EVENT_TLS_REPORT,
	RB_EVENT_UNRECOGNIZED,
	RB_EVENT_ERROR,
	RB_EVENT_TYPE_COUNT
};

/* "bounce", "complaint", ... Never NULL. */
const char *rb_event_type_name(enum rb_event_type type);

struct rb_event; /* opaque */

enum rb_event_type rb_event_type(const struct rb_event *event);
/* The deterministic id: 32 hex digits. Borrowed. */
const char *rb_event_id(const struct rb_event *event);
/* The whole event as one line of JSON (no newline). Borrowed, valid during emit. */
const char *rb_event_json(const struct rb_event *event, size_t *len_r);

/*
 * Called once per event. Return RB_OK to go on; any other status stops the parse,
 * which then returns RB_ERR_ABORTED with the callback's error.
 */
typedef enum rb_status (*rb_emit_fn)(void *ctx, const struct rb_event *event,
				     struct rb_error *err);

/*
 * Parse one message (RFC 5322 bytes, any line ending) and emit its events: at least
 * one per message (a bounce per recipient, a complaint, a report and its records,
 * or one `unrecognized`/`error` event saying why). Returns RB_OK when the message
 * was read, even if it was hostile (that is an event); a failure status only when
 * the environment failed (memory) or emit asked to stop.
 */
enum rb_status rb_parse_message(const unsigned char *data, size_t len,
				const struct rb_source *source, const struct rb_limits *limits,
				rb_emit_fn emit, void *ctx, struct rb_error *err);

/*
 * A parser for many messages, one after another in one thread: it keeps its memory
 * (the message's pool, the events' buffers) from one message to the next instead of
 * allocating them again. rb_parser_parse_message is rb_parse_message with it; events
 * and their text are the same. NULL on out of memory; free takes NULL.
 */
struct rb_parser; /* opaque */
struct rb_parser *rb_parser_new(void);
void rb_parser_free(struct rb_parser **parser);
enum rb_status rb_parser_parse_message(struct rb_parser *parser, const unsigned char *data,
				       size_t len, const struct rb_source *source,
				       const struct rb_limits *limits, rb_emit_fn emit, void *ctx,
				       struct rb_error *err);

/*
 * Read callback for streamed input: fill buf with up to cap bytes, set *got_r (0 at
 * end of input). Return RB_OK or a failure status with err filled.
 */
typedef enum rb_status (*rb_read_fn)(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				     struct rb_error *err);

/*
 * Parse a bare report payload that is not a mail message (a DMARC aggregate report
 * as XML, zip or gzip; a TLS report as JSON or gzip), streamed through `read` in
 * bounded memory. `head`/`head_len` are the first bytes already read (for the magic
 * number), which are parsed before the rest of the stream.
 */
enum rb_status rb_parse_report_stream(const unsigned char *head, size_t head_len,
				      rb_read_fn read, void *read_ctx,
				      const struct rb_source *source,
				      const struct rb_limits *limits, rb_emit_fn emit,
				      void *ctx, struct rb_error *err);

/* True when these first bytes look like a bare report payload rather than mail. */
bool rb_payload_is_report(const unsigned char *head, size_t head_len);

#ifdef __cplusplus
}
#endif
#endif
