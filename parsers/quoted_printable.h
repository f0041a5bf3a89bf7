/*
 * quoted_printable.h - Content-Transfer-Encoding: quoted-printable (RFC 2045 6.7).
 */
#ifndef REBOUND_PARSERS_QUOTED_PRINTABLE_H
#define REBOUND_PARSERS_QUOTED_PRINTABLE_H

#include <stddef.h>

/*
 * Decode len bytes of quoted-printable into out (room for len bytes; the output is
 * never longer than the input) and return the decoded length. Lenient as GMime's
 * decoder, whose output it matches byte for byte on whole inputs: "=" followed by a
 * line ending is a soft line break, "=" and two hex digits (either case) is that
 * byte, any other "=" sequence is kept as written, and an "=" cut off by the end of
 * the input is dropped with what follows it.
 */
size_t rb_qp_decode(const unsigned char *in, size_t len, unsigned char *out);

#endif
