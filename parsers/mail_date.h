/*
 * mail_date.h - the common spelling of an RFC 5322 date-time, read without GLib.
 *
 * Nearly every Date and Last-Attempt-Date is "[Day, ]D Mon YYYY HH:MM[:SS] +hhmm",
 * perhaps with a zone comment after it. That form is read here in a few hundred
 * instructions; anything else (two-digit years, zone names, out-of-range fields,
 * comments between the parts) is left to GMime's lenient reader, which agrees on
 * every date this one accepts (tests/unit/test_mime.c compares them).
 */
#ifndef REBOUND_PARSERS_MAIL_DATE_H
#define REBOUND_PARSERS_MAIL_DATE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The date-time as seconds since 1970-01-01T00:00:00Z in *epoch_r. false when the text
 * is not in the common form (nothing is said about whether it is a date at all).
 */
bool rb_mail_date_parse_common(const char *text, int64_t *epoch_r);

/* The instant as "YYYY-MM-DDTHH:MM:SSZ" (years 1 to 9999); false outside them. */
bool rb_mail_date_format_utc(int64_t epoch, char out[21]);

#endif
