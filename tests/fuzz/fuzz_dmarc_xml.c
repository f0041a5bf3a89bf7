/*
 * fuzz_dmarc_xml.c - libFuzzer target for the DMARC aggregate XML reader and the XML
 * repair filter: the input follows the opening of a report, so the fuzzer spends its
 * time inside <feedback>.
 */
#include "fuzz_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_report_stream("<?xml version=\"1.0\"?><feedback><report_metadata>", data, size);
	return 0;
}
