/*
 * single_byte.h - ISO-8859-1, ISO-8859-15 and Windows-1252 text to UTF-8 by table.
 *
 * The Western single-byte charsets are most of the 8-bit text bounces declare that
 * is not Japanese, and the C library's converter takes it a byte at a time through
 * UCS-4 (half the parse of a 37 KB Exchange notice in Latin-1). Here ASCII runs are
 * copied and each other byte is looked up; the tables are the C library's own
 * mappings (tests/unit/test_single_byte.c checks every byte against iconv),
 * undefined bytes included: Windows-1252 has no 0x81, 0x8D, 0x8F, 0x90 or 0x9D, and
 * text holding one is refused as iconv refuses it.
 */
#ifndef REBOUND_PARSERS_SINGLE_BYTE_H
#define REBOUND_PARSERS_SINGLE_BYTE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Is charset (an iconv name, any case) one of those read here? */
bool rb_single_byte_known(const char *charset);

/*
 * data[0..len) in charset (rb_single_byte_known) as UTF-8, g_malloc'd and
 * NUL-terminated, its length in *len_r: what g_convert(data, len, "UTF-8", charset)
 * gives. NULL when the text holds a byte the charset does not define.
 */
gchar *rb_single_byte_to_utf8(const char *charset, const unsigned char *data, size_t len,
			      gsize *len_r);

#endif
