/*
 * rhost.c - reasons by the receiving provider's own error codes.
 *
 * Large providers write their own codes into the SMTP answer ("OFR005_505" at
 * Orange, "IB607" at GoDaddy, "RCP-P2" at Facebook, "AUP#In-1310" at Spectrum)
 * and document what each means; the generic tables cannot know them. The
 * provider is found from the recipient's domain, then the remote MTA, then the
 * reporting MTA; its codes are looked up first, then its phrases. A provider
 * with nothing to say leaves the decision to the generic tables.
 *
 * Sources: each provider's postmaster pages (Orange/La Poste error codes,
 * GoDaddy "fix rejected email", Facebook response codes, Spectrum error codes,
 * Yahoo SMTP error codes, Broadcom's MessageLabs articles), as collected by
 * Sisimai's rhost modules.
 */
#include "parsers/rhost.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

enum provider {
	PROVIDER_NONE = 0,
	PROVIDER_AOL,
	PROVIDER_FACEBOOK,
	PROVIDER_FRANCEPTT,
	PROVIDER_GODADDY,
	PROVIDER_MESSAGELABS,
	PROVIDER_MICROSOFT,
	PROVIDER_MIMECAST,
	PROVIDER_NTTDOCOMO,
	PROVIDER_OUTLOOK,
	PROVIDER_SPECTRUM,
	PROVIDER_YAHOOINC,
};

struct provider_host {
	enum provider provider;
	const char *host;      /* the host, or ".suffix" for any host under it */
	size_t len;            /* strlen(host), worked out by the compiler */
	const char *last_two;  /* its last two labels ("aol.com"): a host is compared */
	size_t last_two_len;   /* on those first, and most have other ones */
};

/* The name in two pieces: what comes before its last two labels, and those. */
#define HOST(provider, head, last_two)                                                      \
	{provider, "" head last_two, sizeof(head last_two) - 1, "" last_two, sizeof(last_two) - 1}

static const struct provider_host provider_hosts[] = {
	HOST(PROVIDER_AOL, ".mail.", "aol.com"),
	HOST(PROVIDER_AOL, ".mx.", "aol.com"),
	HOST(PROVIDER_FACEBOOK, ".", "facebook.com"),
	HOST(PROVIDER_FRANCEPTT, ".", "laposte.net"),
	HOST(PROVIDER_FRANCEPTT, ".", "orange.fr"),
	HOST(PROVIDER_FRANCEPTT, ".", "wanadoo.fr"),
	HOST(PROVIDER_GODADDY, "smtp.", "secureserver.net"),
	HOST(PROVIDER_GODADDY, "mailstore1.", "secureserver.net"),
	HOST(PROVIDER_MESSAGELABS, ".", "messagelabs.com"),
	HOST(PROVIDER_MICROSOFT, ".prod.", "outlook.com"),
	HOST(PROVIDER_MICROSOFT, ".protection.", "outlook.com"),
	HOST(PROVIDER_MICROSOFT, ".", "onmicrosoft.com"),
	HOST(PROVIDER_MICROSOFT, ".", "exchangelabs.com"),
	HOST(PROVIDER_MIMECAST, ".", "mimecast.com"),
	HOST(PROVIDER_NTTDOCOMO, "mfsmax.docomo.", "ne.jp"),
	HOST(PROVIDER_OUTLOOK, ".", "hotmail.com"),
	HOST(PROVIDER_SPECTRUM, ".", "charter.net"),
	HOST(PROVIDER_YAHOOINC, ".", "yahoodns.net"),
};

/* ---- codes ---- */

struct provider_code {
	enum provider provider;
	const char *code; /* as extracted by code_of(), uppercase */
	const char *reason;
};

static const struct provider_code provider_codes[] = {
	/* Orange and La Poste: the three digits after OFR/LPN/OUK ("OFR005_505"). */
	{PROVIDER_FRANCEPTT, "101", "blocked"},          /* blocked using Spamhaus */
	{PROVIDER_FRANCEPTT, "102", "blocked"},          /* source IP blocked for spam */
	{PROVIDER_FRANCEPTT, "103", "blocked"},          /* service refused */
	{PROVIDER_FRANCEPTT, "104", "toomanyconn"},      /* too many connections */
	{PROVIDER_FRANCEPTT, "305", "securityerror"},    /* invalid authentication code */
	{PROVIDER_FRANCEPTT, "401", "authfailure"},      /* SPF: not allowed to send */
	{PROVIDER_FRANCEPTT, "402", "securityerror"},    /* authentication required */
	{PROVIDER_FRANCEPTT, "403", "rejected"},         /* invalid sender */
	{PROVIDER_FRANCEPTT, "405", "rejected"},         /* invalid sender */
	{PROVIDER_FRANCEPTT, "415", "rejected"},         /* invalid sender */
	{PROVIDER_FRANCEPTT, "416", "userunknown"},      /* invalid recipient */
	{PROVIDER_FRANCEPTT, "417", "mailboxfull"},      /* recipient over quota */
	{PROVIDER_FRANCEPTT, "420", "suspend"},          /* archived recipient */
	{PROVIDER_FRANCEPTT, "421", "rejected"},         /* MAIL FROM not owned by user */
	{PROVIDER_FRANCEPTT, "426", "suspend"},          /* recipient account blocked */
	{PROVIDER_FRANCEPTT, "505", "systemerror"},      /* refused at end of DATA */
	{PROVIDER_FRANCEPTT, "506", "spamdetected"},     /* mail rejected */
	{PROVIDER_FRANCEPTT, "510", "blocked"},          /* refused at end of DATA */
	{PROVIDER_FRANCEPTT, "514", "mesgtoobig"},       /* size limit reached */
	{PROVIDER_FRANCEPTT, "517", "authfailure"},      /* DMARC verification failed */
	{PROVIDER_FRANCEPTT, "630", "policyviolation"},  /* client host rejected */
	{PROVIDER_FRANCEPTT, "999", "blocked"},          /* service refused */
	/* GoDaddy: " IBnnn". */
	{PROVIDER_GODADDY, "IB007", "toomanyconn"},      /* too many sessions from this IP */
	{PROVIDER_GODADDY, "IB101", "speeding"},         /* queue over normal volume */
	{PROVIDER_GODADDY, "IB103", "badreputation"},    /* poor Cloudmark reputation */
	{PROVIDER_GODADDY, "IB104", "blocked"},          /* Spamhaus SBL */
	{PROVIDER_GODADDY, "IB105", "blocked"},          /* Spamhaus XBL */
	{PROVIDER_GODADDY, "IB106", "blocked"},          /* Spamhaus PBL */
	{PROVIDER_GODADDY, "IB108", "requireptr"},       /* reverse DNS failed */
	{PROVIDER_GODADDY, "IB110", "blocked"},          /* too much spam: blocked an hour */
	{PROVIDER_GODADDY, "IB111", "blocked"},          /* too much spam: blocked a day */
	{PROVIDER_GODADDY, "IB112", "blocked"},          /* too many invalid recipients */
	{PROVIDER_GODADDY, "IB113", "blocked"},
	{PROVIDER_GODADDY, "IB212", "spamdetected"},     /* content judged spam */
	{PROVIDER_GODADDY, "IB401", "securityerror"},    /* AUTH on an inbound server */
	{PROVIDER_GODADDY, "IB501", "notcompliantrfc"},  /* blank From: */
	{PROVIDER_GODADDY, "IB502", "notcompliantrfc"},  /* IP address as From: */
	{PROVIDER_GODADDY, "IB504", "speeding"},         /* too many messages this hour */
	{PROVIDER_GODADDY, "IB506", "rejected"},         /* From: domain invalid */
	{PROVIDER_GODADDY, "IB508", "authfailure"},      /* SPF does not authorize */
	{PROVIDER_GODADDY, "IB510", "speeding"},         /* too many messages per session */
	{PROVIDER_GODADDY, "IB605", "toomanyconn"},      /* too many recipients */
	{PROVIDER_GODADDY, "IB607", "speeding"},         /* too many recipients this hour */
	{PROVIDER_GODADDY, "IB705", "virusdetected"},    /* virus */
	/* Facebook: "XXX-YN" response codes. */
	{PROVIDER_FACEBOOK, "POL-P7", "authfailure"},    /* domain authentication */
	{PROVIDER_FACEBOOK, "POL-P1", "blocked"},        /* Spamhaus PBL */
	{PROVIDER_FACEBOOK, "POL-P2", "blocked"},
	{PROVIDER_FACEBOOK, "POL-P3", "blocked"},
	{PROVIDER_FACEBOOK, "POL-P4", "blocked"},
	{PROVIDER_FACEBOOK, "POL-T1", "blocked"},
	{PROVIDER_FACEBOOK, "POL-T2", "blocked"},
	{PROVIDER_FACEBOOK, "POL-T3", "blocked"},
	{PROVIDER_FACEBOOK, "MSG-P2", "contenterror"},   /* attachment type refused */
	{PROVIDER_FACEBOOK, "RCP-P2", "filtered"},       /* recipient's preferences */
	{PROVIDER_FACEBOOK, "RCP-P3", "filtered"},       /* recipient's privacy settings */
	{PROVIDER_FACEBOOK, "MSG-P1", "mesgtoobig"},
	{PROVIDER_FACEBOOK, "INT-P2", "mesgtoobig"},
	{PROVIDER_FACEBOOK, "MSG-P3", "notcompliantrfc"}, /* header field repeated */
	{PROVIDER_FACEBOOK, "DNS-P1", "rejected"},       /* MAIL FROM domain does not exist */
	{PROVIDER_FACEBOOK, "DNS-P2", "rejected"},
	{PROVIDER_FACEBOOK, "DNS-T1", "rejected"},
	{PROVIDER_FACEBOOK, "DNS-P3", "requireptr"},
	{PROVIDER_FACEBOOK, "DNS-T2", "requireptr"},
	{PROVIDER_FACEBOOK, "POL-P6", "spamdetected"},   /* blocked URL */
	{PROVIDER_FACEBOOK, "RCP-T4", "suspend"},        /* recipient deactivated */
	{PROVIDER_FACEBOOK, "RCP-T1", "systemerror"},
	{PROVIDER_FACEBOOK, "CON-T1", "toomanyconn"},
	{PROVIDER_FACEBOOK, "CON-T2", "toomanyconn"},
	{PROVIDER_FACEBOOK, "CON-T3", "toomanyconn"},
	{PROVIDER_FACEBOOK, "CON-T4", "toomanyconn"},
	{PROVIDER_FACEBOOK, "MSG-T1", "toomanyconn"},
	{PROVIDER_FACEBOOK, "RCP-P1", "userunknown"},
	{PROVIDER_FACEBOOK, "INT-P1", "userunknown"},
	{PROVIDER_FACEBOOK, "INT-P3", "userunknown"},
	{PROVIDER_FACEBOOK, "INT-P4", "userunknown"},
	{PROVIDER_FACEBOOK, "POL-P5", "virusdetected"},
};

/* Spectrum: "AUP#In-1310", four digits in documented ranges. */
struct code_range {
	int first, last;
	const char *reason;
};

static const struct code_range spectrum_ranges[] = {
	{1000, 1000, "blocked"},         /* IP blocked for suspicious activity */
	{1010, 1010, "rejected"},        /* account blocked from sending */
	{1020, 1080, "rejected"},        /* account limited */
	{1090, 1090, "systemerror"},     /* cannot be processed now */
	{1100, 1150, "requireptr"},      /* DNS / full-circle DNS */
	{1160, 1190, "policyviolation"}, /* against the domain's security policies */
	{1200, 1250, "blocked"},         /* Cloudmark, Spamhaus */
	{1260, 1260, "networkerror"},    /* IPv6 not processed */
	{1300, 1340, "toomanyconn"},     /* connection limits */
	{1350, 1490, "speeding"},        /* volume limits */
	{1500, 1520, "rejected"},        /* sending as another address */
	{1530, 1530, "mesgtoobig"},
	{1540, 1550, "speeding"},        /* too many per session / recipients */
	{1560, 1560, "policyviolation"}, /* too many invalid recipients */
	{1580, 1580, "speeding"},
};

/* ---- phrases (lowercase) ---- */

struct provider_phrase {
	enum provider provider;
	const char *phrase;
	const char *reason;
};

static const struct provider_phrase provider_phrases[] = {
	{PROVIDER_AOL, "host or domain name not found", "hostunknown"},
	{PROVIDER_AOL, "type=mx: malformed or unexpected name server reply", "notaccept"},
	{PROVIDER_FRANCEPTT, "spf/dns de votre nom de domaine", "authfailure"},
	{PROVIDER_GODADDY, "rbl reject", "blocked"},
	{PROVIDER_GODADDY, "www.spamhaus.org/query/bl?ip=", "blocked"},
	{PROVIDER_GODADDY, "has been in the queue too long", "expired"},
	{PROVIDER_GODADDY, "delivery timeout", "expired"},
	{PROVIDER_GODADDY, "account storage limit", "mailboxfull"},
	{PROVIDER_GODADDY, "message rejected for spam or virus content", "spamdetected"},
	{PROVIDER_GODADDY, "account disabled", "suspend"},
	{PROVIDER_GODADDY, "message is looping", "systemerror"},
	{PROVIDER_GODADDY, "recipient not found", "userunknown"},
	{PROVIDER_GODADDY, "account does not exist", "userunknown"},
	{PROVIDER_MESSAGELABS, "domain authentication fail", "authfailure"},
	{PROVIDER_MESSAGELABS, "connection rejected by policy", "badreputation"},
	{PROVIDER_MESSAGELABS, "mail rejected because your ip is in the pbl", "blocked"},
	{PROVIDER_MESSAGELABS, "your ip address has been ", "blocked"},
	{PROVIDER_MESSAGELABS, "stray linefeeds in message", "contenterror"},
	{PROVIDER_MESSAGELABS, "tls/sslv3 connection required", "failedstarttls"},
	{PROVIDER_MESSAGELABS, " as a relay, ", "norelaying"},
	{PROVIDER_MESSAGELABS, "has detected that this message is not rfc 5322", "notcompliantrfc"},
	{PROVIDER_MESSAGELABS, "sender envelope domain not allowed for sender ip", "rejected"},
	{PROVIDER_MESSAGELABS, "your domain has been blocked", "rejected"},
	{PROVIDER_MESSAGELABS, "your email address has been blocked", "rejected"},
	{PROVIDER_MESSAGELABS, "your envelope sender is in my badmailfrom list", "rejected"},
	{PROVIDER_MESSAGELABS, "has been blacklisted", "rejected"},
	{PROVIDER_MESSAGELABS, "please turn on smtp authentication", "securityerror"},
	{PROVIDER_MESSAGELABS, "message filtered", "spamdetected"},
	{PROVIDER_MESSAGELABS, "filtered by outbound scanning", "spamdetected"},
	{PROVIDER_MESSAGELABS, "too many recipients received this hour", "toomanyconn"},
	{PROVIDER_MESSAGELABS, "too many messages", "toomanyconn"},
	{PROVIDER_MESSAGELABS, "no such user", "userunknown"},
	{PROVIDER_MESSAGELABS, "invalid recipient", "userunknown"},
	{PROVIDER_MESSAGELABS, "mailbox is not allowed", "userunknown"},
	/* Exchange Online answers 5.4.1 "Access denied" for a recipient it does not
	 * have (directory-based edge blocking). */
	{PROVIDER_MICROSOFT, "recipient address rejected: access denied", "userunknown"},
	{PROVIDER_MICROSOFT, "resolver.adr.recipientnotfound", "userunknown"},
	{PROVIDER_OUTLOOK, "requested action not taken: mailbox unavailable", "userunknown"},
	{PROVIDER_OUTLOOK, "because the domain is not reachable", "hostunknown"},
	/* Mimecast's signature rule names: MCSpamSignature is its virus/phish engine. */
	{PROVIDER_MIMECAST, "mcspamsignature", "virusdetected"},
	{PROVIDER_NTTDOCOMO, "552 too much mail data", "mailboxfull"},
	{PROVIDER_NTTDOCOMO, "503 bad sequence of commands", "syntaxerror"},
	{PROVIDER_NTTDOCOMO, "504 command parameter not implemented", "syntaxerror"},
	{PROVIDER_NTTDOCOMO, "552 too many recipients", "toomanyconn"},
	{PROVIDER_YAHOOINC, "yahoo requires all senders to authenticate", "authfailure"},
	{PROVIDER_YAHOOINC, " because the ip is in spamhaus's list;", "blocked"},
	{PROVIDER_YAHOOINC, "not accepted from ip addresses on spamhaus xbl", "blocked"},
	{PROVIDER_YAHOOINC, "relaying denied for ", "norelaying"},
	{PROVIDER_YAHOOINC, "headers are not rfc compliant", "notcompliantrfc"},
	{PROVIDER_YAHOOINC, "not accepted for policy reasons", "policyviolation"},
	/* [TSS04]: Yahoo says "volume or complaints" for any sender it distrusts. */
	{PROVIDER_YAHOOINC, "temporarily deferred due to unexpected volume or user complaints",
	 "rejected"},
	{PROVIDER_YAHOOINC, "due to unresolvable rfc.5321", "rejected"},
	{PROVIDER_YAHOOINC, " will be permanently deferred", "rejected"},
	{PROVIDER_YAHOOINC, "user is receiving mail too quickly", "speeding"},
	{PROVIDER_YAHOOINC, " is no longer valid.", "suspend"},
	{PROVIDER_YAHOOINC, "this mailbox is disabled", "suspend"},
	{PROVIDER_YAHOOINC, "syntax error in parameters or arguments", "syntaxerror"},
	{PROVIDER_YAHOOINC, "max message per connection reached", "toomanyconn"},
	{PROVIDER_YAHOOINC, "dd this user doesn't have a ", "userunknown"},
	{PROVIDER_YAHOOINC, "mailbox not found", "userunknown"},
};

/* Are the n bytes at a those at b, ASCII case folded? */
static bool equal_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		x = (unsigned char)(x + (((unsigned)x - 'A' < 26u) << 5));
		y = (unsigned char)(y + (((unsigned)y - 'A' < 26u) << 5));
		if (x != y)
			return false;
	}
	return true;
}

/* Does host (h bytes) end with pattern (".suffix" at a label boundary, or the whole
 * host)? */
static bool host_matches(const char *host, size_t h, const char *pattern, size_t p)
{
	if (h == 0 || p == 0)
		return false;
	if (pattern[0] == '.') {
		/* "orange.fr" itself, or any host under it */
		if (h == p - 1)
			return equal_ci(host, pattern + 1, p - 1);
		return h > p && equal_ci(host + h - p, pattern, p);
	}
	return h == p && equal_ci(host, pattern, p);
}

/* Host names are letters, digits, dots and hyphens. */
static bool is_host_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-';
}

/* The host name in a Remote-MTA/Reporting-MTA value ("dns; mx.example [192.0.2.1]"):
 * where it starts in mta, its length in *len_r (0 when there is none). At most
 * HOST_MAX bytes of it, without trailing dots. */
#define HOST_MAX 254
static const char *host_of(const char *mta, size_t *len_r)
{
	*len_r = 0;
	if (mta == NULL)
		return NULL;
	const char *semi = strchr(mta, ';');
	const char *p = semi ? semi + 1 : mta;
	while (*p == ' ' || *p == '\t' || *p == '[')
		p++;
	size_t n = 0;
	while (n < HOST_MAX && is_host_byte((unsigned char)p[n]))
		n++;
	while (n > 0 && p[n - 1] == '.')
		n--;
	*len_r = n;
	return p;
}

/* Every bounce asks this of up to three hosts: each is compared on its last two
 * labels first, which rules out all but one or two of the table's rows by length
 * alone (matching every row in full was most of what a classification took). */
static enum provider provider_of_host(const char *host, size_t h)
{
	if (host == NULL || h == 0)
		return PROVIDER_NONE;
	size_t k = h, dots = 0;
	while (k > 0 && !(host[k - 1] == '.' && ++dots == 2))
		k--;
	const char *last_two = host + k;
	size_t last_two_len = h - k;
	for (size_t i = 0; i < sizeof(provider_hosts) / sizeof(provider_hosts[0]); i++) {
		const struct provider_host *row = &provider_hosts[i];
		if (row->last_two_len == last_two_len &&
		    equal_ci(last_two, row->last_two, last_two_len) &&
		    host_matches(host, h, row->host, row->len))
			return row->provider;
	}
	return PROVIDER_NONE;
}

static enum provider provider_of(const struct rb_bounce *b)
{
	const char *at = b->recipient ? strrchr(b->recipient, '@') : NULL;
	enum provider p = at ? provider_of_host(at + 1, strlen(at + 1)) : PROVIDER_NONE;
	size_t n;
	if (p == PROVIDER_NONE) {
		const char *host = host_of(b->remote_mta, &n);
		p = provider_of_host(host, n);
	}
	if (p == PROVIDER_NONE) {
		const char *host = host_of(b->reporting_mta, &n);
		p = provider_of_host(host, n);
	}
	return p;
}

/* Orange/La Poste: the last OFR/LPN/OUK label's token, its last three digits. */
static bool franceptt_code(const char *text, char code[4])
{
	static const char *const labels[] = {"lpn", "ofr", "ouk"};
	const char *found = NULL;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]) && found == NULL; i++)
		for (const char *p = rb_text_find_ci(text, labels[i]); p != NULL;
		     p = rb_text_find_ci(p + 3, labels[i]))
			found = p;
	if (found == NULL)
		return false;
	const char *end = found;
	while (isalnum((unsigned char)*end) || *end == '_' || *end == '-')
		end++;
	if (end - found < 6 || !isdigit((unsigned char)end[-1]) ||
	    !isdigit((unsigned char)end[-2]) || !isdigit((unsigned char)end[-3]))
		return false;
	memcpy(code, end - 3, 3);
	code[3] = '\0';
	return true;
}

/* GoDaddy: " IB" and three digits. */
static bool godaddy_code(const char *text, char code[6])
{
	for (const char *p = strstr(text, " IB"); p != NULL; p = strstr(p + 1, " IB"))
		if (isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4]) &&
		    isdigit((unsigned char)p[5]) && !isalnum((unsigned char)p[6])) {
			memcpy(code, p + 1, 5);
			code[5] = '\0';
			return true;
		}
	return false;
}

/* Facebook: three uppercase letters, '-', P or T, a digit ("RCP-P2"). */
static bool facebook_code(const char *text, char code[7])
{
	for (const char *p = strchr(text, '-'); p != NULL; p = strchr(p + 1, '-')) {
		if (p - text < 3 || !isupper((unsigned char)p[-1]) || !isupper((unsigned char)p[-2]) ||
		    !isupper((unsigned char)p[-3]) || (p[1] != 'P' && p[1] != 'T') ||
		    !isdigit((unsigned char)p[2]))
			continue;
		memcpy(code, p - 3, 6);
		code[6] = '\0';
		return true;
	}
	return false;
}

static const char *spectrum_reason(const char *text)
{
	const char *p = strstr(text, "AUP#");
	if (p == NULL)
		return NULL;
	for (p += 4; *p && !isdigit((unsigned char)*p) && p[0] != ' '; p++)
		;
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]))
		return NULL;
	int code = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	for (size_t i = 0; i < sizeof(spectrum_ranges) / sizeof(spectrum_ranges[0]); i++)
		if (code >= spectrum_ranges[i].first && code <= spectrum_ranges[i].last)
			return spectrum_ranges[i].reason;
	return NULL;
}

/*
 * NTT docomo answers "550 Unknown user" both for an address that does not exist
 * (at RCPT) and for a recipient whose filter refuses the sender (after DATA).
 */
static const char *nttdocomo_reason(const struct rb_bounce *b)
{
	const char *status = b->status ? b->status : "";
	const char *cmd = b->smtp_command ? b->smtp_command : "";
	if (strcmp(status, "5.1.1") == 0)
		return "userunknown";
	if (strcmp(status, "5.2.0") == 0)
		return "filtered";
	if (rb_text_find_ci(b->diagnostic, "550 unknown user") != NULL) {
		if (strcmp(cmd, "RCPT") == 0)
			return "userunknown";
		if (strcmp(cmd, "DATA") == 0 || strcmp(status, "5.0.0") == 0)
			return "rejected";
	}
	return NULL;
}

static const char *code_reason(enum provider p, const char *code)
{
	for (size_t i = 0; i < sizeof(provider_codes) / sizeof(provider_codes[0]); i++)
		if (provider_codes[i].provider == p && strcmp(provider_codes[i].code, code) == 0)
			return provider_codes[i].reason;
	return NULL;
}

const char *rb_rhost_reason(const struct rb_bounce *b)
{
	const char *text = b->diagnostic;
	if (text == NULL || *text == '\0')
		return NULL;
	enum provider p = provider_of(b);
	if (p == PROVIDER_NONE)
		return NULL;
	const char *reason = NULL;
	char code[8];
	if (p == PROVIDER_FRANCEPTT && franceptt_code(text, code))
		reason = code_reason(p, code);
	else if (p == PROVIDER_GODADDY && godaddy_code(text, code))
		reason = code_reason(p, code);
	else if (p == PROVIDER_FACEBOOK && facebook_code(text, code))
		reason = code_reason(p, code);
	else if (p == PROVIDER_SPECTRUM)
		reason = spectrum_reason(text);
	else if (p == PROVIDER_NTTDOCOMO)
		reason = nttdocomo_reason(b);
	if (reason != NULL)
		return reason;
	for (size_t i = 0; i < sizeof(provider_phrases) / sizeof(provider_phrases[0]); i++)
		if (provider_phrases[i].provider == p &&
		    rb_text_find_ci(text, provider_phrases[i].phrase) != NULL)
			return provider_phrases[i].reason;
	return NULL;
}
