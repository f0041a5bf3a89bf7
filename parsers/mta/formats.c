/*
 * formats.c - the prose bounce formats, one row each (engine: text_bounce.c).
 *
 * A row says how to recognize the format (From, Subject prefix, a telltale sentence),
 * where its error section begins and where the returned message begins (the markers
 * every format shares are in text_bounce.c), and the reason when the format's own
 * fixed words decide it. Rows are tried in order: providers that wrap a common MTA
 * come before it, the catch-all row for unknown mailer-daemons comes last. Each row
 * notes where it was seen (files of Sisimai's set-of-emails, tests/corpus/sisimai).
 */
#include "parsers/mta/text_bounce.h"

const struct rb_text_format rb_text_formats[] = {
	/* Google Groups: the group refused the post (lhost-googlegroups-*). */
	{.name = "googlegroups",
	 .from = {"mailer-daemon@googlemail.com", "mailer-daemon@google.com"},
	 .body = {"Google Groups", "groups.google.com"},
	 .needs_from_and_body = true,
	 .reason = "rejected"},
	/* Gmail (lhost-gmail-*). */
	{.name = "gmail",
	 .from = {"mailer-daemon@googlemail.com", "mailer-daemon@gmail.com"},
	 .body = {"Delivery to the following recipient", "Technical details of"},
	 .start = {"Delivery to the following recipient"}},
	/* Mail.Ru (Exim underneath; lhost-mailru-*). */
	{.name = "mailru",
	 .from = {"mailer-daemon@corp.mail.ru", "mailer-daemon@mail.ru"},
	 .body = {"The following address(es) failed:"},
	 .needs_from_and_body = true,
	 .start = {"The following address(es) failed:"}},
	/* GMX and Web.de (lhost-gmx-*, lhost-einsundeins-*). */
	{.name = "gmx",
	 .from = {"@mail.gmx.com", "@mail.gmx.net"},
	 .body = {"The following address", "could not be delivered"},
	 .needs_from_and_body = true,
	 .start = {"The following address"}},
	{.name = "einsundeins",
	 .from = {"@1and1.", "@ionos.", "@kundenserver.de"},
	 .body = {"could not be delivered", "delivery failed"},
	 .needs_from_and_body = true},
	/* Yahoo (lhost-yahoo-*). */
	{.name = "yahoo",
	 .body = {"Sorry, we were unable to deliver your message to the following address"},
	 .start = {"to the following address"}},
	/* Exim and its relatives (lhost-exim-*, lhost-mxlogic-*). */
	{.name = "exim",
	 .body = {"This message was created automatically by mail delivery software",
		  "The following address(es) failed:"},
	 .start = {"The following address(es) failed:", "The following address failed:",
		   "recipients. This is a permanent error."},
	 .end = {"Included is a copy of the message header"}},
	/* qmail (lhost-qmail-*). */
	{.name = "qmail",
	 .body = {"This is the qmail-send program", "I'm afraid I wasn't able to deliver"},
	 .start = {"I'm afraid I wasn't able to deliver"}},
	/* DragonFly Mail Agent (lhost-dragonfly-*). */
	{.name = "dragonfly",
	 .body = {"This is the DragonFly Mail Agent"},
	 .start = {"There was an error delivering your mail to"}},
	/* OpenSMTPD (lhost-opensmtpd-*). */
	{.name = "opensmtpd",
	 .body = {"the following list of recipients:", "This is the MAILER-DAEMON, please DO NOT REPLY"},
	 .start = {"the following list of recipients:"},
	 .end = {"Below is a copy of the original message"}},
	/* Exchange 2003 (lhost-exchange2003-*). */
	{.name = "exchange2003",
	 .command = "RCPT", /* its notices list refused recipients */
	 .body = {"did not reach the following recipient",
		  "The following recipient(s) could not be reached"},
	 .start = {"did not reach the following recipient(s):",
		   "did not reach the following recipient",
		   "The following recipient(s) could not be reached:"}},
	/* Sun/Oracle Messaging Server in prose (lhost-messagingserver-03). */
	{.name = "messagingserver",
	 .body = {"This report relates to a message you sent with the following header"},
	 .start = {"cannot be delivered to the following recipients:"},
	 .end = {"Original-envelope-id:", "Reporting-MTA:"}},
	/* Zoho's delay warning (lhost-zoho-*): "[Status: Error, Address: <a>, ...]". */
	{.name = "zoho",
	 .from = {"zoho"},
	 .body = {"THIS IS A WARNING MESSAGE ONLY"},
	 .needs_from_and_body = true,
	 .start = {"----- The following addresses had"},
	 .end = {"----- Transcript of session follows"}},
	/* Old Sendmail (lhost-v5sendmail-*). */
	{.name = "v5sendmail",
	 .words_before = true,
	 .body = {"----- Transcript of session follows -----"},
	 .start = {"----- Transcript of session follows -----"},
	 .end = {"----- Unsent message follows -----"}},
	/* MailMarshal SMTP (lhost-mailmarshalsmtp-*): the error, then the recipients. */
	{.name = "mailmarshalsmtp",
	 .words_before = true,
	 .body = {"The following recipients were affected:"},
	 .start = {"Could not be delivered because of"},
	 .end = {"Additional Information", "======================"}},
	/* IMail (lhost-imailserver-*). */
	{.name = "imailserver",
	 .from = {"postmaster@"},
	 .subject = {"Undeliverable Mail"},
	 .body = {"Body of message generated response:"},
	 .needs_from_and_body = true,
	 .start = {"undeliverable to"}},
	{.name = "imailserver",
	 .command = "RCPT", /* its notices list refused recipients */
	 .from = {"postmaster@"},
	 .subject = {"Undeliverable Mail"},
	 .body = {"Original message follows."},
	 .needs_from_and_body = true},
	/* m-FILTER (lhost-mfilter-*). */
	{.name = "mfilter",
	 .body = {"-------server message", "-------SMTP command"},
	 .end = {"-------SMTP command"}},
	/* Lotus Notes (lhost-notes-*). */
	{.name = "notes",
	 .body = {"------- Failure Reasons"},
	 .start = {"------- Failure Reasons"},
	 .end = {"------- Returned Message"}},
	/* InterScan MSS (lhost-interscanmss-*). "Unable to deliver message to <a>" is
	 * its notice for a recipient the next hop refused as unknown. */
	{.name = "interscanmss",
	 .command = "RCPT",
	 .from = {"InterScan", "postmaster"},
	 .body = {"Message from InterScan Messaging Security Suite"},
	 .needs_from_and_body = true,
	 .start = {"Unable to deliver message to"},
	 .end = {"End of message"},
	 .reason = "userunknown"},
	{.name = "interscanmss",
	 .command = "RCPT", /* its notices list refused recipients */
	 .from = {"InterScan MSS", "InterScan Messaging"}},
	/* Verizon (lhost-verizon-*) and Apache James: "Error message below: ... RCPT TO:
	 * <a>"; Verizon's other notices name nobody and use the original's To. */
	{.name = "verizon",
	 .command = "RCPT",
	 .from = {"vzwpix.com", "vtext.com"},
	 .body = {"Error message below:"},
	 .needs_from_and_body = true,
	 .start = {"Error message below:"},
	 .end = {"Message details:"},
	 .recipient_label = "RCPT TO:"},
	{.name = "apachejames",
	 .body = {"Error message below:"},
	 .start = {"Error message below:"},
	 .end = {"Message details:"},
	 .recipient_label = "RCPT TO:"},
	{.name = "verizon",
	 .command = "RCPT", /* its notices list refused recipients */
	 .from = {"vzwpix.com", "vtext.com"},
	 .end = {"Original Message:"},
	 .recipient_from_original = true},
	/* au one net / KDDI and EZweb (lhost-kddi-*, lhost-ezweb-*). */
	{.name = "kddi",
	 .from = {"dion.ne.jp", "@au.com", "auone-net.jp"},
	 .recipient_from_original = true},
	{.name = "ezweb",
	 .from = {"@ezweb.ne.jp"},
	 .end = {"---------------------------------------------------"}},
	/* fml mailing lists refusing a post: not a member, a loop (lhost-fml-*). The
	 * "recipient" is the list that refused. */
	{.name = "fml",
	 .from = {"-admin@"},
	 .body = {"You are not a member of this mailing list", "Duplicated Message-ID"},
	 .needs_from_and_body = true,
	 .end = {"Original mail as follows:", "If you know the general guide"}},
	/* fml mailing lists (lhost-fml-*). */
	{.name = "fml",
	 .body = {"fml mailing list", "If you have any questions, please contact"},
	 .needs_from_and_body = false},
	/* Anything else a mailer-daemon or postmaster sends. */
	{.name = "generic",
	 .from = {"mailer-daemon", "postmaster", "mail delivery", "mail.delivery"},
	 .subject = {"Undeliver", "Undelivered", "Returned mail", "Delivery failure",
		     "failure notice"}},
	{.name = NULL},
};
