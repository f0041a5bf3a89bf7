/*
 * fuzz_xml_stream.c - libFuzzer target for the fast XML reader and its handoff to
 * libxml2: whatever the document, and wherever the fast reader hands over (the first
 * byte says after how many units), the handler is shown what libxml2 alone shows
 * (all of it for a well-formed document, else the same first complaint).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/xml_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t units = data[0];
	size_t failed = 0;
	const char *why = xml_log_check_handoffs(data + 1, size - 1, &units, 1, &failed);
	if (why != NULL) {
		fprintf(stderr, "handoff after %zu units: %s\n", failed, why);
		abort();
	}
	return 0;
}
