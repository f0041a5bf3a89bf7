/*
 * test_sisimai.c - accuracy against the labels of Sisimai's set-of-emails.
 *
 * For every expected record (tests/corpus/sisimai/expected.tsv) the event at the
 * same position among the message's bounce/delivery/complaint/auto-reply events is
 * compared on recipient, reason, hard and status (real RFC 3463 codes only: Sisimai
 * writes 5.0.9xx when the message had none). Labels we believe wrong are listed in
 * `disputed` with the reason, and left out of the ratios.
 *
 * Asserted:
 *   - the foundation issue's thresholds: reason >= 0.97, hard >= 0.99, recipient
 *     >= 0.99 (Sisimai v5.1 itself scores reason 0.969 and hard 0.986 here);
 *   - status >= FLOOR_STATUS (no threshold was asked; the reached accuracy, rounded
 *     down, so a drop is a regression);
 *   - no bounce event from not/;
 *   - the same results with CRLF and with CR-only line endings as with LF.
 */
#include <ctype.h>
#include <dirent.h>
#include <strings.h>

#include "check.h"
#include "ingest/files.h"
#include "collect.h"

#define ROOT "tests/corpus/sisimai/"

/* The foundation issue's thresholds. */
#define TARGET_RECIPIENT 0.99
#define TARGET_REASON 0.97
#define TARGET_HARD 0.99
/* Status codes: the reached accuracy, rounded down. */
#define FLOOR_STATUS 0.94

struct disputed {
	const char *file;
	int index;
	const char *field;
	const char *why;
};

static const struct disputed disputed[] = {
	{"bsd/lhost-v5sendmail-01.eml", 1, "recipient",
	 "label is cut (\"kijitora@exampl\"); the returned message is To: kijitora@example.com"},
	{"bsd/arf-11.eml", 1, "recipient",
	 "the report names no recipient; the label is Sisimai's placeholder address, "
	 "rebound reports \"\" rather than an invented address"},
	{"bsd/arf-12.eml", 1, "recipient", "as arf-11: placeholder address in the label"},
	{"bsd/arf-15.eml", 1, "recipient", "as arf-11: placeholder address in the label"},
	{"bsd/rfc3834-01.eml", 1, "recipient",
	 "label is empty; the auto-reply's From is the recipient who replied"},
	{"bsd/rfc3834-02.eml", 1, "recipient", "as rfc3834-01"},
	{"bsd/rfc3834-03.eml", 1, "recipient", "as rfc3834-01"},
	{"bsd/rfc3834-04.eml", 1, "recipient", "as rfc3834-01"},
	{"bsd/rfc3834-05.eml", 1, "recipient", "as rfc3834-01"},
	{"bsd/lhost-apachejames-01.eml", 1, "recipient",
	 "label is cut (eleven zeros); the notice's RCPT TO line has twelve"},
	{"bsd/lhost-qmail-25.eml", 1, "recipient",
	 "label is empty; the notice names the address (\"RCPT: <mailboxfull@...>\")"},
	{"bsd/lhost-powermta-01.eml", 1, "reason",
	 "\"550 5.2.1 <a>... User Unknown\" outside RCPT is labelled suspend here but "
	 "filtered in lhost-messagingserver-06 and lhost-amazonworkmail-02 (same code, "
	 "same words); rebound says filtered for all three"},
	{"bsd/lhost-powermta-03.eml", 1, "reason", "as lhost-powermta-01"},
	{"bsd/lhost-opensmtpd-12.eml", 1, "hard",
	 "a delay report (\"kept in the queue for up to 7 days\", Status 4.0.0) is never "
	 "hard: the MTA is still trying (DESIGN.md's suppression policy)"},
	{"bsd/rfc3464-01.eml", 1, "reason",
	 "the DSN gives this recipient \"550 5.1.1 ... User Unknown\"; the label follows "
	 "the prose's \"Not enough disk space\", which names another address (<nekochan>)"},
	{"bsd/rfc3464-01.eml", 1, "hard", "as its reason: userunknown is hard"},
	{"bsd/lhost-x2-06.eml", 1, "reason",
	 "\"wasn't able to establish an SMTP connection (#4.4.1) ... in the queue too "
	 "long\" is labelled expired here but networkerror in lhost-qmail-07 (same words)"},
};

static bool is_disputed(const char *file, int index, const char *field)
{
	for (size_t i = 0; i < sizeof(disputed) / sizeof(disputed[0]); i++)
		if (strcmp(disputed[i].file, file) == 0 && disputed[i].index == index &&
		    strcmp(disputed[i].field, field) == 0)
			return true;
	return false;
}

struct outcome {
	char recipient[256], reason[32], status[16];
	bool hard;
};

/* The events that answer expected records, as outcomes. Returns how many. */
static size_t outcomes_of(const struct collected *c, struct outcome *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < c->count && n < max; i++) {
		json_object *e = c->events[i];
		const char *type = ev_str(e, "type");
		struct outcome *o = &out[n];
		memset(o, 0, sizeof(*o));
		const char *rcpt = ev_str(e, "recipient");
		if (strcmp(type, "bounce") == 0) {
			snprintf(o->reason, sizeof(o->reason), "%s", ev_str(e, "reason"));
			json_object *hard = NULL;
			o->hard = json_object_object_get_ex(e, "hard", &hard) &&
				  json_object_get_boolean(hard);
			snprintf(o->status, sizeof(o->status), "%s", ev_str(e, "status"));
		} else if (strcmp(type, "delivery") == 0) {
			snprintf(o->reason, sizeof(o->reason), "delivered");
		} else if (strcmp(type, "complaint") == 0) {
			snprintf(o->reason, sizeof(o->reason), "feedback");
		} else if (strcmp(type, "dmarc_failure") == 0) {
			snprintf(o->reason, sizeof(o->reason), "feedback");
			rcpt = ev_str(e, "original_rcpt_to");
		} else if (strcmp(type, "autoreply") == 0) {
			snprintf(o->reason, sizeof(o->reason), "vacation");
		} else {
			continue;
		}
		snprintf(o->recipient, sizeof(o->recipient), "%s", rcpt);
		for (char *p = o->recipient; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		n++;
	}
	return n;
}

/* The message with every line ending (LF, CRLF or CR as found) made `nl`. */
static void with_newline(const unsigned char *in, size_t len, const char *nl, unsigned char *out,
			 size_t *out_len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue; /* CRLF: the LF that follows writes the ending */
		if (in[i] == '\n' || in[i] == '\r') {
			for (const char *p = nl; *p; p++)
				out[o++] = (unsigned char)*p;
		} else {
			out[o++] = in[i];
		}
	}
	*out_len = o;
}

/* The messages of one corpus file: itself, or the messages of an mbox. */
struct message_bytes {
	unsigned char *data;
	size_t len;
};

struct message_list {
	struct message_bytes items[16];
	size_t count;
};

static enum rb_status keep_message(void *ctx, const unsigned char *data, size_t len,
				   size_t full_len, const struct rb_source *source)
{
	(void)full_len;
	(void)source;
	struct message_list *list = ctx;
	if (list->count == sizeof(list->items) / sizeof(list->items[0]))
		return RB_ERR_LIMIT;
	unsigned char *copy = malloc(len ? len : 1);
	if (copy == NULL)
		return RB_ERR_NOMEM;
	memcpy(copy, data, len);
	list->items[list->count++] = (struct message_bytes){copy, len};
	return RB_OK;
}

static bool split_messages(const char *path, struct message_list *list)
{
	size_t len = 0;
	unsigned char *data = read_whole_file(path, &len);
	if (data == NULL)
		return false;
	bool ok = true;
	if (len >= 5 && memcmp(data, "From ", 5) == 0) {
		FILE *in = fmemopen(data, len, "r");
		struct rb_ingest_handler h = {.on_message = keep_message,
					      .ctx = list,
					      .max_message_bytes = 64u << 20};
		struct rb_error err = {0};
		ok = in != NULL && rb_ingest_mbox(in, path, "mbox", &h, &err) == RB_OK;
		if (in != NULL)
			fclose(in);
		free(data);
	} else {
		list->items[list->count++] = (struct message_bytes){data, len};
	}
	return ok && list->count > 0;
}

static void message_list_free(struct message_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].data);
	list->count = 0;
}

struct tally {
	unsigned ok, n;
};

static double ratio(struct tally t)
{
	return t.n ? (double)t.ok / t.n : 0.0;
}

static bool real_status(const char *s)
{
	/* 5.0.9xx / 4.0.9xx: Sisimai's marks for "no code in the message". */
	return *s && !(strlen(s) >= 7 && strncmp(s + 1, ".0.9", 4) == 0);
}

int main(void)
{
	FILE *f = fopen(ROOT "expected.tsv", "r");
	CHECK(f != NULL);
	if (f == NULL)
		return check_done();
	struct tally rcpt = {0}, reason = {0}, hard = {0}, status = {0};
	unsigned endings_same = 0, endings_differ = 0, mismatches_shown = 0;
	char line[1024], current[256] = "";
	struct outcome outcomes[3][64];
	size_t counts[3] = {0};
	int index = 0;
	struct collected *c = calloc(1, sizeof(*c));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "file\t", 5) == 0)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		char *fields[8] = {0};
		char *p = line;
		for (int i = 0; i < 8; i++) {
			fields[i] = p;
			char *tab = p ? strchr(p, '\t') : NULL;
			if (tab != NULL) {
				*tab = '\0';
				p = tab + 1;
			} else {
				p = NULL;
			}
		}
		if (fields[7] == NULL)
			continue;
		if (strcmp(fields[0], current) != 0) {
			/* A new message: parse it with LF, CRLF and CR line endings. */
			snprintf(current, sizeof(current), "%.200s", fields[0]);
			index = 0;
			char path[512];
			snprintf(path, sizeof(path), ROOT "%s", current);
			/* Files that begin with "From " are mboxes, split as `rebound parse`
			 * splits them; each message is then parsed in the three endings. */
			struct message_list messages = {0};
			CHECK(split_messages(path, &messages));
			static const char *const nl[3] = {"\n", "\r\n", "\r"};
			for (int v = 0; v < 3; v++) {
				collected_free(c);
				for (size_t m = 0; m < messages.count; m++) {
					const struct message_bytes *mb = &messages.items[m];
					unsigned char *alt = malloc(mb->len * 2 + 1);
					size_t alt_len = 0;
					with_newline(mb->data, mb->len, nl[v], alt, &alt_len);
					collect_bytes(c, alt, alt_len, path);
					free(alt);
				}
				counts[v] = outcomes_of(c, outcomes[v], 64);
			}
			for (int v = 1; v < 3; v++) {
				bool same = counts[v] == counts[0] &&
					    memcmp(outcomes[v], outcomes[0], counts[0] * sizeof(struct outcome)) == 0;
				if (same) {
					endings_same++;
				} else {
					endings_differ++;
					fprintf(stderr, "%s: %s line endings give other results\n", current,
						v == 1 ? "CRLF" : "CR");
				}
			}
			message_list_free(&messages);
		}
		index++;
		struct outcome *got = index <= (int)counts[0] ? &outcomes[0][index - 1] : NULL;
		const char *want_rcpt = fields[2], *want_status = fields[3], *want_reason = fields[5];
		bool want_hard = strcmp(fields[6], "1") == 0;
		bool ok_r = got && strcasecmp(got->recipient, want_rcpt) == 0;
		bool ok_reason = got && strcmp(got->reason, want_reason) == 0;
		bool ok_hard = got && got->hard == want_hard;
		if (!is_disputed(current, index, "recipient")) {
			rcpt.n++;
			rcpt.ok += ok_r;
		}
		if (!is_disputed(current, index, "reason")) {
			reason.n++;
			reason.ok += ok_reason;
		}
		if (!is_disputed(current, index, "hard")) {
			hard.n++;
			hard.ok += ok_hard;
		}
		bool is_bounce = strcmp(want_reason, "feedback") && strcmp(want_reason, "vacation") &&
				 strcmp(want_reason, "delivered");
		if (is_bounce && real_status(want_status)) {
			status.n++;
			status.ok += got && strcmp(got->status, want_status) == 0;
		}
		if ((!ok_reason || !ok_hard) && mismatches_shown++ < 400)
			printf("mismatch %s#%d: reason %s (want %s), hard %d (want %d)\n", current,
			       index, got ? got->reason : "-", want_reason, got ? got->hard : 0,
			       want_hard);
	}
	fclose(f);

	/* Mail that is no bounce must give no bounce. */
	DIR *d = opendir(ROOT "not");
	CHECK(d != NULL);
	struct dirent *de;
	unsigned not_files = 0;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), ROOT "not/%s", de->d_name);
		collected_free(c);
		CHECK(collect_file(c, path) == RB_OK);
		CHECK(count_of(c, "bounce") == 0);
		not_files++;
	}
	if (d != NULL)
		closedir(d);
	CHECK(not_files == 2);
	collected_free(c);
	free(c);

	printf("\n%-10s %8s %8s %8s %8s\n", "field", "right", "of", "ratio", "target");
	printf("%-10s %8u %8u %8.3f %8.2f\n", "recipient", rcpt.ok, rcpt.n, ratio(rcpt),
	       TARGET_RECIPIENT);
	printf("%-10s %8u %8u %8.3f %8.2f\n", "reason", reason.ok, reason.n, ratio(reason),
	       TARGET_REASON);
	printf("%-10s %8u %8u %8.3f %8.2f\n", "hard", hard.ok, hard.n, ratio(hard), TARGET_HARD);
	printf("%-10s %8u %8u %8.3f %8s\n", "status", status.ok, status.n, ratio(status), "-");
	printf("line endings: %u variants identical, %u differ\n", endings_same, endings_differ);
	printf("disputed labels: %zu\n", sizeof(disputed) / sizeof(disputed[0]));

	size_t reason_disputes = 0, hard_disputes = 0;
	for (size_t i = 0; i < sizeof(disputed) / sizeof(disputed[0]); i++) {
		reason_disputes += strcmp(disputed[i].field, "reason") == 0;
		hard_disputes += strcmp(disputed[i].field, "hard") == 0;
	}
	CHECK(reason.n + reason_disputes == 624);
	CHECK(hard.n + hard_disputes == 624);
	CHECK(ratio(rcpt) >= TARGET_RECIPIENT);
	CHECK(ratio(reason) >= TARGET_REASON);
	CHECK(ratio(hard) >= TARGET_HARD);
	CHECK(ratio(status) >= FLOOR_STATUS);
	CHECK(endings_differ == 0);
	return check_done();
}
