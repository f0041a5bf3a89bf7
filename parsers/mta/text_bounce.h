/*
 * text_bounce.h - bounces written as prose: one engine, one table row per format.
 *
 * Most MTAs that send no DSN part (Exim, qmail, DragonFly, Yahoo, Gmail, old
 * Sendmail, Exchange 2003, ...) write the same kind of text: a sentence, then each
 * failed address on a line of its own (bare, in <>, or followed by ':' or "..."), then
 * the remote server's words, then a marker line before the returned message. A
 * format is a row: how to recognize it, where its error section starts and ends,
 * and whether its words fix the reason. The engine (text_bounce.c) does the rest.
 */
#ifndef REBOUND_PARSERS_MTA_TEXT_BOUNCE_H
#define REBOUND_PARSERS_MTA_TEXT_BOUNCE_H

#include "parsers/mta/mta.h"

struct rb_text_format {
	const char *name;             /* decoded_by */
	/* Recognized when any of these is found (case-insensitive): */
	const char *from[4];          /* in the From header */
	const char *subject[6];       /* at the start of the Subject */
	const char *body[4];          /* in the readable text */
	bool needs_from_and_body;     /* both a from[] and a body[] must match */
	const char *start[4];         /* the error section starts after the first found */
	const char *end[6];           /* and ends before the first found of these */
	const char *reason;           /* set when the format's words fix it, else NULL */
	const char *command;          /* the SMTP command its errors answer, when fixed */
	bool words_before;            /* a recipient's words come before its line (old
				       * Sendmail transcripts: the session, then the verdict) */
	bool recipient_from_original; /* the text names no address: use the original's To */
	const char *recipient_label;  /* the text names nobody in its section: the address
				       * on the body's line starting with this label */
};

/* NULL-terminated by a row with name == NULL. */
extern const struct rb_text_format rb_text_formats[];

/* The rb_mta entry that runs the table (listed in rb_mta_table). */
extern const struct rb_mta rb_mta_text_formats;

#endif
