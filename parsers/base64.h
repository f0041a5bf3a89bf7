/*
 * base64.h - Content-Transfer-Encoding: base64 (RFC 2045 6.8).
 */
#ifndef REBOUND_PARSERS_BASE64_H
#define REBOUND_PARSERS_BASE64_H

#include <stddef.h>

/*
 * Decode len bytes of base64 into out (room for len bytes; the output is never
 * longer than the input) and return the decoded length. Lenient as GMime's decoder,
 * whose output it matches byte for byte on whole inputs: bytes outside the alphabet
 * (line endings, spaces, junk) are skipped, the first "=" ends the data (what follows
 * it is ignored) and gives the whole bytes of the group it cuts short, and a group
 * cut short by the end of the input is dropped.
 */
size_t rb_base64_decode(const unsigned char *in, size_t len, unsigned char *out);

#endif
