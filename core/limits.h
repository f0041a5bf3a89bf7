/*
 * limits.h - resolve a caller's struct rb_limits: every 0 field takes its default.
 */
#ifndef REBOUND_CORE_LIMITS_H
#define REBOUND_CORE_LIMITS_H

#include "rebound/rebound.h"

/* out = in with 0 fields replaced by defaults; in may be NULL (all defaults). */
void rb_limits_resolve(const struct rb_limits *in, struct rb_limits *out);

#endif
