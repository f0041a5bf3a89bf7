/*
 * mta.c - the order in which the non-standard bounce formats are tried.
 *
 * More specific signatures first (a provider that wraps a generic MTA comes before
 * that MTA). One line per format; each format lives in its own file beside this one.
 */
#include "parsers/mta/mta.h"

/* One extern per format (group A: MTA software). */
/* end of group A externs */
/* One extern per format (group B: providers and carriers). */
/* end of group B externs */

const struct rb_mta *const rb_mta_table[] = {
	/* group B: providers first, their signatures are the most specific */
	/* end of group B rows */
	/* group A: MTA software */
	/* end of group A rows */
	NULL,
};
