/*
 * autoreply.h - automatic replies (RFC 3834: Auto-Submitted, vacation and
 * out-of-office messages) become `autoreply` events. *handled_r is false otherwise.
 */
#ifndef REBOUND_PARSERS_AUTOREPLY_H
#define REBOUND_PARSERS_AUTOREPLY_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/event.h"
#include "parsers/mime.h"

enum rb_status rb_autoreply_parse(const struct rb_mail *mail, struct rb_arena *arena,
				  struct rb_emitter *em, bool *handled_r);

#endif
