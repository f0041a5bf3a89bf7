/*
 * mta.c - the order in which the non-standard bounce formats are tried.
 *
 * A format with its own parser (a file beside this one) comes first when its
 * signature is more specific than the prose formats of formats.c, which are tried
 * as one entry, in their table's order, the catch-all last.
 */
#include "parsers/mta/mta.h"

#include "parsers/mta/text_bounce.h"

extern const struct rb_mta rb_mta_amazonses; /* amazonses.c: SES JSON notifications */

const struct rb_mta *const rb_mta_table[] = {
	&rb_mta_amazonses,
	&rb_mta_text_formats,
	NULL,
};
