/*
 * autoreply.c - automatic replies: vacation and out-of-office messages.
 *
 * RFC 3834 (Auto-Submitted: auto-replied), and the marks responders use without it:
 * X-Autoreply, X-Autorespond, Precedence: auto_reply, and the subject prefixes of
 * common mail systems in several languages. "Auto-Submitted: auto-generated" alone is
 * not enough: bounces and notifications carry it too. Bodies are not read: a vacation
 * text says nothing a header does not, and wording in bodies would catch ordinary
 * mail. parsers/message.c runs the bounce classifier first, so a bounce that quotes
 * an auto-reply is a bounce.
 *
 * The event: recipient = who replied (From), sender = our address that was
 * replied to (To), original_message_id = In-Reply-To, else the last References id.
 */
#include "parsers/autoreply.h"

#include <string.h>

#include "core/text.h"

/* Headers whose presence (with a value starting as given; "" = any) marks a reply. */
static const struct {
	const char *header;
	const char *value_prefix;
} autoreply_headers[] = {
	{"Auto-Submitted", "auto-replied"}, /* RFC 3834 */
	{"X-Autoreply", ""},                /* Postfix/Dovecot vacation, Zimbra */
	{"X-Autorespond", ""},              /* cPanel, Exim autoresponders */
	{"X-Autoresponder", ""},
	{"Precedence", "auto_reply"},       /* older responders */
	{"X-Auto-Reply-From", ""},
};

/* Subject prefixes of auto-replies, compared case-insensitively at the start. */
static const char *const autoreply_subjects[] = {
	"Auto:",                    /* Apple Mail, Outlook short form */
	"Auto reply",               /* iCloud: "Auto reply: ..." */
	"Auto-reply",
	"Autoreply",
	"Automatic reply",          /* Exchange / Office 365 */
	"Auto Response",
	"Autoresponse",
	"Out of Office",            /* Exchange 2003, Lotus Notes */
	"Out of the Office",
	"Vacation reply",
	"Abwesenheitsnotiz",        /* German Outlook */
	"Automatische Antwort",
	"R\xc3\xa9ponse automatique", /* French */
	"Risposta automatica",      /* Italian */
	"Respuesta autom\xc3\xa1tica", /* Spanish */
	"Automatisch antwoord",     /* Dutch */
	"Autosvar",                 /* Danish, Norwegian, Swedish */
	"Resposta autom\xc3\xa1tica", /* Portuguese */
	"\xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94", /* Japanese 自動応答 */
	"\xe8\x87\xaa\xe5\x8a\xa8\xe5\x9b\x9e\xe5\xa4\x8d", /* Chinese 自动回复 */
};

static bool has_autoreply_header(const struct rb_mail *mail)
{
	for (size_t i = 0; i < sizeof(autoreply_headers) / sizeof(autoreply_headers[0]); i++) {
		const char *v = rb_mail_header(mail, autoreply_headers[i].header);
		bool present = false;
		for (size_t h = 0; h < mail->header_count && !present; h++)
			present = rb_header_is(&mail->headers[h], autoreply_headers[i].header);
		if (present && rb_text_starts_with_ci(v, autoreply_headers[i].value_prefix))
			return true;
	}
	return false;
}

static bool has_autoreply_subject(const char *subject)
{
	for (size_t i = 0; i < sizeof(autoreply_subjects) / sizeof(autoreply_subjects[0]); i++)
		if (rb_text_starts_with_ci(subject, autoreply_subjects[i]))
			return true;
	return false;
}

/* The last <id> of a References header, or the whole In-Reply-To, without <>. */
static const char *replied_message_id(struct rb_arena *arena, const struct rb_mail *mail)
{
	const char *v = rb_mail_header(mail, "In-Reply-To");
	if (*v == '\0') {
		const char *refs = rb_mail_header(mail, "References");
		const char *last = strrchr(refs, '<');
		v = last ? last : refs;
	}
	return rb_text_strip_angle(arena, v);
}

/* Senders whose mail is a delivery report, never a person's auto-reply. */
static const char *const system_senders[] = {"mailer-daemon@", "postmaster@", "<>"};

static bool looks_like_delivery_report(const struct rb_mail *mail)
{
	if (*mail->delivery_status != '\0' || strcmp(mail->report_type, "delivery-status") == 0)
		return true;
	for (size_t i = 0; i < sizeof(system_senders) / sizeof(system_senders[0]); i++)
		if (rb_text_find_ci(mail->from, system_senders[i]) != NULL)
			return true;
	return rb_text_starts_with_ci(mail->from, "MAILER-DAEMON");
}

enum rb_status rb_autoreply_parse(const struct rb_mail *mail, struct rb_arena *arena,
				  struct rb_emitter *em, bool *handled_r)
{
	*handled_r = false;
	if (looks_like_delivery_report(mail) ||
	    (!has_autoreply_header(mail) && !has_autoreply_subject(mail->subject)))
		return RB_OK;
	*handled_r = true;
	const char *from = rb_text_find_address(arena, mail->from);
	const char *to = rb_text_header_address(arena, mail->to);
	struct rb_event *ev = rb_event_begin(em, RB_EVENT_AUTOREPLY);
	if (ev != NULL) {
		rb_event_set_str(ev, "recipient", from ? from : "");
		rb_event_set_str(ev, "sender", to ? to : "");
		rb_event_set_str(ev, "original_message_id", replied_message_id(arena, mail));
		rb_event_set_str(ev, "subject", mail->subject);
	}
	return rb_event_finish(em, ev);
}
