/*
 * dsn.h - RFC 3464 delivery status notifications.
 *
 * rb_dsn_parse() reads the text of a message/delivery-status part (per-message
 * fields, then one block per recipient) and adds one record per recipient block to
 * `set`, with Reporting-MTA copied into each. Lenient: unknown fields are ignored,
 * blocks without a recipient are skipped, values are trimmed and unfolded.
 * Returns the number of records added (0 when none), -1 on out of memory.
 */
#ifndef REBOUND_PARSERS_DSN_H
#define REBOUND_PARSERS_DSN_H

#include "parsers/bounce.h"

int rb_dsn_parse(const char *delivery_status, struct rb_bounce_set *set);

#endif
