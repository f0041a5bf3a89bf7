/*
 * dmarc_aggregate.h - DMARC aggregate reports (RFC 7489 appendix C, RFC 9990), streamed.
 *
 * rb_dmarc_aggregate_parse() reads the report's XML from `in` (after xml_repair.c)
 * with xml_stream.c: a fast reader for plain XML, libxml2's xmlReader (no network, no
 * entities, recover mode) from the first thing that is not plain; it emits one
 * `dmarc_record` event per <record> as soon as it ends, then one `dmarc_report`
 * event with the totals. Any namespace or prefix is accepted: elements are matched
 * by local name. *is_report_r is false, and nothing is emitted, when the root element
 * is not <feedback>.
 *
 * Limits: max_xml_depth nested elements and max_xml_records records; past either,
 * reading stops and the report's `errors` says why. Returns RB_OK, or the emitter's
 * or reader's failure.
 */
#ifndef REBOUND_PARSERS_DMARC_AGGREGATE_H
#define REBOUND_PARSERS_DMARC_AGGREGATE_H

#include <stdbool.h>

#include "core/event.h"
#include "parsers/payload.h"

enum rb_status rb_dmarc_aggregate_parse(struct rb_reader *in, const struct rb_limits *limits,
					struct rb_emitter *em, bool *is_report_r,
					struct rb_error *err);

#endif
