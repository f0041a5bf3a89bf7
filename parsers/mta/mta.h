/*
 * mta.h - the non-standard bounce formats under parsers/mta/: a format with its own
 * parser (amazonses.c) or a row of the prose-format table (formats.c, read by
 * text_bounce.c).
 *
 * Each entry is a struct rb_mta: a name (what decoded_by says, unless the parse
 * function sets out->decoded_by to a more precise one) and a parse function
 * that first checks the format's signature (From, Subject, a header the MTA adds, a
 * line of its text) and returns 0 at once when the message is not its own; otherwise
 * it adds one record per recipient to `out` and returns 1. -1 means out of memory.
 * Formats are tried in the order of rb_mta_table; the first that returns 1 wins.
 * A parse function is pure: it reads the mail and writes only into `out`.
 */
#ifndef REBOUND_PARSERS_MTA_H
#define REBOUND_PARSERS_MTA_H

#include "parsers/bounce.h"

struct rb_mta {
	const char *name;
	int (*parse)(const struct rb_mail *mail, struct rb_bounce_set *out);
};

/* NULL-terminated, in the order they are tried. */
extern const struct rb_mta *const rb_mta_table[];

#endif
