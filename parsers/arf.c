/*
 * arf.c - feedback reports: complaints and authentication failure reports.
 *
 * RFC 5965 (ARF), RFC 6591 and RFC 9991 (authentication failure reports), RFC 6650.
 *
 * A message/feedback-report part (mime.c collects it, whatever the multipart type
 * around it: providers send multipart/report and multipart/mixed alike) is read as
 * "Name: value" fields. Feedback-Type auth-failure gives one `dmarc_failure` event;
 * any other type gives one `complaint` per complaining recipient (some feedback loops
 * list several Original-Rcpt-To fields in one report).
 *
 * Two formats without an ARF part are recognized too, each by a signature that
 * ordinary mail does not carry:
 *   - Apple Mail's unsubscribe message (X-Apple-Unsubscribe: true): an opt-out
 *     complaint from its sender;
 *   - Exim's DMARC forensic report, plain text ("A message claiming to be from you
 *     has failed the published DMARC policy", then "Sender Domain:", "Sender IP
 *     Address:" ... lines): a `dmarc_failure` event.
 *
 * Who complained: Original-Rcpt-To, else Removal-Recipient, else the To of the
 * returned message, else "" (never a made-up address).
 *
 * Limits: at most ARF_MAX_RECIPIENTS complaints from one report; the rest are named
 * in an `error` event rather than dropped silently.
 */
#include "parsers/arf.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "parsers/ses.h"

#define ARF_MAX_RECIPIENTS 100

/* The fields of every block of the report, as one list (the order is kept). */
struct arf_fields {
	struct rb_field *items;
	size_t count;
};

static bool arf_fields_collect(struct rb_arena *arena, const char *text, struct arf_fields *out)
{
	struct rb_field_block *blocks = NULL;
	size_t nblocks = rb_fields_parse(arena, text, &blocks);
	size_t total = 0;
	for (size_t i = 0; i < nblocks; i++)
		total += blocks[i].count;
	out->items = rb_arena_alloc(arena, (total + 1) * sizeof(*out->items));
	out->count = 0;
	if (out->items == NULL)
		return false;
	for (size_t i = 0; i < nblocks; i++)
		for (size_t j = 0; j < blocks[i].count; j++)
			out->items[out->count++] = blocks[i].fields[j];
	return true;
}

/* The first value of a field, trimmed; "" when absent. */
static const char *arf_get(const struct arf_fields *f, const char *name)
{
	for (size_t i = 0; i < f->count; i++)
		if (rb_text_equal_ci(f->items[i].name, name))
			return f->items[i].value;
	return "";
}

/* An address field ("<a@b>", "rfc822; a@b", "Name <a@b>") to a bare address, or "". */
static const char *address_of(struct rb_arena *arena, const char *value)
{
	const char *a = rb_text_find_address(arena, value);
	return a ? a : "";
}

/* The `Source-IP` value without the comment some senders add ("192.0.2.1 (host)"). */
static const char *ip_of(struct rb_arena *arena, const char *value)
{
	size_t n = strcspn(value, " \t(");
	return rb_text_trim(arena, value, n);
}

static const char *original_message_id(struct rb_arena *arena, const struct rb_mail *mail,
				       const struct arf_fields *f)
{
	const char *id = rb_mail_original_header(mail, "Message-ID");
	if (*id == '\0')
		id = arf_get(f, "Message-ID"); /* some reporters copy it into the report */
	return rb_text_strip_angle(arena, id);
}

/* DKIM-Domain/DKIM-Selector, else the d= and s= of the sample's first signature. */
static void dkim_identity(struct rb_arena *arena, const struct rb_mail *mail,
			  const struct arf_fields *f, const char **domain_r,
			  const char **selector_r)
{
	*domain_r = arf_get(f, "DKIM-Domain");
	*selector_r = arf_get(f, "DKIM-Selector");
	const char *sig = rb_mail_original_header(mail, "DKIM-Signature");
	if (*sig == '\0')
		return;
	static const struct {
		const char *tag;
		bool is_domain;
	} tags[] = {{"d=", true}, {"s=", false}};
	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		if (*(tags[t].is_domain ? *domain_r : *selector_r) != '\0')
			continue;
		/* Tags are "; "-separated: find "d=" at the start or after ';' or space. */
		for (const char *p = sig; (p = strstr(p, tags[t].tag)) != NULL; p++) {
			if (p != sig && p[-1] != ';' && p[-1] != ' ' && p[-1] != '\t')
				continue;
			const char *v = p + 2;
			size_t n = strcspn(v, "; \t");
			const char *value = rb_text_lower(arena, rb_arena_strndup(arena, v, n));
			if (tags[t].is_domain)
				*domain_r = value;
			else
				*selector_r = value;
			break;
		}
	}
}

static enum rb_status emit_dmarc_failure(const struct rb_mail *mail, struct rb_arena *arena,
					 struct rb_emitter *em, const struct arf_fields *f)
{
	const char *rcpt = address_of(arena, arf_get(f, "Original-Rcpt-To"));
	if (*rcpt == '\0')
		rcpt = address_of(arena, rb_mail_original_header(mail, "To"));
	const char *mail_from = address_of(arena, arf_get(f, "Original-Mail-From"));
	if (*mail_from == '\0')
		mail_from = address_of(arena, rb_mail_original_header(mail, "Return-Path"));
	const char *arrival = arf_get(f, "Arrival-Date");
	if (*arrival == '\0')
		arrival = arf_get(f, "Received-Date");
	const char *dkim_domain, *dkim_selector;
	dkim_identity(arena, mail, f, &dkim_domain, &dkim_selector);

	struct rb_event *ev = rb_event_begin(em, RB_EVENT_DMARC_FAILURE);
	if (ev == NULL)
		return rb_event_finish(em, ev);
	rb_event_set_str(ev, "feedback_type", "auth-failure");
	rb_event_set_str(ev, "auth_failure", rb_text_lower(arena, arf_get(f, "Auth-Failure")));
	rb_event_set_str(ev, "identity_alignment",
			 rb_text_lower(arena, arf_get(f, "Identity-Alignment")));
	rb_event_set_str(ev, "source_ip", ip_of(arena, arf_get(f, "Source-IP")));
	rb_event_set_str(ev, "reported_domain", rb_text_lower(arena, arf_get(f, "Reported-Domain")));
	rb_event_set_str(ev, "original_mail_from", mail_from);
	rb_event_set_str(ev, "original_rcpt_to", rcpt);
	rb_event_set_time_field(ev, "arrival_date", rb_mime_date_rfc3339(arena, arrival));
	rb_event_set_str(ev, "dkim_domain", dkim_domain);
	rb_event_set_str(ev, "dkim_selector", dkim_selector);
	rb_event_set_str(ev, "delivery_result", rb_text_lower(arena, arf_get(f, "Delivery-Result")));
	rb_event_set_str(ev, "original_message_id", original_message_id(arena, mail, f));
	rb_event_set_str(ev, "user_agent", arf_get(f, "User-Agent"));
	return rb_event_finish(em, ev);
}

static enum rb_status emit_complaint(const struct rb_mail *mail, struct rb_arena *arena,
				     struct rb_emitter *em, const struct arf_fields *f,
				     const char *feedback_type, const char *recipient)
{
	const char *arrival = arf_get(f, "Arrival-Date");
	if (*arrival == '\0')
		arrival = arf_get(f, "Received-Date");
	const char *mail_from = address_of(arena, arf_get(f, "Original-Mail-From"));
	if (*mail_from == '\0')
		mail_from = address_of(arena, rb_mail_original_header(mail, "Return-Path"));

	struct rb_event *ev = rb_event_begin(em, RB_EVENT_COMPLAINT);
	if (ev == NULL)
		return rb_event_finish(em, ev);
	rb_event_set_str(ev, "recipient", recipient);
	rb_event_set_str(ev, "feedback_type", feedback_type);
	rb_event_set_str(ev, "user_agent", arf_get(f, "User-Agent"));
	rb_event_set_str(ev, "source_ip", ip_of(arena, arf_get(f, "Source-IP")));
	rb_event_set_time_field(ev, "arrival_date", rb_mime_date_rfc3339(arena, arrival));
	rb_event_set_str(ev, "reported_domain", rb_text_lower(arena, arf_get(f, "Reported-Domain")));
	rb_event_set_str(ev, "original_mail_from", mail_from);
	rb_event_set_str(ev, "original_message_id", original_message_id(arena, mail, f));
	return rb_event_finish(em, ev);
}

static enum rb_status emit_complaints(const struct rb_mail *mail, struct rb_arena *arena,
				      struct rb_emitter *em, const struct arf_fields *f,
				      const char *feedback_type)
{
	size_t emitted = 0, skipped = 0;
	for (size_t i = 0; i < f->count; i++) {
		if (!rb_text_equal_ci(f->items[i].name, "Original-Rcpt-To"))
			continue;
		const char *rcpt = address_of(arena, f->items[i].value);
		if (*rcpt == '\0')
			continue;
		if (emitted == ARF_MAX_RECIPIENTS) {
			skipped++;
			continue;
		}
		emitted++;
		if (emit_complaint(mail, arena, em, f, feedback_type, rcpt) != RB_OK)
			return em->status;
	}
	if (skipped > 0) {
		char why[160];
		snprintf(why, sizeof(why),
			 "feedback report lists %zu more recipients than the %d kept", skipped,
			 ARF_MAX_RECIPIENTS);
		return rb_emit_problem(em, RB_EVENT_ERROR, why);
	}
	if (emitted > 0)
		return RB_OK;
	const char *rcpt = address_of(arena, arf_get(f, "Removal-Recipient"));
	if (*rcpt == '\0')
		rcpt = address_of(arena, rb_mail_original_header(mail, "To"));
	return emit_complaint(mail, arena, em, f, feedback_type, rcpt);
}

/* Amazon SES complaint notifications (JSON): one complaint per complained recipient. */
static enum rb_status emit_ses_complaints(const struct rb_mail *mail, struct rb_arena *arena,
					  struct rb_emitter *em, json_object *ses)
{
	json_object *complaint = NULL, *list = NULL, *source = NULL;
	json_object_object_get_ex(ses, "complaint", &complaint);
	json_object *sesmail = NULL;
	json_object_object_get_ex(ses, "mail", &sesmail);
	if (sesmail != NULL)
		json_object_object_get_ex(sesmail, "source", &source);
	const char *type = rb_text_lower(arena, rb_ses_str(complaint, "complaintFeedbackType"));
	if (*type == '\0')
		type = "abuse";
	size_t n = 0;
	if (complaint != NULL && json_object_object_get_ex(complaint, "complainedRecipients", &list) &&
	    json_object_get_type(list) == json_type_array)
		n = json_object_array_length(list);
	/* A notification that lists nobody is still one complaint, about nobody known. */
	size_t events = n > 0 ? n : 1;
	for (size_t i = 0; i < events && i < ARF_MAX_RECIPIENTS; i++) {
		const char *rcpt = n > 0 ? address_of(arena, rb_ses_str(json_object_array_get_idx(list, i),
									 "emailAddress"))
					 : "";
		struct rb_event *ev = rb_event_begin(em, RB_EVENT_COMPLAINT);
		if (ev == NULL)
			return rb_event_finish(em, ev);
		rb_event_set_str(ev, "recipient", rcpt);
		rb_event_set_str(ev, "feedback_type", type);
		rb_event_set_str(ev, "user_agent", rb_ses_str(complaint, "userAgent"));
		rb_event_set_str(ev, "source_ip", "");
		const char *when = rb_ses_str(complaint, "arrivalDate");
		if (*when == '\0')
			when = rb_ses_str(complaint, "timestamp");
		rb_event_set_time_field(ev, "arrival_date", when);
		rb_event_set_str(ev, "reported_domain", "");
		rb_event_set_str(ev, "original_mail_from",
				 source ? address_of(arena, json_object_get_string(source)) : "");
		rb_event_set_str(ev, "original_message_id", rb_ses_str(sesmail, "messageId"));
		if (rb_event_finish(em, ev) != RB_OK)
			return em->status;
	}
	(void)mail;
	return RB_OK;
}

/* Exim's plain-text DMARC forensic report: "  Name: value" lines after its sentence. */
static bool exim_failure_fields(struct rb_arena *arena, const struct rb_mail *mail,
				struct arf_fields *f)
{
	const char *found = rb_mail_body_find(mail, "has failed the published dmarc");
	if (found == NULL || strstr(found, "sender domain:") == NULL ||
	    strstr(found, "sender ip address:") == NULL)
		return false;
	const char *start = mail->body + (found - rb_mail_body_lower(mail));
	/* Only the block of indented fields after the sentence, not the quoted headers. */
	const char *block = strstr(start, "\n\n");
	if (block == NULL)
		return false;
	block += 2;
	const char *end = strstr(block, "\n\n");
	char *text = rb_arena_strndup(arena, block, end ? (size_t)(end - block) : strlen(block));
	if (text == NULL)
		return false;
	/* The fields are indented by two spaces, which rb_fields_parse would read as
	 * folding: take them line by line instead. */
	size_t cap = 16;
	f->items = rb_arena_alloc(arena, cap * sizeof(*f->items));
	f->count = 0;
	const char *cursor = text, *line;
	size_t len;
	while (f->items != NULL && f->count < cap && rb_text_next_line(&cursor, &line, &len)) {
		const char *colon = memchr(line, ':', len);
		if (colon == NULL)
			continue;
		f->items[f->count].name = rb_text_trim(arena, line, (size_t)(colon - line));
		f->items[f->count].name_len = f->items[f->count].name ? strlen(f->items[f->count].name) : 0;
		f->items[f->count].value =
			rb_text_trim(arena, colon + 1, len - (size_t)(colon + 1 - line));
		f->count++;
	}
	return f->items != NULL && f->count > 0;
}

/* Exim's words for the DMARC outcome, as RFC 6591 Delivery-Result values. */
static const struct {
	const char *exim;
	const char *delivery_result;
} exim_results[] = {
	{"reject", "reject"},         /* "Rejected" */
	{"quarantine", "spam"},       /* "Quarantined" */
	{"accept", "delivered"},      /* "Accepted" */
	{"none", "delivered"},        /* p=none: nothing was done */
};

static enum rb_status emit_exim_failure(const struct rb_mail *mail, struct rb_arena *arena,
					struct rb_emitter *em, const struct arf_fields *f)
{
	bool spf = rb_text_equal_ci(arf_get(f, "SPF Alignment"), "yes");
	bool dkim = rb_text_equal_ci(arf_get(f, "DKIM Alignment"), "yes");
	const char *alignment = spf && dkim ? "dkim,spf" : dkim ? "dkim" : spf ? "spf" : "none";
	const char *result_text = arf_get(f, "DMARC Results");
	const char *result = "other";
	for (size_t i = 0; i < sizeof(exim_results) / sizeof(exim_results[0]); i++)
		if (rb_text_find_ci(result_text, exim_results[i].exim) != NULL) {
			result = exim_results[i].delivery_result;
			break;
		}
	const char *rcpt = address_of(arena, rb_mail_original_header(mail, "To"));
	const char *mail_from = address_of(arena, rb_mail_original_header(mail, "Return-Path"));
	const char *dkim_domain, *dkim_selector;
	struct arf_fields none = {0};
	dkim_identity(arena, mail, &none, &dkim_domain, &dkim_selector);

	struct rb_event *ev = rb_event_begin(em, RB_EVENT_DMARC_FAILURE);
	if (ev == NULL)
		return rb_event_finish(em, ev);
	rb_event_set_str(ev, "feedback_type", "auth-failure");
	rb_event_set_str(ev, "auth_failure", "dmarc");
	rb_event_set_str(ev, "identity_alignment", alignment);
	rb_event_set_str(ev, "source_ip", ip_of(arena, arf_get(f, "Sender IP Address")));
	rb_event_set_str(ev, "reported_domain", rb_text_lower(arena, arf_get(f, "Sender Domain")));
	rb_event_set_str(ev, "original_mail_from", mail_from);
	rb_event_set_str(ev, "original_rcpt_to", rcpt);
	rb_event_set_time_field(ev, "arrival_date", rb_mime_date_rfc3339(arena, arf_get(f, "Received Date")));
	rb_event_set_str(ev, "dkim_domain", dkim_domain);
	rb_event_set_str(ev, "dkim_selector", dkim_selector);
	rb_event_set_str(ev, "delivery_result", result);
	rb_event_set_str(ev, "original_message_id", original_message_id(arena, mail, &none));
	rb_event_set_str(ev, "user_agent", "Exim");
	return rb_event_finish(em, ev);
}

enum rb_status rb_arf_parse(const struct rb_mail *mail, struct rb_arena *arena,
			    struct rb_emitter *em, bool *handled_r)
{
	*handled_r = false;
	struct arf_fields f = {0};
	if (*mail->feedback_report != '\0') {
		if (!arf_fields_collect(arena, mail->feedback_report, &f))
			return RB_ERR_NOMEM;
		const char *type = rb_text_lower(arena, arf_get(&f, "Feedback-Type"));
		if (type == NULL)
			return RB_ERR_NOMEM;
		/* RFC 5965 requires Feedback-Type; a report without one is still a
		 * complaint of the most common kind, and says so in its type. */
		if (*type == '\0')
			type = "abuse";
		*handled_r = true;
		if (strcmp(type, "auth-failure") == 0)
			return emit_dmarc_failure(mail, arena, em, &f);
		return emit_complaints(mail, arena, em, &f, type);
	}
	/* An SES complaint says so in its text: the JSON is parsed only then (the
	 * bounce classifier parses SES bounce notifications on its own). */
	json_object *ses = rb_text_memmem(mail->body, mail->body_len, "Complaint", 9) != NULL
				   ? rb_ses_notification(mail)
				   : NULL;
	if (ses != NULL) {
		enum rb_status st = RB_OK;
		if (strcmp(rb_ses_str(ses, "notificationType"), "Complaint") == 0) {
			*handled_r = true;
			st = emit_ses_complaints(mail, arena, em, ses);
		}
		json_object_put(ses);
		if (*handled_r)
			return st;
	}
	if (rb_text_equal_ci(rb_mail_header(mail, "X-Apple-Unsubscribe"), "true")) {
		*handled_r = true;
		return emit_complaint(mail, arena, em, &f, "opt-out", address_of(arena, mail->from));
	}
	if (exim_failure_fields(arena, mail, &f)) {
		*handled_r = true;
		return emit_exim_failure(mail, arena, em, &f);
	}
	return RB_OK;
}
