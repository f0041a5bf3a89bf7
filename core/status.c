/*
 * status.c - status names, error filling, default limits, event type names.
 */
#include <stdarg.h>
#include <stdio.h>

#include "rebound/rebound.h"

static const char *const status_names[] = {
	[RB_OK] = "success",
	[RB_ERR_NOMEM] = "out of memory",
	[RB_ERR_INPUT] = "input is malformed",
	[RB_ERR_LIMIT] = "a limit was exceeded",
	[RB_ERR_IO] = "input/output error",
	[RB_ERR_USAGE] = "invalid usage",
	[RB_ERR_ABORTED] = "stopped by the caller",
	[RB_ERR_INTERNAL] = "internal library failure",
};

const char *rb_status_str(enum rb_status status)
{
	if ((unsigned)status < sizeof(status_names) / sizeof(status_names[0]) &&
	    status_names[status] != NULL)
		return status_names[status];
	return "unknown status";
}

enum rb_status rb_error_set(struct rb_error *err, enum rb_status status, const char *fmt, ...)
{
	if (err == NULL)
		return status;
	err->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

void rb_limits_default(struct rb_limits *limits)
{
	limits->max_message_bytes = 64u * 1024 * 1024;
	limits->max_mime_depth = 32;
	limits->max_mime_parts = 1024;
	limits->max_decompressed_bytes = (size_t)1024 * 1024 * 1024;
	limits->max_decompress_ratio = 250;
	limits->max_archive_members = 64;
	limits->max_xml_depth = 64;
	limits->max_xml_records = 10u * 1000 * 1000;
	limits->max_recipients = 1000;
}

static const char *const event_type_names[RB_EVENT_TYPE_COUNT] = {
	[RB_EVENT_BOUNCE] = "bounce",
	[RB_EVENT_COMPLAINT] = "complaint",
	[RB_EVENT_AUTOREPLY] = "autoreply",
	[RB_EVENT_DELIVERY] = "delivery",
	[RB_EVENT_DMARC_REPORT] = "dmarc_report",
	[RB_EVENT_DMARC_RECORD] = "dmarc_record",
	[RB_EVENT_DMARC_FAILURE] = "dmarc_failure",
	[RB_EVENT_TLS_REPORT] = "tls_report",
	[RB_EVENT_UNRECOGNIZED] = "unrecognized",
	[RB_EVENT_ERROR] = "error",
};

const char *rb_event_type_name(enum rb_event_type type)
{
	if ((unsigned)type < RB_EVENT_TYPE_COUNT)
		return event_type_names[type];
	return "unknown";
}

#include "core/limits.h"

void rb_limits_resolve(const struct rb_limits *in, struct rb_limits *out)
{
	struct rb_limits d;
	rb_limits_default(&d);
	if (in == NULL) {
		*out = d;
		return;
	}
	*out = *in;
#define RB_LIMIT_DEFAULT(field) \
	if (out->field == 0)    \
	out->field = d.field
	RB_LIMIT_DEFAULT(max_message_bytes);
	RB_LIMIT_DEFAULT(max_mime_depth);
	RB_LIMIT_DEFAULT(max_mime_parts);
	RB_LIMIT_DEFAULT(max_decompressed_bytes);
	RB_LIMIT_DEFAULT(max_decompress_ratio);
	RB_LIMIT_DEFAULT(max_archive_members);
	RB_LIMIT_DEFAULT(max_xml_depth);
	RB_LIMIT_DEFAULT(max_xml_records);
	RB_LIMIT_DEFAULT(max_recipients);
#undef RB_LIMIT_DEFAULT
}
