/*
 * test_payload.c - unwrapping: bombs, caps, broken archives and streams, layers.
 * Bombs are made here in memory so no large fixture is kept in the repository.
 */
#include <archive.h>
#include <archive_entry.h>
#include <time.h>
#include <zlib.h>

#include "check.h"
#include "collect.h"
#include "parsers/payload.h"

/* gzip of `zeros` zero bytes (after an XML prefix), made with zlib. */
static unsigned char *gzip_zeros(size_t zeros, size_t *len_r)
{
	z_stream zs = {0};
	deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
	size_t cap = zeros / 500 + 4096;
	unsigned char *out = malloc(cap);
	static unsigned char chunk[65536];
	const char *prefix = "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>";
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	zs.next_in = (unsigned char *)prefix;
	zs.avail_in = (uInt)strlen(prefix);
	deflate(&zs, Z_NO_FLUSH);
	for (size_t done = 0; done < zeros; done += sizeof(chunk)) {
		memset(chunk, 'A', sizeof(chunk));
		zs.next_in = chunk;
		zs.avail_in = sizeof(chunk);
		deflate(&zs, Z_NO_FLUSH);
	}
	deflate(&zs, Z_FINISH);
	*len_r = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

/* A zip holding `members` copies of a `size`-byte member of one repeated letter. */
static unsigned char *zip_of(unsigned members, size_t size, size_t *len_r)
{
	size_t cap = size / 200 + members * 256 + 65536;
	unsigned char *out = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_zip(a);
	archive_write_open_memory(a, out, cap, len_r);
	char *data = malloc(65536);
	memset(data, 'B', 65536);
	for (unsigned m = 0; m < members; m++) {
		struct archive_entry *e = archive_entry_new();
		char name[32];
		snprintf(name, sizeof(name), "r%u.xml", m);
		archive_entry_set_pathname(e, name);
		archive_entry_set_size(e, (la_int64_t)size);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_write_header(a, e);
		static const char prefix[] = "<feedback><report_metadata><org_name>";
		for (size_t done = 0; done < size; done += 65536) {
			/* Starts as a report, so the reader has a reason to read it all. */
			if (done == 0 && size >= sizeof(prefix))
				memcpy(data, prefix, sizeof(prefix) - 1);
			else
				memset(data, 'B', sizeof(prefix));
			archive_write_data(a, data, size - done < 65536 ? size - done : 65536);
		}
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	free(data);
	return out;
}

static const char *only_error(struct collected *c)
{
	CHECK(c->count == 1);
	if (c->count != 1)
		return "";
	CHECK_STR(ev_str(c->events[0], "type"), "error");
	return ev_str(c->events[0], "error");
}

static void test_bombs(void)
{
	struct collected *c = calloc(1, sizeof(*c));
	/* 256 MiB of one letter compress to ~250 KiB: the ratio cap stops it early. */
	size_t len = 0;
	unsigned char *bomb = gzip_zeros((size_t)256 << 20, &len);
	clock_t start = clock();
	CHECK(collect_report_bytes(c, bomb, len, NULL) == RB_OK);
	double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
	CHECK(strstr(only_error(c), "max_decompress_ratio") != NULL);
	/* Bounded time: the cap trips after a few MiB, not after 256 MiB. */
	CHECK(seconds < 5.0);
	collected_free(c);

	/* The same, under a total cap instead of the ratio. */
	struct rb_limits limits;
	rb_limits_default(&limits);
	limits.max_decompress_ratio = 100000;
	limits.max_decompressed_bytes = 4 << 20;
	CHECK(collect_report_bytes(c, bomb, len, &limits) == RB_OK);
	CHECK(strstr(only_error(c), "max_decompressed_bytes") != NULL);
	collected_free(c);
	free(bomb);

	/* A zip bomb: one member of 64 MiB. */
	bomb = zip_of(1, (size_t)64 << 20, &len);
	CHECK(len > 0 && len < (size_t)8 << 20);
	CHECK(collect_report_bytes(c, bomb, len, NULL) == RB_OK);
	CHECK(strstr(only_error(c), "max_decompress_ratio") != NULL);
	collected_free(c);
	free(bomb);

	/* Too many members. */
	bomb = zip_of(80, 10, &len);
	CHECK(collect_report_bytes(c, bomb, len, NULL) == RB_OK);
	CHECK(strstr(only_error(c), "max_archive_members") != NULL);
	collected_free(c);
	free(bomb);
	free(c);
}

static void test_broken_streams(void)
{
	struct collected *c = calloc(1, sizeof(*c));
	size_t len = 0;
	unsigned char *gz = read_whole_file("tests/data/dmarc/report.xml.gz", &len);
	/* Truncated gzip: the records read so far stay, the error says why. */
	CHECK(collect_report_bytes(c, gz, len / 2, NULL) == RB_OK);
	CHECK(count_of(c, "error") == 1);
	CHECK(strstr(ev_str(first_of(c, "error"), "error"), "gzip stream is truncated") != NULL);
	collected_free(c);
	/* Corrupt gzip. */
	gz[20] ^= 0xff;
	gz[21] ^= 0xff;
	CHECK(collect_report_bytes(c, gz, len, NULL) == RB_OK);
	CHECK(strstr(ev_str(first_of(c, "error"), "error"), "gzip") != NULL);
	collected_free(c);
	free(gz);

	/* A zip whose central directory is cut off still yields its member. */
	unsigned char *zip = read_whole_file("tests/data/dmarc/report.zip", &len);
	CHECK(collect_report_bytes(c, zip, len - 22, NULL) == RB_OK);
	CHECK(count_of(c, "dmarc_report") == 1);
	collected_free(c);
	/* A zip cut inside its member: an error, no crash. */
	CHECK(collect_report_bytes(c, zip, 60, NULL) == RB_OK);
	CHECK(count_of(c, "error") == 1);
	collected_free(c);
	free(zip);
	free(c);
}

static void test_sniff(void)
{
	CHECK(rb_payload_sniff((const unsigned char *)"\x1f\x8b\x08", 3) == RB_PAYLOAD_GZIP);
	CHECK(rb_payload_sniff((const unsigned char *)"PK\x03\x04", 4) == RB_PAYLOAD_ZIP);
	CHECK(rb_payload_sniff((const unsigned char *)"\xef\xbb\xbf  <feedback>", 15) ==
	      RB_PAYLOAD_XML);
	CHECK(rb_payload_sniff((const unsigned char *)"\n {\"a\":1}", 9) == RB_PAYLOAD_JSON);
	CHECK(rb_payload_sniff((const unsigned char *)"From: a@b\n", 10) == RB_PAYLOAD_UNKNOWN);
	CHECK(rb_payload_sniff((const unsigned char *)"", 0) == RB_PAYLOAD_UNKNOWN);
}

int main(void)
{
	test_sniff();
	test_bombs();
	test_broken_streams();
	return check_done();
}
