#include "parsers/report.h"
enum rb_status rb_report_parse_mail(const struct rb_mail *mail, struct rb_arena *arena,
				    const struct rb_limits *limits, struct rb_emitter *em,
				    bool *handled_r)
{
	(void)mail; (void)arena; (void)limits; (void)em;
	*handled_r = false; /* PLACEHOLDER: replaced by the report work */
	return RB_OK;
}
bool rb_payload_is_report(const unsigned char *head, size_t head_len)
{
	(void)head; (void)head_len;
	return false; /* PLACEHOLDER */
}
enum rb_status rb_parse_report_stream(const unsigned char *head, size_t head_len,
				      rb_read_fn read, void *read_ctx,
				      const struct rb_source *source,
				      const struct rb_limits *limits, rb_emit_fn emit,
				      void *ctx, struct rb_error *err)
{
	(void)head; (void)head_len; (void)read; (void)read_ctx; (void)source; (void)limits; (void)emit; (void)ctx;
	return rb_error_set(err, RB_ERR_USAGE, "PLACEHOLDER");
}
