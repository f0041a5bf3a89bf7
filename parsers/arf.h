/*
 * arf.h - feedback reports (RFC 5965 ARF): abuse complaints become `complaint` events,
 * authentication failure reports (RFC 6591, RFC 9991) become `dmarc_failure` events,
 * including the plain-text failure notices some MTAs send without an ARF part.
 * *handled_r is false when the message is no feedback report.
 */
#ifndef REBOUND_PARSERS_ARF_H
#define REBOUND_PARSERS_ARF_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/event.h"
#include "parsers/mime.h"

enum rb_status rb_arf_parse(const struct rb_mail *mail, struct rb_arena *arena,
			    struct rb_emitter *em, bool *handled_r);

#endif
