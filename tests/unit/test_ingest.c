/*
 * test_ingest.c - ingest/: mbox splitting and unescaping, directory walks, limits.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/sha256.h"
#include "ingest/files.h"
#include "tests/common/mbox_reference.h"

struct seen {
	char paths[16][256];
	char bodies[16][256];
	size_t full_len[16];
	size_t count, errors, reports;
};

static enum rb_status on_message(void *ctx, const unsigned char *data, size_t len,
				 size_t full_len, const struct rb_source *source)
{
	struct seen *s = ctx;
	if (s->count < 16) {
		snprintf(s->paths[s->count], 256, "%s:%s", source->kind, source->path);
		snprintf(s->bodies[s->count], 256, "%.*s", (int)len, (const char *)data);
		s->full_len[s->count] = full_len;
	}
	s->count++;
	return RB_OK;
}

static enum rb_status on_report(void *ctx, const unsigned char *head, size_t head_len,
				rb_read_fn read, void *read_ctx, const struct rb_source *source)
{
	(void)head;
	(void)head_len;
	(void)read;
	(void)read_ctx;
	(void)source;
	((struct seen *)ctx)->reports++;
	return RB_OK;
}

static void on_error(void *ctx, const char *path, const char *message)
{
	(void)path;
	(void)message;
	((struct seen *)ctx)->errors++;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	fputs(text, f);
	fclose(f);
}

static size_t hashes_given, hashes_wrong;

/* A message's hash, when the reader gives one, is the SHA-256 of the bytes it gives. */
static enum rb_status on_digest(void *ctx, const unsigned char *data, size_t len,
				size_t full_len, const struct rb_source *source)
{
	if (source->sha256 != NULL) {
		char want[65];
		rb_sha256_hex(data, len, want);
		hashes_given++;
		hashes_wrong += strcmp(source->sha256, want) != 0;
	}
	digest_add(ctx, data, len, full_len);
	return RB_OK;
}

/* Random mboxes (separators, escaped and unescaped "From " lines, "From " inside
 * lines, lines that start like a separator, lines longer than the reader's 1 MiB
 * block, messages across its blocks, no final newline) split as the line-by-line
 * rules say. */
static void test_mbox_rules(const char *dir)
{
	static const char *const lines[] = {
	    "From a@example.com Mon Jan  1 00:00:00 2024\n", ">From the start\n",
	    ">>>From deep\n", "x From inside\n", "From\n", "From \n", "Subject: s\n", "\n",
	    "> quoted\n", "body text From here From there\n", ">x>From no\n", "FROM loud\n",
	    /* lines that start as a separator does but are none: the reader's fast scan
	     * must pass over them, and stop at the real ones */
	    "From: a@example.com\n", "Final-Recipient: rfc822; a@b\n", "Fro\n", "FromX y\n",
	    "F\n", ">\n"};
	char path[512];
	snprintf(path, sizeof(path), "%s/random-mbox", dir);
	uint32_t seed = 4155;
	int compared = 0;
	for (int round = 0; round < 60; round++) {
		size_t cap = 4u << 20, n = 0;
		char *text = malloc(cap);
		/* Every third round is megabytes of short lines: messages then straddle
		 * the reader's 1 MiB blocks, with and without escaped lines. */
		int count = round % 3 == 1 ? 100000 + (int)(seed % 50000) : 1 + (int)(seed % 400);
		if (round % 4 != 3) { /* most start as an mbox does */
			memcpy(text, lines[0], strlen(lines[0]));
			n = strlen(lines[0]);
		}
		for (int k = 0; k < count; k++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t r = seed >> 8;
			if (r % 97 == 0 && round % 5 == 0) {
				/* a line longer than the reader's block */
				size_t long_len = (1u << 20) + r % 5000;
				if (n + long_len + 2 < cap) {
					memset(text + n, (r & 1) ? 'F' : '>', long_len);
					n += long_len;
					text[n++] = '\n';
				}
				continue;
			}
			const char *l = lines[r % (sizeof(lines) / sizeof(lines[0]))];
			size_t ll = strlen(l);
			if (n + ll < cap) {
				memcpy(text + n, l, ll);
				n += ll;
			}
		}
		if (round % 3 == 0 && n > 0 && text[n - 1] == '\n')
			n--; /* no final newline */
		FILE *f = fopen(path, "wb");
		fwrite(text, 1, n, f);
		fclose(f);
		size_t max = round % 2 ? 64 : (8u << 20);
		struct digest_list got = {0}, want = {0};
		struct rb_ingest_handler h = {.on_message = on_digest,
					      .on_report = on_report,
					      .on_error = on_error,
					      .ctx = &got,
					      .max_message_bytes = max,
					      /* some rounds read in tiny blocks, the rest
					       * in 1 MiB ones, which the long lines exceed */
					      .read_block_bytes = round % 5 == 2 ? 7 : 1u << 20};
		struct rb_error err = {0};
		/* rb_ingest_path sniffs the first line: a file that does not start with
		 * "From " is one message, not an mbox. */
		bool is_mbox = n >= 5 && memcmp(text, "From ", 5) == 0;
		CHECK(rb_ingest_path(path, &h, &err) == RB_OK);
		if (is_mbox) {
			compared++;
			reference_split(text, n, max, &want);
			bool same = got.count == want.count;
			for (size_t i = 0; same && i < got.count; i++)
				same = got.items[i].len == want.items[i].len &&
				       got.items[i].full_len == want.items[i].full_len &&
				       got.items[i].hash == want.items[i].hash;
			if (!same)
				fprintf(stderr, "mbox round %d: %zu messages, reference %zu\n", round,
					got.count, want.count);
			CHECK(same);
		}
		free(got.items);
		free(want.items);
		free(text);
	}
	CHECK(compared >= 45);
	CHECK(hashes_given > 100000 && hashes_wrong == 0);
	unlink(path);
}

int main(void)
{
	char dir[] = "/tmp/rebound-test-ingest-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[512];

	struct seen s = {0};
	struct rb_ingest_handler h = {.on_message = on_message,
				      .on_report = on_report,
				      .on_error = on_error,
				      .ctx = &s,
				      .max_message_bytes = 1024};
	struct rb_error err = {0};

	/* mbox: three messages, an escaped From line, a message over the limit. */
	snprintf(path, sizeof(path), "%s/box", dir);
	char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	FILE *f = fopen(path, "wb");
	fprintf(f, "From a@example.com Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From the "
		   "start\n\nFrom b@example.com Mon Jan  1 00:00:00 2024\nSubject: two\n\nbody\n"
		   "From c@example.com Mon Jan  1 00:00:00 2024\nSubject: three\n\n%s\n",
		big);
	fclose(f);
	CHECK(rb_ingest_path(path, &h, &err) == RB_OK);
	CHECK(s.count == 3);
	char want[600];
	snprintf(want, sizeof(want), "mbox:%s#1", path);
	CHECK_STR(s.paths[0], want);
	CHECK_STR(s.bodies[0], "Subject: one\n\nFrom the start\n\n");
	snprintf(want, sizeof(want), "mbox:%s#3", path);
	CHECK_STR(s.paths[2], want);
	CHECK(s.full_len[2] > 1024);
	CHECK(strlen(s.bodies[2]) == 255); /* the test's copy is cut at 255 */
	unlink(path);

	/* Lines read in blocks: a 3 MB line (longer than the reader's block) stays one
	 * line, and a last line without its newline is kept. */
	memset(&s, 0, sizeof(s));
	h.max_message_bytes = 8u << 20;
	snprintf(path, sizeof(path), "%s/long", dir);
	size_t long_len = 3u << 20;
	char *longline = malloc(long_len + 1);
	memset(longline, 'y', long_len);
	longline[long_len] = '\0';
	f = fopen(path, "wb");
	fprintf(f, "From a@example.com Mon Jan  1 00:00:00 2024\nSubject: long\n\n%s\n"
		   "From b@example.com Mon Jan  1 00:00:00 2024\nSubject: last\n\nno newline",
		longline);
	fclose(f);
	CHECK(rb_ingest_path(path, &h, &err) == RB_OK);
	CHECK(s.count == 2);
	CHECK(s.full_len[0] == strlen("Subject: long\n\n") + long_len + 1);
	CHECK_STR(s.bodies[1], "Subject: last\n\nno newline");
	free(longline);
	unlink(path);
	h.max_message_bytes = 1024;

	/* A directory: name order, tmp/ and dot files skipped, a report file streamed. */
	memset(&s, 0, sizeof(s));
	snprintf(path, sizeof(path), "%s/maildir", dir);
	mkdir(path, 0700);
	char sub[600];
	const char *subdirs[] = {"cur", "new", "tmp"};
	for (int i = 0; i < 3; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, subdirs[i]);
		mkdir(sub, 0700);
	}
	snprintf(sub, sizeof(sub), "%s/new/2", path);
	write_file(sub, "Subject: second\n\nx\n");
	snprintf(sub, sizeof(sub), "%s/new/1", path);
	write_file(sub, "Subject: first\n\nx\n");
	snprintf(sub, sizeof(sub), "%s/tmp/half", path);
	write_file(sub, "Subject: half-written\n");
	snprintf(sub, sizeof(sub), "%s/cur/.hidden", path);
	write_file(sub, "Subject: hidden\n");
	CHECK(rb_ingest_path(path, &h, &err) == RB_OK);
	CHECK(s.count == 2);
	snprintf(want, sizeof(want), "file:%s/new/1", path);
	CHECK_STR(s.paths[0], want);
	CHECK(s.errors == 0);

	/* A path that does not exist: reported, the walk goes on. */
	memset(&s, 0, sizeof(s));
	CHECK(rb_ingest_path("/nonexistent/rebound/path", &h, &err) == RB_OK);
	CHECK(s.errors == 1 && s.count == 0);

	test_mbox_rules(dir);

	/* Clean up. */
	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	CHECK(system(sub) == 0);
	return check_done();
}
