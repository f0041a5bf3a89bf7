/*
 * mta.c - the order in which the non-standard bounce formats are tried.
 *
 * More specific signatures first (a provider that wraps a generic MTA comes before
 * that MTA). One line per format; each format lives in its own file beside this one.
 */
#include "parsers/mta/mta.h"

/* One extern per format, in the order of the table below. */

const struct rb_mta *const rb_mta_table[] = {
	NULL,
};
