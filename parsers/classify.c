/*
 * classify.c - why a bounce happened, by tables.
 *
 * The vocabulary is Sisimai's (DESIGN.md). Three tables decide, in this order:
 *
 *  1. specific status codes (RFC 3463, RFC 7372 and the IANA registry: 5.1.1 is a
 *     mailbox that does not exist, whatever words follow); generic ones (x.0.0,
 *     5.7.1, 5.2.1, ...) are weak: they only give a default when the words say
 *     nothing;
 *  2. phrases of the diagnostic, lowercased, checked in table order: the order is
 *     the priority (a message "blocked for spam" is spamdetected, not blocked);
 *  3. the weak status default, then the SMTP reply code class;
 *  4. rules on the SMTP phase the error answered (a refusal at MAIL FROM is about
 *     the sender, one before any recipient is about the sending host, "user
 *     unknown" after DATA is a filter) and on final bounces of timed-out
 *     connections (expired).
 *
 * Hard = userunknown, hostunknown, hasmoved, and notaccept with a 5xx code or
 * class-5 status, or with no code at all in a final bounce (DESIGN.md). Delayed
 * recipients are never hard.
 *
 * Pure: reads the record and the mail, writes b->reason and b->hard.
 */
#include "parsers/classify.h"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>

#include "core/phrases.h"
#include "core/text.h"
#include "parsers/rhost.h"

/* ---- 1. status codes (subject.detail; the class is checked separately) ---- */

struct status_row {
	const char *code;  /* "1.1" = x.1.1; a whole code ("5.3.0") for one class only */
	const char *reason;
	bool strong;       /* true: the code alone decides */
};

static const struct status_row status_table[] = {
	{"1.1", "userunknown", true},      /* bad destination mailbox address */
	{"1.2", "hostunknown", true},      /* bad destination system address */
	{"1.3", "userunknown", false},     /* bad destination mailbox address syntax */
	{"1.4", "userunknown", false},     /* destination mailbox address ambiguous */
	{"1.5", "delivered", false},       /* destination address valid */
	{"1.6", "hasmoved", true},         /* mailbox has moved, no forwarding address */
	{"1.7", "rejected", true},         /* bad sender's mailbox address syntax */
	{"1.8", "rejected", true},         /* bad sender's system address */
	{"1.9", "rejected", false},        /* message relayed to non-compliant mailer */
	{"1.10", "notaccept", false},      /* RFC 7505 null MX; Microsoft also uses it for
					    * "RecipientNotFound", so the words decide */
	{"2.0", "mailboxfull", false},     /* other or undefined mailbox status */
	{"2.1", "suspend", false},         /* mailbox disabled, not accepting messages */
	{"2.2", "mailboxfull", true},      /* mailbox full */
	{"2.3", "exceedlimit", true},      /* message length exceeds administrative limit */
	{"2.4", "filtered", false},        /* mailing list expansion problem */
	{"5.3.0", "systemerror", false},   /* other mail system status, permanent (the
					    * temporary 4.3.0 says nothing of a cause) */
	{"3.1", "systemfull", true},       /* mail system full */
	{"3.2", "notaccept", false},       /* system not accepting network messages */
	{"3.3", "systemerror", false},     /* system not capable of selected features */
	{"3.4", "mesgtoobig", true},       /* message too big for system */
	{"3.5", "systemerror", true},      /* system incorrectly configured */
	{"4.0", "networkerror", false},    /* other or undefined network or routing status */
	{"4.1", "networkerror", false},    /* no answer from host */
	{"4.2", "networkerror", false},    /* bad connection */
	{"4.3", "systemerror", false},     /* directory server failure */
	{"4.4", "hostunknown", false},     /* unable to route */
	{"4.5", "systemfull", false},      /* mail system congestion */
	{"4.6", "networkerror", true},     /* routing loop detected */
	{"4.7", "expired", false},         /* delivery time expired: the cause may be named */
	{"5.0", "syntaxerror", false},     /* other or undefined protocol status */
	{"5.1", "syntaxerror", false},     /* invalid command */
	{"5.2", "syntaxerror", false},     /* syntax error */
	{"5.3", "exceedlimit", false},     /* too many recipients */
	{"5.4", "syntaxerror", false},     /* invalid command arguments */
	{"5.5", "syntaxerror", false},     /* wrong protocol version */
	{"5.6", "syntaxerror", false},     /* authentication exchange line too long */
	{"6.0", "contenterror", false},    /* other or undefined media error */
	{"6.1", "contenterror", false},    /* media not supported */
	{"6.2", "contenterror", false},    /* conversion required and prohibited */
	{"6.3", "contenterror", false},    /* conversion required but not supported */
	{"6.4", "contenterror", false},    /* conversion with loss performed */
	{"6.5", "contenterror", false},    /* conversion failed */
	{"6.6", "contenterror", false},    /* message content not available */
	{"6.7", "contenterror", false},    /* non-ASCII addresses not permitted */
	{"6.8", "contenterror", false},
	{"6.9", "contenterror", false},
	{"6.10", "contenterror", false},
	{"7.0", "securityerror", false},   /* other or undefined security status */
	{"7.1", "rejected", false},        /* delivery not authorized, message refused */
	{"7.2", "filtered", false},        /* mailing list expansion prohibited */
	{"7.3", "securityerror", false},   /* security conversion required */
	{"7.4", "securityerror", false},   /* security features not supported */
	{"7.5", "securityerror", false},   /* cryptographic failure */
	{"7.6", "securityerror", false},   /* cryptographic algorithm not supported */
	{"7.7", "securityerror", false},   /* message integrity failure */
	{"7.8", "securityerror", false},   /* authentication credentials invalid */
	{"7.9", "securityerror", false},   /* authentication mechanism is too weak */
	{"7.10", "securityerror", false},  /* encryption needed */
	{"7.11", "failedstarttls", false}, /* encryption required for requested mechanism */
	{"7.12", "securityerror", false},  /* a password transition is needed */
	{"7.13", "suspend", true},         /* user account disabled */
	{"7.14", "securityerror", false},  /* trust relationship required */
	{"7.15", "securityerror", false},  /* priority level is too low */
	{"7.16", "mesgtoobig", false},     /* message too big for specified priority */
	{"7.17", "hasmoved", false},       /* mailbox owner has changed */
	{"7.18", "hasmoved", false},       /* domain owner has changed */
	{"7.19", "securityerror", false},  /* RRVS test cannot be completed */
	{"7.20", "authfailure", true},     /* no passing DKIM signature found */
	{"7.21", "authfailure", true},     /* no acceptable DKIM signature found */
	{"7.22", "authfailure", true},     /* no valid author-matched DKIM signature */
	{"7.23", "authfailure", true},     /* SPF validation failed */
	{"7.24", "authfailure", true},     /* SPF validation error */
	{"7.25", "requireptr", true},      /* reverse DNS validation failed */
	{"7.26", "authfailure", true},     /* multiple authentication checks failed */
	{"7.27", "notaccept", true},       /* sender address has null MX */
	{"7.28", "spamdetected", false},   /* mail flood detected */
	{"7.29", "securityerror", false},  /* ARC validation failure */
	{"7.30", "failedstarttls", false}, /* REQUIRETLS support required */
	{"7.509", "authfailure", true},    /* Microsoft: fails DMARC */
	{"7.606", "blocked", true},        /* Microsoft: banned sending IP */
	{"7.650", "badreputation", false}, /* Microsoft: IP reputation */
};

static const struct status_row *status_lookup(const char *status)
{
	if (status == NULL || strlen(status) < 5)
		return NULL;
	const char *rest = status + 2; /* after "5." */
	for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++) {
		const char *code = status_table[i].code;
		/* First bytes first: most rows are dismissed without a comparison. */
		if ((code[0] == rest[0] && strcmp(code, rest) == 0) ||
		    (code[0] == status[0] && strcmp(code, status) == 0)) /* one class only */
			return &status_table[i];
	}
	return NULL;
}

/* ---- 2. phrases ---- */

struct phrase_row {
	const char *reason;
	const char *phrase; /* lowercase substring */
};

/* The phrase must be a string literal: pasting "" before it makes anything else fail
 * to compile. */
#define ROW(reason, phrase) {reason, "" phrase}

/*
 * Phrases seen in real bounces (Sisimai's set-of-emails and MTA sources), grouped by
 * reason; the order of the groups is the priority when several match.
 */
static const struct phrase_row phrase_table[] = {
	ROW("hostunknown", "the account or domain may not exist"), /* Exim's own guess */
	ROW("rejected", "an address that has been blacklisted"),  /* the sender's address */
	ROW("blocked", "refused to talk to me"), /* Postfix: the server refused our session */
	ROW("spamdetected", "blacklisted url in message"),         /* a URI blocklist hit */
	ROW("rejected", "customfromdenied"),
	ROW("rejected", "not a member of this mailing list"), /* fml: posts from members only */
	ROW("systemerror", "duplicated message-id"),          /* fml's loop alert */
	/* Specific words after a generic "Recipient address rejected:". */
	ROW("contenterror", "media error"),
	ROW("mailererror", "mailer error"),
	ROW("onhold", "on hold"),
	ROW("securityerror", "delivery not authorized"),
	ROW("notaccept", "system not accept"),
	ROW("systemerror", "internal system"),
	ROW("policyviolation", "policy violation"),
	ROW("suspend", "recipient account is blocked"),
	ROW("speeding", "receiving mail at a rate"),
	ROW("speeding", "sent to too many recipients"),
	ROW("toomanyconn", "too many connections"),
	ROW("blocked", "my name was rejected"),          /* qmail: our HELO was refused */
	ROW("rejected", "from: domain is invalid"),
	ROW("userunknown", "not listed in domino directory"),
	ROW("userunknown", "not listed in public name & address book"),  /* Lotus Notes */
	ROW("userunknown", "address not found"),                          /* Gmail */
	ROW("userunknown", "address couldn't be found"),
	ROW("userunknown", "please check if address is correct"),         /* InterScan */

	/* A delivery that did not happen for the sender's own account or domain. */
	ROW("suppressed", "address is on the suppression list"),
	ROW("suppressed", "recipient is on the suppression list"),

	/* Malware. */
	ROW("virusdetected", "virus detected"),
	ROW("virusdetected", "virus found"),
	ROW("virusdetected", "message contains a virus"),
	ROW("virusdetected", "infected with"),
	ROW("virusdetected", "contains malware"),
	ROW("virusdetected", "virus or spam"),

	/* Authentication of the sender (SPF, DKIM, DMARC). */
	ROW("authfailure", "bad spf records"),
	ROW("authfailure", "dmarc policy"),
	ROW("authfailure", "dmarc verification"),
	ROW("authfailure", "does not pass dmarc"),
	ROW("authfailure", "dmarc check failed"),
	ROW("authfailure", "rejected per dmarc"),
	ROW("authfailure", "spf record with a hard fail"),
	ROW("authfailure", "spf check failed"),
	ROW("authfailure", "spf validation failed"),
	ROW("authfailure", "spf fail"),
	ROW("authfailure", "spf: "),
	ROW("authfailure", "sender policy framework"),
	ROW("authfailure", "is not allowed to send mail from"),
	ROW("authfailure", "not designated as permitted sender"),
	ROW("authfailure", "does not designate"),
	ROW("authfailure", "dkim signature"),
	ROW("authfailure", "dkim verification"),
	ROW("authfailure", "fails to pass authentication"),
	ROW("authfailure", "does not have authentication information"),
	ROW("authfailure", "unauthenticated email"),
	ROW("authfailure", "authentication checks failed"),

	/* The sender must authenticate first. */
	ROW("securityerror", "authentication required"),
	ROW("securityerror", "authrequired"),
	ROW("securityerror", "unauthenticated senders not allowed"),
	ROW("securityerror", "turn on smtp authentication"),

	/* The sending host has no or a wrong reverse DNS. */
	ROW("requireptr", "reverse dns"),
	ROW("requireptr", "reverse lookup"),
	ROW("requireptr", "ptr record"),
	ROW("requireptr", "no ptr"),
	ROW("requireptr", "ip name lookup failed"),
	ROW("requireptr", "cannot find your hostname"),
	ROW("requireptr", "cannot resolve your address"),
	ROW("requireptr", "client host rejected: cannot find your"),
	ROW("requireptr", "without a valid sender domain"),
	ROW("requireptr", "not resolve"),
	ROW("requireptr", "does not resolve"),
	ROW("requireptr", "unresolvable"),
	ROW("requireptr", "hostname does not"),
	ROW("requireptr", "no reverse"),
	ROW("requireptr", "mismatches client ip"),
	ROW("requireptr", "invalid rdns"),
	ROW("requireptr", "rdns record"),
	ROW("requireptr", "unverifyable sending ip"),
	ROW("requireptr", "dns ptr"),

	/* Reputation said in words that also mention spam or volume. */
	ROW("badreputation", "very low reputation"),
	ROW("badreputation", "unexpected volume or user complaints"),

	/* Spam judged by content. */
	ROW("spamdetected", "mail rejete"),            /* Orange/Wanadoo: OFR_506 is spam */
	ROW("spamdetected", "scored as spam"),
	ROW("spamdetected", "spam classification"),
	ROW("spamdetected", "blacklisted url"),
	ROW("spamdetected", "- spam"),
	ROW("spamdetected", "message content rejected"),
	ROW("spamdetected", "spam detected"),
	ROW("spamdetected", "detected as spam"),
	ROW("spamdetected", "identified as spam"),
	ROW("spamdetected", "considered spam"),
	ROW("spamdetected", "classified as spam"),
	ROW("spamdetected", "message is spam"),
	ROW("spamdetected", "looks like spam"),
	ROW("spamdetected", "spam content"),
	ROW("spamdetected", "spam message"),
	ROW("spamdetected", "spam score"),
	ROW("spamdetected", "spamassassin"),
	ROW("spamdetected", "ube, id="),
	ROW("spamdetected", "content rejected, ube"),
	ROW("spamdetected", "unsolicited"),
	ROW("spamdetected", "bulk mail"),
	ROW("spamdetected", "rejected as spam"),
	ROW("spamdetected", "suspicious content"),
	ROW("spamdetected", "our system has detected"),
	ROW("spamdetected", "probable spam"),
	ROW("spamdetected", "junk mail"),

	/* The sending IP or domain is listed or known bad. */
	ROW("badreputation", "ip reputation"),
	ROW("badreputation", "poor reputation"),
	ROW("badreputation", "bad reputation"),
	ROW("badreputation", "low reputation"),
	ROW("badreputation", "sender reputation"),
	ROW("badreputation", "reputation of"),
	ROW("badreputation", "has been temporarily rate limited due to ip reputation"),

	ROW("blocked", "invalid ip for sending"),
	ROW("blocked", "use the smtp server of your isp"),
	ROW("blocked", "relay quota"),
	ROW("blocked", "may not be mail exchanger"),
	ROW("blocked", "ip source bloquee"),
	ROW("blocked", "client host blocked"),
	ROW("blocked", "blacklisted"),
	ROW("blocked", "blocklisted"),
	ROW("blocked", "blocked using"),
	ROW("blocked", "is listed in"),
	ROW("blocked", "are listed in"),
	ROW("blocked", "listed in the"),
	ROW("blocked", "listed on"),
	ROW("blocked", "dnsbl"),
	ROW("blocked", "rbl"),
	ROW("blocked", "spamhaus"),
	ROW("blocked", "spamcop"),
	ROW("blocked", "sorbs"),
	ROW("blocked", "barracudacentral"),
	ROW("blocked", "banned sending ip"),
	ROW("blocked", "client host rejected"),
	ROW("blocked", "connection refused"),
	ROW("blocked", "connection rejected"),
	ROW("blocked", "not accepting connections"),
	ROW("blocked", "access denied. ip"),
	ROW("rejected", "but sender was rejected"), /* qmail: the envelope sender refused */
	ROW("securityerror", ">... access denied"), /* sendmail access db on the envelope */
	ROW("blocked", "your ip"),
	ROW("blocked", "your host"),
	ROW("blocked", "host is blocked"),
	ROW("blocked", "ip address blocked"),
	ROW("blocked", "ip blocked"),
	ROW("blocked", "is blocked"),
	ROW("blocked", "has been blocked"),
	ROW("blocked", "blocked by"),
	ROW("blocked", "service refuse"),
	ROW("blocked", "service unavailable; client"),
	ROW("blocked", "(bl)"),
	ROW("blocked", "messages from "),
	ROW("blocked", "dynamic ip"),
	ROW("blocked", "dial-up"),
	ROW("blocked", "residential"),
	ROW("blocked", "not allowed to connect"),
	ROW("blocked", "rejected due to"),

	/* Relaying. */
	ROW("norelaying", "not configured to relay"),
	ROW("norelaying", "email address is not verified"),
	ROW("norelaying", "relay access denied"),
	ROW("norelaying", "relaying denied"),
	ROW("norelaying", "relay not permitted"),
	ROW("norelaying", "relaying not allowed"),
	ROW("norelaying", "not permitted to relay"),
	ROW("norelaying", "unable to relay"),
	ROW("norelaying", "we do not relay"),
	ROW("norelaying", "relay denied"),
	ROW("norelaying", "not allowed to relay"),
	ROW("norelaying", "no relaying"),
	ROW("norelaying", "relaying mail to"),
	ROW("norelaying", "mail relay"),

	/* The recipient's mailbox is full. */
	ROW("mailboxfull", "mailbox exceeds allowed size"),
	ROW("mailboxfull", "exceeded the local limit"),
	ROW("mailboxfull", "mailfolder is full"),
	ROW("mailboxfull", "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x83\x9c\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9\xe3\x81\x8c\xe4\xb8\x80\xe6\x9d\xaf"), /* au: mailbox is full */
	ROW("mailboxfull", "mailbox full"),
	ROW("mailboxfull", "mailbox is full"),
	ROW("mailboxfull", "mailbox size limit"),
	ROW("mailboxfull", "mailbox has exceeded"),
	ROW("mailboxfull", "over quota"),
	ROW("mailboxfull", "overquota"),
	ROW("mailboxfull", "quota exceeded"),
	ROW("mailboxfull", "exceeded storage"),
	ROW("mailboxfull", "exceeds quota"),
	ROW("mailboxfull", "exceed quota"),
	ROW("mailboxfull", "user has exhausted allowed storage"),
	ROW("mailboxfull", "not enough storage"),
	ROW("mailboxfull", "out of storage"),
	ROW("mailboxfull", "account is full"),
	ROW("mailboxfull", "inbox is full"),
	ROW("mailboxfull", "storage quota"),
	ROW("mailboxfull", "disk quota"),
	ROW("mailboxfull", "too much mail"),
	ROW("mailboxfull", "mail quota"),

	/* Size. */
	ROW("mesgtoobig", "message too large"),
	ROW("mesgtoobig", "message too big"),
	ROW("mesgtoobig", "message size exceeds"),
	ROW("mesgtoobig", "message is too large"),
	ROW("mesgtoobig", "size exceeds"),
	ROW("mesgtoobig", "too large for"),
	ROW("mesgtoobig", "exceeds the maximum size"),
	ROW("mesgtoobig", "size limit"),
	ROW("exceedlimit", "exceeds fixed maximum message size"),
	ROW("exceedlimit", "message length exceeds administrative limit"),
	ROW("mesgtoobig", "line limit exceeded"),

	/* The mailbox exists but is disabled or inactive. */
	ROW("suspend", "mailbox is frozen"),
	ROW("suspend", "account is locked"),
	ROW("suspend", "temporary locked"),
	ROW("suspend", "recipient account is blocked"),
	ROW("suspend", "account disabled"),
	ROW("suspend", "account is disabled"),
	ROW("suspend", "account has been disabled"),
	ROW("suspend", "is disabled"),
	ROW("suspend", "disabled recipient"),
	ROW("suspend", "inactive"),
	ROW("suspend", "account is suspended"),
	ROW("suspend", "suspended"),
	ROW("suspend", "temporarily locked"),
	ROW("suspend", "is not active"),
	ROW("suspend", "not active"),
	ROW("suspend", "account expired"),
	ROW("suspend", "compte du destinataire est bloque"),
	ROW("suspend", "blocked mailbox"),
	ROW("suspend", "mailbox disabled"),

	/* The mailbox is gone. */
	ROW("speeding", "receiving mail at a rate"),
	ROW("speeding", "sent to too many recipients"),
	ROW("toomanyconn", "frequency limited"),
	ROW("toomanyconn", "too many recipients"),

	/* DNS trouble that is not a missing domain. */
	ROW("notaccept", "doesn't receive email"),
	ROW("notaccept", "does not receive email"),
	ROW("networkerror", "dns error"),
	ROW("networkerror", "malformed or unexpected name server reply"),
	ROW("networkerror", "host not found, try again"), /* DNS answered SERVFAIL */
	ROW("notaccept", "no mx found for domain"),
	ROW("notaccept", "no mx record"),
	ROW("notaccept", "couldn't find a mail exchanger"),
	ROW("notaccept", "indicated no smtp service"),
	ROW("hostunknown", "domain is not reachable"),
	ROW("hostunknown", "dns lookup failure"),
	ROW("hostunknown", "unrouteable address"),
	ROW("hostunknown", "domain does not exist"),
	ROW("hostunknown", "host not found"),
	ROW("hostunknown", "name service error"),

	/* Delivery given up after retries. */
	ROW("expired", "will be retried for"),
	ROW("expired", "did not accept our requests to connect"),
	ROW("expired", "have been failing for a long time"),
	ROW("expired", "failed 20 attempts"),
	ROW("expired", "envelope expired"),
	ROW("expired", "could not find a gateway"),

	ROW("hasmoved", "no longer on server"),
	ROW("hasmoved", "has moved"),
	ROW("hasmoved", "no longer available"),

	/* The recipient does not exist. */
	ROW("userunknown", "not listed in domino directory"),
	ROW("userunknown", "not listed in public name & address book"),  /* Lotus Notes */
	ROW("userunknown", "address not found"),                          /* Gmail */
	ROW("userunknown", "address couldn't be found"),
	ROW("userunknown", "please check if address is correct"),         /* InterScan */
	ROW("userunknown", "invalid final delivery userid"),
	ROW("userunknown", "recipientnotfound"),
	ROW("userunknown", "recipient not found"),
	ROW("userunknown", "mailbox unavailable"),
	ROW("userunknown", "user unknown"),
	ROW("userunknown", "unknown user"),
	ROW("userunknown", "unknown recipient"),
	ROW("userunknown", "unknown address"),
	ROW("userunknown", "unknown local part"),
	ROW("userunknown", "unknown mailbox"),
	ROW("userunknown", "no such user"),
	ROW("userunknown", "user not exist"),
	ROW("userunknown", "no such mailbox"),
	ROW("userunknown", "no such recipient"),
	ROW("userunknown", "no such address"),
	ROW("userunknown", "no such person"),
	ROW("userunknown", "no mailbox"),
	ROW("userunknown", "mailbox does not exist"),
	ROW("userunknown", "mailbox not found"),
	ROW("userunknown", "mailbox is unavailable"),
	ROW("userunknown", "user does not exist"),
	ROW("userunknown", "user not found"),
	ROW("userunknown", "user doesn't exist"),
	ROW("userunknown", "doesn't have a"),
	ROW("userunknown", "invalid recipient"),
	ROW("userunknown", "invalid mailbox"),
	ROW("userunknown", "invalid address"),
	ROW("userunknown", "recipient not found"),
	ROW("userunknown", "recipient unknown"),
	ROW("userunknown", "not our customer"),
	ROW("userunknown", "not our user"),
	ROW("userunknown", "no account"),
	ROW("userunknown", "is not a valid"),
	ROW("userunknown", "bad destination mailbox"),
	ROW("userunknown", "not a known user"),
	ROW("userunknown", "destination address rejected"),
	ROW("userunknown", "destinataire invalide"),
	ROW("userunknown", "unrouteable address"),
	ROW("userunknown", "unknown or illegal alias"),
	ROW("userunknown", "no valid recipients"),
	ROW("userunknown", "account does not exist"),
	ROW("userunknown", "address does not exist"),
	ROW("userunknown", "email account that you tried to reach does not exist"),

	/* The recipient's domain. */
	ROW("hostunknown", "host unknown"),
	ROW("hostunknown", "unknown host"),
	ROW("hostunknown", "host not found"),
	ROW("hostunknown", "host or domain name not found"),
	ROW("hostunknown", "name service error"),
	ROW("hostunknown", "domain not found"),
	ROW("hostunknown", "no such domain"),
	ROW("hostunknown", "invalid domain"),
	ROW("hostunknown", "unknown domain"),
	ROW("hostunknown", "domain does not exist"),
	ROW("hostunknown", "unrouteable mail domain"),
	ROW("hostunknown", "all relevant mx records point to non-existent hosts"),
	ROW("hostunknown", "no mx"),
	ROW("hostunknown", "nxdomain"),
	ROW("notaccept", "host does not accept mail"),
	ROW("notaccept", "does not accept mail"),
	ROW("notaccept", "null mx"),
	ROW("notaccept", "not accepting mail"),

	/* Content. */
	ROW("contenterror", "improper use of 8-bit data"),
	ROW("contenterror", "message content rejected"),
	ROW("contenterror", "content rejected"),
	ROW("contenterror", "invalid header"),
	ROW("notcompliantrfc", "multiple addresses in from"),
	ROW("notcompliantrfc", "messages with multiple"),
	ROW("notcompliantrfc", "rfc 5322"),
	ROW("notcompliantrfc", "rfc5322"),
	ROW("notcompliantrfc", "rfc 2822"),
	ROW("notcompliantrfc", "not rfc"),
	ROW("notcompliantrfc", "is not compliant"),
	ROW("notcompliantrfc", "duplicate header"),

	/* Sender-side rules of the receiving domain. */
	ROW("policyviolation", "local policy"),
	ROW("policyviolation", "header error"),
	ROW("policyviolation", "protocol violation"),
	ROW("policyviolation", "denied by policy"),
	ROW("policyviolation", "host network not allowed"),
	ROW("policyviolation", "content presents a potential"),
	ROW("policyviolation", "violates our policy"),
	ROW("policyviolation", "prohibited"),
	ROW("policyviolation", "policy reasons"),
	ROW("filtered", "message filtered"),
	ROW("filtered", "refused due to recipient preferences"),
	ROW("filtered", "content filter"),
	ROW("rejected", "sender rejected"),
	ROW("rejected", "sender address rejected"),
	ROW("rejected", "domain of sender"),
	ROW("rejected", "sender domain"),
	ROW("rejected", "sender verify failed"),
	ROW("rejected", "unauthenticated senders not allowed"),
	ROW("rejected", "sender denied"),
	ROW("rejected", "not allowed to send"),
	ROW("rejected", "envelope sender"),

	/* Rates and connections. */
	ROW("toomanyconn", "connection rate limit"),
	ROW("toomanyconn", "too many concurrent"),
	ROW("toomanyconn", "too many simultaneous"),
	ROW("speeding", "rate limit"),
	ROW("speeding", "too many messages"),
	ROW("speeding", "sending too fast"),

	/* Transport. */
	ROW("failedstarttls", "starttls"),
	ROW("failedstarttls", "does not support tls"),
	ROW("failedstarttls", "tls required"),
	ROW("failedstarttls", "must issue a starttls"),
	ROW("expired", "delivery time expired"),
	ROW("expired", "retry time exceeded"),
	ROW("expired", "retry timeout exceeded"),
	ROW("expired", "message expired"),
	ROW("expired", "was not delivered within"),
	ROW("networkerror", "wasn't able to establish an smtp connection"),
	ROW("networkerror", "host name lookup failure"),
	ROW("networkerror", "network error"),
	ROW("networkerror", "connection timed out"),
	ROW("networkerror", "timed out"),
	ROW("networkerror", "lost connection"),
	ROW("networkerror", "connection reset"),
	ROW("networkerror", "connect to"),
	ROW("networkerror", "no route to host"),
	ROW("networkerror", "network is unreachable"),
	ROW("networkerror", "too many hops"),
	ROW("networkerror", "mail loop"),
	ROW("networkerror", "loops back"),
	ROW("networkerror", "routing loop"),
	ROW("systemfull", "insufficient disk space"),
	ROW("systemfull", "mail system full"),
	ROW("systemfull", "insufficient system storage"),
	ROW("systemerror", "service currently unavailable"),
	ROW("systemerror", "transaction failed"),
	ROW("systemerror", "queue file write error"),
	ROW("systemerror", "unable to contact ldap"),
	ROW("systemerror", "system config error"),
	ROW("systemerror", "system error"),
	ROW("systemerror", "internal error"),
	ROW("systemerror", "server error"),
	ROW("systemerror", "local error"),
	ROW("systemerror", "could not load"),
	ROW("mailererror", "x-unix"),
	ROW("mailererror", "command died"),
	ROW("mailererror", "pipe to"),
	ROW("mailererror", "procmail"),
	ROW("mailererror", "mailer error"),
	ROW("syntaxerror", "malformed address"),
	ROW("syntaxerror", "syntax error"),
	ROW("syntaxerror", "command unrecognized"),
	ROW("syntaxerror", "command parameter not implemented"),
	ROW("syntaxerror", "bad sequence of commands"),
	ROW("onhold", "on hold"),
};

/* Words so general that any specific phrase above wins over them. */
static const struct phrase_row weak_phrase_table[] = {
	/* EZweb's whole account of its recipient filter refusing the sender. */
	ROW("filtered", "recipients was rejected by a remote mail server"),
	/* The queue's own words on giving up: the cause, when named, is above. */
	ROW("expired", "has been delayed"),
	ROW("expired", "could not be delivered for"),
	ROW("expired", "giving up"),
	ROW("expired", "queue too long"),
	ROW("userunknown", "recipient address rejected"),
	ROW("userunknown", "address rejected"),
	ROW("userunknown", "recipient rejected"),
	ROW("userunknown", "does not exist"),
	ROW("mailboxfull", "quota"),
	ROW("filtered", "filtered"),
	ROW("rejected", "mail from"),
	ROW("rejected", "rejected"),
};

/* Lowercase s (ASCII letters) into buf (size cap); returns the length written. */
static size_t lower_copy(char *buf, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s != NULL && s[i] != '\0' && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (char)((unsigned)(c - 'A') < 26u ? c | 0x20 : c);
	}
	buf[i] = '\0';
	return i;
}

#define CLASSIFY_TEXT_MAX 4096
#define PHRASE_ROWS (sizeof(phrase_table) / sizeof(phrase_table[0]))
#define WEAK_PHRASE_ROWS (sizeof(weak_phrase_table) / sizeof(weak_phrase_table[0]))

/* Both tables as one phrase set, the weak rows after the others: the first phrase
 * found in table order is then the answer. Built once, read by every thread. */
static struct rb_phrases all_phrases;
static once_flag all_phrases_once = ONCE_FLAG_INIT;

static void all_phrases_build(void)
{
	static const char *list[PHRASE_ROWS + WEAK_PHRASE_ROWS];
	for (size_t i = 0; i < PHRASE_ROWS; i++)
		list[i] = phrase_table[i].phrase;
	for (size_t i = 0; i < WEAK_PHRASE_ROWS; i++)
		list[PHRASE_ROWS + i] = weak_phrase_table[i].phrase;
	bool built = rb_phrases_build(&all_phrases, list, PHRASE_ROWS + WEAK_PHRASE_ROWS);
	assert(built); /* the tables above fit RB_PHRASES_MAX and have no empty phrase */
	(void)built;
}

/* The reason lowercased words point to; at most CLASSIFY_TEXT_MAX - 1 bytes judged. */
static const char *classify_lowered(const char *lower, size_t len)
{
	if (len == 0)
		return NULL;
	if (len > CLASSIFY_TEXT_MAX - 1)
		len = CLASSIFY_TEXT_MAX - 1;
	call_once(&all_phrases_once, all_phrases_build);
	int row = rb_phrases_first(&all_phrases, lower, len);
	if (row < 0)
		return NULL;
	return (size_t)row < PHRASE_ROWS ? phrase_table[row].reason
					 : weak_phrase_table[(size_t)row - PHRASE_ROWS].reason;
}

const char *rb_classify_text(const char *diagnostic)
{
	if (diagnostic == NULL || *diagnostic == '\0')
		return NULL;
	char text[CLASSIFY_TEXT_MAX];
	size_t len = lower_copy(text, sizeof(text), diagnostic);
	return classify_lowered(text, len);
}

bool rb_classify_is_hard(const char *reason, const char *status, int reply_code)
{
	if (reason == NULL)
		return false;
	if (strcmp(reason, "userunknown") == 0 || strcmp(reason, "hostunknown") == 0 ||
	    strcmp(reason, "hasmoved") == 0)
		return true;
	/* notaccept is hard with a 5xx code, and when a final bounce gave no code at
	 * all; a 4xx says the refusal may pass. */
	if (strcmp(reason, "notaccept") == 0)
		return reply_code / 100 != 4 && (status == NULL || status[0] != '4');
	return false;
}

/* A reason from the reply code alone, when nothing else spoke. */
static const char *reason_from_reply_code(int code)
{
	switch (code) {
	case 421:
		return "blocked";
	case 452:
		return "systemfull";
	case 550:
	case 553:
		return "rejected";
	case 551:
		return "userunknown";
	case 552:
		return "mailboxfull";
	case 554:
		return "rejected";
	default:
		return NULL;
	}
}

/*
 * qmail writes its own guess of a code as "(#5.1.1)" after the remote words ("552
 * sorry, mailbox is over quota temporarily (#5.1.1)"): the words are the witness.
 */
static bool qmail_style_code(const char *words, const char *status)
{
	if (status == NULL || *status == '\0')
		return false;
	size_t n = strlen(status);
	if (n > 16)
		return false; /* no code is this long */
	char pattern[24];
	pattern[0] = '(';
	pattern[1] = '#';
	memcpy(pattern + 2, status, n);
	memcpy(pattern + 2 + n, ")", 2);
	return strstr(words, pattern) != NULL;
}

/* Is "does not exist" said of a host name ("neko.example.com does not exist")? */
static bool names_missing_host(const char *words)
{
	const char *hit = rb_text_find_ci(words, " does not exist");
	if (hit == NULL)
		return false;
	const char *start = hit;
	while (start > words && start[-1] != ' ')
		start--;
	bool dot = false;
	for (const char *p = start; p < hit; p++) {
		if (*p == '.')
			dot = true;
		else if (!isalnum((unsigned char)*p) && *p != '-')
			return false; /* an address, <bracketed>, quoted: not a bare host */
	}
	return dot && hit - start > 3;
}

/* x.1.0 "other address status" and x.1.10 (Microsoft's RecipientNotFound): the
 * server still speaks of the address. */
static bool status_is_about_address(const char *status)
{
	return status != NULL && strlen(status) >= 5 &&
	       (strcmp(status + 1, ".1.0") == 0 || strcmp(status + 1, ".1.10") == 0);
}

/* Words that say the address itself does not exist, whatever the phase or code. */
static const char *const definite_userunknown[] = {
	"dd this user doesn't have a", /* Yahoo's SMTP answer for a missing account */
	"mail.local: unknown user",  /* Sendmail's local delivery: no such mailbox */
	"address not found",         /* Gmail: "** Address not found **" */
	"address couldn't be found",
	"not listed in",             /* Lotus Notes and Domino directories */
};

static bool says_address_is_unknown(const char *diagnostic)
{
	for (size_t i = 0; i < sizeof(definite_userunknown) / sizeof(definite_userunknown[0]); i++)
		if (rb_text_find_ci(diagnostic, definite_userunknown[i]) != NULL)
			return true;
	return false;
}

/* The reason a bounce's words point to (its diagnostic, or the tail of it from
 * words on): judged in the diagnostic's lowered copy when the caller shares one. */
static const char *words_reason(const struct rb_bounce *b, struct rb_arena *arena,
				struct rb_lowered *diagnostic, const char *words)
{
	if (diagnostic == NULL || diagnostic->text != b->diagnostic)
		return rb_classify_text(words);
	const struct rb_lowered *d = rb_lowered_get(diagnostic, arena);
	size_t offset = (size_t)(words - b->diagnostic);
	return offset <= d->len ? classify_lowered(d->lower + offset, d->len - offset) : NULL;
}

void rb_classify_bounce(struct rb_bounce *b, const struct rb_mail *mail, struct rb_arena *arena,
			struct rb_lowered *diagnostic)
{
	(void)mail;
	const char *reason = b->reason && *b->reason ? b->reason : NULL;
	if (reason == NULL)
		reason = rb_rhost_reason(b); /* the provider's own codes come first */
	if (reason == NULL) {
		if (b->status == NULL)
			b->status = "";
		const struct status_row *row = status_lookup(b->status);
		/* Gmail wraps the remote server's words in its own sentence: judge those. */
		const char *inner = rb_text_find_ci(b->diagnostic, "the other server returned was:");
		const char *words = inner ? inner + strlen("the other server returned was:")
					  : b->diagnostic;
		/* The remote server's own code, when it differs from the DSN's, is the
		 * better witness ("Status: 5.1.1" over "550 5.7.1 IP blacklisted"). */
		char said[16];
		bool differs = false;
		for (const char *p = words; !differs && rb_text_find_status(p, said);) {
			differs = strcmp(said, b->status) != 0;
			p = strstr(p, said) + strlen(said);
		}
		if (differs && said[0] == (*b->status ? b->status[0] : said[0])) {
			const struct status_row *own = status_lookup(said);
			if (own != NULL)
				row = own;
		}
		/* The words are judged (hundreds of phrases) only where the code does not
		 * decide alone: most bounces carry a strong code. */
		bool strong = row != NULL && row->strong;
		bool judged = !strong || qmail_style_code(words, b->status);
		const char *by_text = judged ? words_reason(b, arena, diagnostic, words) : NULL;
		if (strong && by_text == NULL)
			reason = row->reason;
		else if (by_text != NULL)
			reason = by_text;
		else if (row != NULL)
			reason = row->reason;
		else if (b->reply_code / 100 == 4 && *b->status == '\0' &&
			 strcmp(b->action ? b->action : "", "failed") == 0)
			reason = "expired"; /* a temporary answer in a final bounce: retries ran out */
		else
			reason = reason_from_reply_code(b->reply_code);
		/* "553 mx.example.com does not exist": a host name, not a mailbox. */
		if (reason != NULL && strcmp(reason, "userunknown") == 0 &&
		    (row == NULL || !row->strong) && names_missing_host(words))
			reason = "hostunknown";
		const char *cmd = b->smtp_command ? b->smtp_command : "";
		/* "User unknown" that is not about the address: in answer to DATA, with
		 * neither a code nor a phase, or under a code about the message (see
		 * userunknown_code_says_filtered) outside RCPT. The address was accepted;
		 * a filter behind it refused the message. Words that say the address does
		 * not exist, and strong codes, keep userunknown. */
		if (reason != NULL && strcmp(reason, "userunknown") == 0 &&
		    (row == NULL || !row->strong) &&
		    !says_address_is_unknown(b->diagnostic) && strcmp(cmd, "RCPT") != 0 &&
		    !status_is_about_address(b->status))
			reason = "filtered";
		/* An answer to MAIL FROM is about the sender, not the recipient. */
		if (reason != NULL && strcmp(cmd, "MAIL") == 0 &&
		    (strcmp(reason, "userunknown") == 0 || strcmp(reason, "hostunknown") == 0 ||
		     strcmp(reason, "filtered") == 0))
			reason = "rejected";
		/* Refused before any recipient was named: the sending host is blocked. */
		if (reason != NULL && (strcmp(cmd, "CONN") == 0 || strcmp(cmd, "HELO") == 0 ||
				       strcmp(cmd, "EHLO") == 0) &&
		    (strcmp(reason, "rejected") == 0 || strcmp(reason, "userunknown") == 0))
			reason = "blocked";
		/* A connection problem that ended in a final bounce: retries ran out. */
		if (reason != NULL && strcmp(reason, "networkerror") == 0 &&
		    (b->status[0] == '4' || b->status[0] == '\0') &&
		    strcmp(b->action ? b->action : "", "failed") == 0 &&
		    rb_text_find_ci(b->diagnostic, "timed out") != NULL)
			reason = "expired";
		/* "Action: expired" (SendGrid): the MTA says it gave up on time. */
		if (strcmp(b->action ? b->action : "", "expired") == 0)
			reason = "expired";
		/* Still trying, and only a generic code to go on: a delay, not a cause. */
		if (!judged && b->action != NULL && strcmp(b->action, "delayed") == 0)
			by_text = words_reason(b, arena, diagnostic, words);
		if (b->action != NULL && strcmp(b->action, "delayed") == 0 &&
		    (reason == NULL || (reason != by_text && (strcmp(reason, "networkerror") == 0 ||
							     strcmp(reason, "syntaxerror") == 0))))
			reason = "expired";
		/* "Diagnostic-Code: X-Unix; ..." is a local delivery program's failure
		 * (procmail, a pipe): the mailer, unless it said the mailbox or the
		 * system was the trouble. */
		if (rb_text_equal_ci(b->diagnostic_type ? b->diagnostic_type : "", "x-unix") &&
		    (reason == NULL || (strcmp(reason, "mailboxfull") != 0 &&
					strcmp(reason, "systemerror") != 0)))
			reason = "mailererror";
		/* Undecided: "onhold" when the server said something we cannot read
		 * (a person may), "undefined" when there were no words at all. */
		if (reason == NULL)
			reason = b->diagnostic && *b->diagnostic && !b->diagnostic_is_notice
					 ? "onhold"
					 : "undefined";
	}
	b->reason = reason;
	b->hard = strcmp(b->action ? b->action : "", "delayed") != 0 &&
		  rb_classify_is_hard(reason, b->status, b->reply_code);
}
