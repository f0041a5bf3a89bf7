/*
 * classify.h - why a bounce happened: the reason (Sisimai's vocabulary, DESIGN.md)
 * and whether it is hard, from the status code, the SMTP reply code, the diagnostic
 * text, the SMTP command and the remote host, by tables of patterns.
 *
 * rb_classify_bounce() fills b->reason when a format left it "" and always sets
 * b->hard. Pure: reads the record and the mail, writes the record.
 */
#ifndef REBOUND_PARSERS_CLASSIFY_H
#define REBOUND_PARSERS_CLASSIFY_H

#include "core/text.h"
#include "parsers/bounce.h"

/*
 * diagnostic: b->diagnostic as an rb_lowered the caller shares with its own searches
 * (NULL: the text is lowered here).
 */
void rb_classify_bounce(struct rb_bounce *b, const struct rb_mail *mail,
			struct rb_arena *arena, struct rb_lowered *diagnostic);

/* The reason the diagnostic text alone points to, or NULL when no pattern matches. */
const char *rb_classify_text(const char *diagnostic);

/* Hard = userunknown, hostunknown, hasmoved, and notaccept unless its code is 4xx. */
bool rb_classify_is_hard(const char *reason, const char *status, int reply_code);

#endif
