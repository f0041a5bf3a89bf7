/*
 * iso2022jp.h - ISO-2022-JP (RFC 1468) text to UTF-8, its ASCII runs copied as they
 * are.
 *
 * Japanese bounces declare ISO-2022-JP for text that is nearly all ASCII (in the
 * Sisimai corpus: 418,567 bytes in the ASCII set against 2,736 in JIS X 0208), and
 * the C library's converter reads all of it a character at a time through UCS-4:
 * two thirds of such a message's parse. Here the runs in the ASCII set are copied,
 * and only what lies from an escape out of ASCII to the next ESC ( B goes through
 * iconv; each such piece starts and ends in the ASCII set, as it does within the
 * whole text, so the result is the converter's own.
 */
#ifndef REBOUND_PARSERS_ISO2022JP_H
#define REBOUND_PARSERS_ISO2022JP_H

#include <glib.h>
#include <stddef.h>

/*
 * data[0..len) as UTF-8, g_malloc'd and NUL-terminated, its length in *len_r: what
 * g_convert(data, len, "UTF-8", "ISO-2022-JP", ...) gives, byte for byte. NULL where
 * that fails (a byte of eight bits, an escape sequence ISO-2022-JP does not have, a
 * sequence cut off at the end) or the converter cannot be opened.
 */
gchar *rb_iso2022jp_to_utf8(const unsigned char *data, size_t len, gsize *len_r);

#endif
