/*
 * fuzz_tlsrpt.c - libFuzzer target for the SMTP TLS report reader (RFC 8460 JSON):
 * the input follows the opening of a report, so the fuzzer spends its time inside
 * the JSON.
 */
#include "fuzz_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report_stream("{\"organization-name\":\"fuzz\",\"policies\":[", data, size);
	return 0;
}
