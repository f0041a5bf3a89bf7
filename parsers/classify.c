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

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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
	for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (strcmp(status_table[i].code, rest) == 0 ||
		    strcmp(status_table[i].code, status) == 0) /* a row for one class only */
			return &status_table[i];
	return NULL;
}

/* ---- 2. phrases ---- */

struct phrase_row {
	const char *reason;
	const char *phrase; /* lowercase substring */
};

/*
 * Phrases seen in real bounces (Sisimai's set-of-emails and MTA sources), grouped by
 * reason; the order of the groups is the priority when several match.
 */
static const struct phrase_row phrase_table[] = {
	{"hostunknown", "the account or domain may not exist"}, /* Exim's own guess */
	{"rejected", "an address that has been blacklisted"},  /* the sender's address */
	{"blocked", "refused to talk to me"}, /* Postfix: the server refused our session */
	{"spamdetected", "blacklisted url in message"},         /* a URI blocklist hit */
	{"rejected", "customfromdenied"},
	{"rejected", "not a member of this mailing list"}, /* fml: posts from members only */
	{"systemerror", "duplicated message-id"},          /* fml's loop alert */ /* Gmail: 'Send mail as' address not allowed */
	/* Specific words after a generic "Recipient address rejected:". */
	{"contenterror", "media error"},
	{"mailererror", "mailer error"},
	{"onhold", "on hold"},
	{"securityerror", "delivery not authorized"},
	{"notaccept", "system not accept"},
	{"systemerror", "internal system"},
	{"policyviolation", "policy violation"},
	{"suspend", "recipient account is blocked"},
	{"speeding", "receiving mail at a rate"},
	{"speeding", "sent to too many recipients"},
	{"toomanyconn", "too many connections"},
	{"blocked", "my name was rejected"},          /* qmail: our HELO was refused */
	{"rejected", "from: domain is invalid"},
	{"userunknown", "not listed in domino directory"},
	{"userunknown", "not listed in public name & address book"},  /* Lotus Notes */
	{"userunknown", "address not found"},                          /* Gmail */
	{"userunknown", "address couldn't be found"},
	{"userunknown", "please check if address is correct"},         /* InterScan */

	/* A delivery that did not happen for the sender's own account or domain. */
	{"suppressed", "address is on the suppression list"},
	{"suppressed", "recipient is on the suppression list"},

	/* Malware. */
	{"virusdetected", "virus detected"},
	{"virusdetected", "virus found"},
	{"virusdetected", "message contains a virus"},
	{"virusdetected", "infected with"},
	{"virusdetected", "contains malware"},
	{"virusdetected", "virus or spam"},

	/* Authentication of the sender (SPF, DKIM, DMARC). */
	{"authfailure", "bad spf records"},
	{"authfailure", "dmarc policy"},
	{"authfailure", "dmarc verification"},
	{"authfailure", "does not pass dmarc"},
	{"authfailure", "dmarc check failed"},
	{"authfailure", "rejected per dmarc"},
	{"authfailure", "spf record with a hard fail"},
	{"authfailure", "spf check failed"},
	{"authfailure", "spf validation failed"},
	{"authfailure", "spf fail"},
	{"authfailure", "spf: "},
	{"authfailure", "sender policy framework"},
	{"authfailure", "is not allowed to send mail from"},
	{"authfailure", "not designated as permitted sender"},
	{"authfailure", "does not designate"},
	{"authfailure", "dkim signature"},
	{"authfailure", "dkim verification"},
	{"authfailure", "fails to pass authentication"},
	{"authfailure", "does not have authentication information"},
	{"authfailure", "unauthenticated email"},
	{"authfailure", "authentication checks failed"},

	/* The sender must authenticate first. */
	{"securityerror", "authentication required"},
	{"securityerror", "authrequired"},
	{"securityerror", "unauthenticated senders not allowed"},
	{"securityerror", "turn on smtp authentication"},

	/* The sending host has no or a wrong reverse DNS. */
	{"requireptr", "reverse dns"},
	{"requireptr", "reverse lookup"},
	{"requireptr", "ptr record"},
	{"requireptr", "no ptr"},
	{"requireptr", "ip name lookup failed"},
	{"requireptr", "cannot find your hostname"},
	{"requireptr", "cannot resolve your address"},
	{"requireptr", "client host rejected: cannot find your"},
	{"requireptr", "without a valid sender domain"},
	{"requireptr", "not resolve"},
	{"requireptr", "does not resolve"},
	{"requireptr", "unresolvable"},
	{"requireptr", "hostname does not"},
	{"requireptr", "no reverse"},
	{"requireptr", "mismatches client ip"},
	{"requireptr", "invalid rdns"},
	{"requireptr", "rdns record"},
	{"requireptr", "unverifyable sending ip"},
	{"requireptr", "dns ptr"},

	/* Reputation said in words that also mention spam or volume. */
	{"badreputation", "very low reputation"},
	{"badreputation", "unexpected volume or user complaints"},

	/* Spam judged by content. */
	{"spamdetected", "mail rejete"},            /* Orange/Wanadoo: OFR_506 is spam */
	{"spamdetected", "scored as spam"},
	{"spamdetected", "spam classification"},
	{"spamdetected", "blacklisted url"},
	{"spamdetected", "- spam"},
	{"spamdetected", "message content rejected"},
	{"spamdetected", "spam detected"},
	{"spamdetected", "detected as spam"},
	{"spamdetected", "identified as spam"},
	{"spamdetected", "considered spam"},
	{"spamdetected", "classified as spam"},
	{"spamdetected", "message is spam"},
	{"spamdetected", "looks like spam"},
	{"spamdetected", "spam content"},
	{"spamdetected", "spam message"},
	{"spamdetected", "spam score"},
	{"spamdetected", "spamassassin"},
	{"spamdetected", "ube, id="},
	{"spamdetected", "content rejected, ube"},
	{"spamdetected", "unsolicited"},
	{"spamdetected", "bulk mail"},
	{"spamdetected", "rejected as spam"},
	{"spamdetected", "suspicious content"},
	{"spamdetected", "our system has detected"},
	{"spamdetected", "probable spam"},
	{"spamdetected", "junk mail"},

	/* The sending IP or domain is listed or known bad. */
	{"badreputation", "ip reputation"},
	{"badreputation", "poor reputation"},
	{"badreputation", "bad reputation"},
	{"badreputation", "low reputation"},
	{"badreputation", "sender reputation"},
	{"badreputation", "reputation of"},
	{"badreputation", "has been temporarily rate limited due to ip reputation"},

	{"blocked", "invalid ip for sending"},
	{"blocked", "use the smtp server of your isp"},
	{"blocked", "relay quota"},
	{"blocked", "may not be mail exchanger"},
	{"blocked", "ip source bloquee"},
	{"blocked", "client host blocked"},
	{"blocked", "blacklisted"},
	{"blocked", "blocklisted"},
	{"blocked", "blocked using"},
	{"blocked", "is listed in"},
	{"blocked", "are listed in"},
	{"blocked", "listed in the"},
	{"blocked", "listed on"},
	{"blocked", "dnsbl"},
	{"blocked", "rbl"},
	{"blocked", "spamhaus"},
	{"blocked", "spamcop"},
	{"blocked", "sorbs"},
	{"blocked", "barracudacentral"},
	{"blocked", "banned sending ip"},
	{"blocked", "client host rejected"},
	{"blocked", "connection refused"},
	{"blocked", "connection rejected"},
	{"blocked", "not accepting connections"},
	{"blocked", "access denied. ip"},
	{"rejected", "but sender was rejected"}, /* qmail: the envelope sender refused */
	{"securityerror", ">... access denied"}, /* sendmail access db on the envelope */
	{"blocked", "your ip"},
	{"blocked", "your host"},
	{"blocked", "host is blocked"},
	{"blocked", "ip address blocked"},
	{"blocked", "ip blocked"},
	{"blocked", "is blocked"},
	{"blocked", "has been blocked"},
	{"blocked", "blocked by"},
	{"blocked", "service refuse"},
	{"blocked", "service unavailable; client"},
	{"blocked", "(bl)"},
	{"blocked", "messages from "},
	{"blocked", "dynamic ip"},
	{"blocked", "dial-up"},
	{"blocked", "residential"},
	{"blocked", "not allowed to connect"},
	{"blocked", "rejected due to"},

	/* Relaying. */
	{"norelaying", "not configured to relay"},
	{"norelaying", "email address is not verified"},
	{"norelaying", "relay access denied"},
	{"norelaying", "relaying denied"},
	{"norelaying", "relay not permitted"},
	{"norelaying", "relaying not allowed"},
	{"norelaying", "not permitted to relay"},
	{"norelaying", "unable to relay"},
	{"norelaying", "we do not relay"},
	{"norelaying", "relay denied"},
	{"norelaying", "not allowed to relay"},
	{"norelaying", "no relaying"},
	{"norelaying", "relaying mail to"},
	{"norelaying", "mail relay"},

	/* The recipient's mailbox is full. */
	{"mailboxfull", "mailbox exceeds allowed size"},
	{"mailboxfull", "exceeded the local limit"},
	{"mailboxfull", "mailfolder is full"},
	{"mailboxfull", "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x83\x9c\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9\xe3\x81\x8c\xe4\xb8\x80\xe6\x9d\xaf"}, /* au: mailbox is full */
	{"mailboxfull", "mailbox full"},
	{"mailboxfull", "mailbox is full"},
	{"mailboxfull", "mailbox size limit"},
	{"mailboxfull", "mailbox has exceeded"},
	{"mailboxfull", "over quota"},
	{"mailboxfull", "overquota"},
	{"mailboxfull", "quota exceeded"},
	{"mailboxfull", "exceeded storage"},
	{"mailboxfull", "exceeds quota"},
	{"mailboxfull", "exceed quota"},
	{"mailboxfull", "user has exhausted allowed storage"},
	{"mailboxfull", "not enough storage"},
	{"mailboxfull", "out of storage"},
	{"mailboxfull", "account is full"},
	{"mailboxfull", "inbox is full"},
	{"mailboxfull", "storage quota"},
	{"mailboxfull", "disk quota"},
	{"mailboxfull", "too much mail"},
	{"mailboxfull", "mail quota"},

	/* Size. */
	{"mesgtoobig", "message too large"},
	{"mesgtoobig", "message too big"},
	{"mesgtoobig", "message size exceeds"},
	{"mesgtoobig", "message is too large"},
	{"mesgtoobig", "size exceeds"},
	{"mesgtoobig", "too large for"},
	{"mesgtoobig", "exceeds the maximum size"},
	{"mesgtoobig", "size limit"},
	{"exceedlimit", "exceeds fixed maximum message size"},
	{"exceedlimit", "message length exceeds administrative limit"},
	{"mesgtoobig", "line limit exceeded"},

	/* The mailbox exists but is disabled or inactive. */
	{"suspend", "mailbox is frozen"},
	{"suspend", "account is locked"},
	{"suspend", "temporary locked"},
	{"suspend", "recipient account is blocked"},
	{"suspend", "account disabled"},
	{"suspend", "account is disabled"},
	{"suspend", "account has been disabled"},
	{"suspend", "is disabled"},
	{"suspend", "disabled recipient"},
	{"suspend", "inactive"},
	{"suspend", "account is suspended"},
	{"suspend", "suspended"},
	{"suspend", "temporarily locked"},
	{"suspend", "is not active"},
	{"suspend", "not active"},
	{"suspend", "account expired"},
	{"suspend", "compte du destinataire est bloque"},
	{"suspend", "blocked mailbox"},
	{"suspend", "mailbox disabled"},

	/* The mailbox is gone. */
	{"speeding", "receiving mail at a rate"},
	{"speeding", "sent to too many recipients"},
	{"toomanyconn", "frequency limited"},
	{"toomanyconn", "too many recipients"},

	/* DNS trouble that is not a missing domain. */
	{"notaccept", "doesn't receive email"},
	{"notaccept", "does not receive email"},
	{"networkerror", "dns error"},
	{"networkerror", "malformed or unexpected name server reply"},
	{"networkerror", "host not found, try again"}, /* DNS answered SERVFAIL */
	{"notaccept", "no mx found for domain"},
	{"notaccept", "no mx record"},
	{"notaccept", "couldn't find a mail exchanger"},
	{"notaccept", "indicated no smtp service"},
	{"hostunknown", "domain is not reachable"},
	{"hostunknown", "dns lookup failure"},
	{"hostunknown", "unrouteable address"},
	{"hostunknown", "domain does not exist"},
	{"hostunknown", "host not found"},
	{"hostunknown", "name service error"},

	/* Delivery given up after retries. */
	{"expired", "will be retried for"},
	{"expired", "did not accept our requests to connect"},
	{"expired", "have been failing for a long time"},
	{"expired", "failed 20 attempts"},
	{"expired", "envelope expired"},
	{"expired", "could not find a gateway"},

	{"hasmoved", "no longer on server"},
	{"hasmoved", "has moved"},
	{"hasmoved", "no longer available"},

	/* The recipient does not exist. */
	{"userunknown", "not listed in domino directory"},
	{"userunknown", "not listed in public name & address book"},  /* Lotus Notes */
	{"userunknown", "address not found"},                          /* Gmail */
	{"userunknown", "address couldn't be found"},
	{"userunknown", "please check if address is correct"},         /* InterScan */
	{"userunknown", "invalid final delivery userid"},
	{"userunknown", "recipientnotfound"},
	{"userunknown", "recipient not found"},
	{"userunknown", "mailbox unavailable"},
	{"userunknown", "user unknown"},
	{"userunknown", "unknown user"},
	{"userunknown", "unknown recipient"},
	{"userunknown", "unknown address"},
	{"userunknown", "unknown local part"},
	{"userunknown", "unknown mailbox"},
	{"userunknown", "no such user"},
	{"userunknown", "user not exist"},
	{"userunknown", "no such mailbox"},
	{"userunknown", "no such recipient"},
	{"userunknown", "no such address"},
	{"userunknown", "no such person"},
	{"userunknown", "no mailbox"},
	{"userunknown", "mailbox does not exist"},
	{"userunknown", "mailbox not found"},
	{"userunknown", "mailbox is unavailable"},
	{"userunknown", "user does not exist"},
	{"userunknown", "user not found"},
	{"userunknown", "user doesn't exist"},
	{"userunknown", "doesn't have a"},
	{"userunknown", "invalid recipient"},
	{"userunknown", "invalid mailbox"},
	{"userunknown", "invalid address"},
	{"userunknown", "recipient not found"},
	{"userunknown", "recipient unknown"},
	{"userunknown", "not our customer"},
	{"userunknown", "not our user"},
	{"userunknown", "no account"},
	{"userunknown", "is not a valid"},
	{"userunknown", "bad destination mailbox"},
	{"userunknown", "not a known user"},
	{"userunknown", "destination address rejected"},
	{"userunknown", "destinataire invalide"},
	{"userunknown", "unrouteable address"},
	{"userunknown", "unknown or illegal alias"},
	{"userunknown", "no valid recipients"},
	{"userunknown", "account does not exist"},
	{"userunknown", "address does not exist"},
	{"userunknown", "email account that you tried to reach does not exist"},

	/* The recipient's domain. */
	{"hostunknown", "host unknown"},
	{"hostunknown", "unknown host"},
	{"hostunknown", "host not found"},
	{"hostunknown", "host or domain name not found"},
	{"hostunknown", "name service error"},
	{"hostunknown", "domain not found"},
	{"hostunknown", "no such domain"},
	{"hostunknown", "invalid domain"},
	{"hostunknown", "unknown domain"},
	{"hostunknown", "domain does not exist"},
	{"hostunknown", "unrouteable mail domain"},
	{"hostunknown", "all relevant mx records point to non-existent hosts"},
	{"hostunknown", "no mx"},
	{"hostunknown", "nxdomain"},
	{"notaccept", "host does not accept mail"},
	{"notaccept", "does not accept mail"},
	{"notaccept", "null mx"},
	{"notaccept", "not accepting mail"},

	/* Content. */
	{"contenterror", "improper use of 8-bit data"},
	{"contenterror", "message content rejected"},
	{"contenterror", "content rejected"},
	{"contenterror", "invalid header"},
	{"notcompliantrfc", "multiple addresses in from"},
	{"notcompliantrfc", "messages with multiple"},
	{"notcompliantrfc", "rfc 5322"},
	{"notcompliantrfc", "rfc5322"},
	{"notcompliantrfc", "rfc 2822"},
	{"notcompliantrfc", "not rfc"},
	{"notcompliantrfc", "is not compliant"},
	{"notcompliantrfc", "duplicate header"},

	/* Sender-side rules of the receiving domain. */
	{"policyviolation", "local policy"},
	{"policyviolation", "header error"},
	{"policyviolation", "protocol violation"},
	{"policyviolation", "denied by policy"},
	{"policyviolation", "host network not allowed"},
	{"policyviolation", "content presents a potential"},
	{"policyviolation", "violates our policy"},
	{"policyviolation", "prohibited"},
	{"policyviolation", "policy reasons"},
	{"filtered", "message filtered"},
	{"filtered", "refused due to recipient preferences"},
	{"filtered", "content filter"},
	{"rejected", "sender rejected"},
	{"rejected", "sender address rejected"},
	{"rejected", "domain of sender"},
	{"rejected", "sender domain"},
	{"rejected", "sender verify failed"},
	{"rejected", "unauthenticated senders not allowed"},
	{"rejected", "sender denied"},
	{"rejected", "not allowed to send"},
	{"rejected", "envelope sender"},

	/* Rates and connections. */
	{"toomanyconn", "connection rate limit"},
	{"toomanyconn", "too many concurrent"},
	{"toomanyconn", "too many simultaneous"},
	{"speeding", "rate limit"},
	{"speeding", "too many messages"},
	{"speeding", "sending too fast"},

	/* Transport. */
	{"failedstarttls", "starttls"},
	{"failedstarttls", "does not support tls"},
	{"failedstarttls", "tls required"},
	{"failedstarttls", "must issue a starttls"},
	{"expired", "delivery time expired"},
	{"expired", "retry time exceeded"},
	{"expired", "retry timeout exceeded"},
	{"expired", "message expired"},
	{"expired", "was not delivered within"},
	{"networkerror", "wasn't able to establish an smtp connection"},
	{"networkerror", "host name lookup failure"},
	{"networkerror", "network error"},
	{"networkerror", "connection timed out"},
	{"networkerror", "timed out"},
	{"networkerror", "lost connection"},
	{"networkerror", "connection reset"},
	{"networkerror", "connect to"},
	{"networkerror", "no route to host"},
	{"networkerror", "network is unreachable"},
	{"networkerror", "too many hops"},
	{"networkerror", "mail loop"},
	{"networkerror", "loops back"},
	{"networkerror", "routing loop"},
	{"systemfull", "insufficient disk space"},
	{"systemfull", "mail system full"},
	{"systemfull", "insufficient system storage"},
	{"systemerror", "service currently unavailable"},
	{"systemerror", "transaction failed"},
	{"systemerror", "queue file write error"},
	{"systemerror", "unable to contact ldap"},
	{"systemerror", "system config error"},
	{"systemerror", "system error"},
	{"systemerror", "internal error"},
	{"systemerror", "server error"},
	{"systemerror", "local error"},
	{"systemerror", "could not load"},
	{"mailererror", "x-unix"},
	{"mailererror", "command died"},
	{"mailererror", "pipe to"},
	{"mailererror", "procmail"},
	{"mailererror", "mailer error"},
	{"syntaxerror", "malformed address"},
	{"syntaxerror", "syntax error"},
	{"syntaxerror", "command unrecognized"},
	{"syntaxerror", "command parameter not implemented"},
	{"syntaxerror", "bad sequence of commands"},
	{"onhold", "on hold"},
};

/* Words so general that any specific phrase above wins over them. */
static const struct phrase_row weak_phrase_table[] = {
	/* EZweb's whole account of its recipient filter refusing the sender. */
	{"filtered", "recipients was rejected by a remote mail server"},
	/* The queue's own words on giving up: the cause, when named, is above. */
	{"expired", "has been delayed"},
	{"expired", "could not be delivered for"},
	{"expired", "giving up"},
	{"expired", "queue too long"},
	{"userunknown", "recipient address rejected"},
	{"userunknown", "address rejected"},
	{"userunknown", "recipient rejected"},
	{"userunknown", "does not exist"},
	{"mailboxfull", "quota"},
	{"filtered", "filtered"},
	{"rejected", "mail from"},
	{"rejected", "rejected"},
};

/* Lowercase the first n bytes of s into buf (size cap). */
/* Lowercase s into buf (size cap); returns the length written. */
static size_t lower_copy(char *buf, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s != NULL && s[i] != '\0' && i + 1 < cap; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	return i;
}

#define CLASSIFY_TEXT_MAX 4096

/* The first row whose phrase occurs: every pair of it must occur first (rb_pairs). */
static const char *match_table(const char *text, const unsigned char *pairs,
			       const struct phrase_row *table, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rb_pairs_may_contain(pairs, table[i].phrase, false) &&
		    strstr(text, table[i].phrase) != NULL)
			return table[i].reason;
	return NULL;
}

const char *rb_classify_text(const char *diagnostic)
{
	if (diagnostic == NULL || *diagnostic == '\0')
		return NULL;
	char text[CLASSIFY_TEXT_MAX];
	size_t len = lower_copy(text, sizeof(text), diagnostic);
	unsigned char pairs[RB_PAIRS_BYTES];
	rb_pairs_of(pairs, text, len);
	const char *r = match_table(text, pairs, phrase_table,
				    sizeof(phrase_table) / sizeof(phrase_table[0]));
	if (r == NULL)
		r = match_table(text, pairs, weak_phrase_table,
				sizeof(weak_phrase_table) / sizeof(weak_phrase_table[0]));
	return r;
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
	char pattern[24];
	snprintf(pattern, sizeof(pattern), "(#%s)", status);
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

void rb_classify_bounce(struct rb_bounce *b, const struct rb_mail *mail, struct rb_arena *arena)
{
	(void)mail;
	(void)arena;
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
		const char *by_text = rb_classify_text(words);
		if (row != NULL && row->strong && !(by_text != NULL && qmail_style_code(words, b->status)))
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
