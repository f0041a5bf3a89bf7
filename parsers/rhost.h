/*
 * rhost.h - reasons from the receiving provider's documented error codes.
 *
 * rb_rhost_reason() finds the provider of a bounce (recipient domain, remote MTA,
 * reporting MTA) and returns the reason its own codes or phrases give, or NULL
 * when the provider is unknown or its words are not in the table. Pure.
 */
#ifndef REBOUND_PARSERS_RHOST_H
#define REBOUND_PARSERS_RHOST_H

#include "parsers/bounce.h"

const char *rb_rhost_reason(const struct rb_bounce *b);

#endif
