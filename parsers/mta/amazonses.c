/*
 * amazonses.c - Amazon SES bounce and delivery notifications (JSON by mail).
 *
 * Seen in lhost-amazonses-09..13. "Bounce": one record per bouncedRecipients entry
 * (emailAddress, action, status, diagnosticCode); "Delivery": one delivered record
 * per delivery.recipients entry. Complaints are complaints, not bounces: arf.c
 * reads them. SES's own DSN-style bounces (with a delivery-status part) are read by
 * dsn.c.
 */
#include <string.h>

#include "core/text.h"
#include "parsers/mta/mta.h"
#include "parsers/ses.h"

static int ses_bounces(json_object *n, struct rb_bounce_set *out)
{
	struct rb_arena *arena = out->arena;
	json_object *bounce = NULL, *list = NULL;
	if (!json_object_object_get_ex(n, "bounce", &bounce) ||
	    !json_object_object_get_ex(bounce, "bouncedRecipients", &list) ||
	    json_object_get_type(list) != json_type_array)
		return 0;
	const char *reporting = rb_ses_str(bounce, "reportingMTA");
	const char *semi = strchr(reporting, ';');
	size_t n_items = json_object_array_length(list);
	for (size_t i = 0; i < n_items; i++) {
		json_object *r = json_object_array_get_idx(list, i);
		const char *addr = rb_text_find_address(arena, rb_ses_str(r, "emailAddress"));
		if (addr == NULL)
			continue;
		struct rb_bounce *b = rb_bounce_add(out);
		if (b == NULL)
			break;
		b->recipient = addr;
		b->action = rb_text_lower(arena, rb_ses_str(r, "action"));
		char code[16];
		if (rb_text_find_status(rb_ses_str(r, "status"), code))
			b->status = rb_arena_strdup(arena, code);
		const char *diag = rb_ses_str(r, "diagnosticCode");
		const char *dsemi = strchr(diag, ';');
		if (dsemi != NULL && dsemi - diag < 20) {
			b->diagnostic_type = rb_text_lower(arena, rb_text_trim(arena, diag, (size_t)(dsemi - diag)));
			diag = dsemi + 1;
		}
		b->diagnostic = rb_text_squeeze(arena, diag);
		b->reply_code = rb_text_find_reply_code(b->diagnostic);
		b->reporting_mta = rb_text_trim(arena, semi ? semi + 1 : reporting, strlen(semi ? semi + 1 : reporting));
	}
	return out->count > 0;
}

static int ses_deliveries(json_object *n, struct rb_bounce_set *out)
{
	struct rb_arena *arena = out->arena;
	json_object *delivery = NULL, *list = NULL;
	if (!json_object_object_get_ex(n, "delivery", &delivery) ||
	    !json_object_object_get_ex(delivery, "recipients", &list) ||
	    json_object_get_type(list) != json_type_array)
		return 0;
	size_t n_items = json_object_array_length(list);
	for (size_t i = 0; i < n_items; i++) {
		const char *addr = rb_text_find_address(
			arena, json_object_get_string(json_object_array_get_idx(list, i)));
		if (addr == NULL)
			continue;
		struct rb_bounce *b = rb_bounce_add(out);
		if (b == NULL)
			break;
		b->recipient = addr;
		b->action = "delivered";
		b->diagnostic = rb_text_squeeze(arena, rb_ses_str(delivery, "smtpResponse"));
		b->reply_code = rb_text_find_reply_code(b->diagnostic);
		char code[16];
		if (rb_text_find_status(b->diagnostic, code))
			b->status = rb_arena_strdup(arena, code);
		b->remote_mta = rb_arena_strdup(arena, rb_ses_str(delivery, "remoteMtaIp"));
		b->reporting_mta = rb_arena_strdup(arena, rb_ses_str(delivery, "reportingMTA"));
	}
	return out->count > 0;
}

static int amazonses_parse(const struct rb_mail *mail, struct rb_bounce_set *out)
{
	json_object *n = rb_ses_notification(mail);
	if (n == NULL)
		return 0;
	const char *type = rb_ses_str(n, "notificationType");
	int r = 0;
	if (strcmp(type, "Bounce") == 0)
		r = ses_bounces(n, out);
	else if (strcmp(type, "Delivery") == 0)
		r = ses_deliveries(n, out);
	json_object_put(n);
	return rb_arena_failed(out->arena) ? -1 : r;
}

const struct rb_mta rb_mta_amazonses = {"amazonses", amazonses_parse};
