/*
 * fuzz_payload.c - libFuzzer target for payload unwrapping (gzip, zip, nested) and
 * everything behind it, as a bare report stream: the caps must hold on any input.
 */
#include "fuzz_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report_stream("", data, size);
	return 0;
}
