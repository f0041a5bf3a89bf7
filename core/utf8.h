/*
 * utf8.h - is a byte string valid UTF-8?
 */
#ifndef REBOUND_CORE_UTF8_H
#define REBOUND_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the len bytes at s are valid UTF-8 (RFC 3629: shortest forms only, no
 * surrogates, nothing above U+10FFFF) and hold no NUL: the same answer as GLib's
 * g_utf8_validate_len, sixteen ASCII bytes at a time.
 */
bool rb_utf8_valid(const unsigned char *s, size_t len);

#endif
