/*
 * files.c - walk the paths given to `rebound parse`.
 *
 * What a path is, is decided by what it holds, not by its name: a directory is walked
 * (entries in byte order, so output is deterministic; maildir "tmp" folders and dot
 * files are skipped as they hold half-written mail); a file whose first line starts
 * with "From " is an mbox; a file whose first bytes are a report payload (see
 * rb_payload_is_report) is streamed as a report; anything else is one message.
 *
 * Limits: a message file larger than max_message_bytes is read only up to the limit
 * and handed over with its full size, so the caller can record the error in bounded
 * memory. Directory depth is capped at 64 (symlink loops end there).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/files.h"

#define WALK_MAX_DEPTH 64
#define HEAD_BYTES 512

struct file_reader {
	FILE *f;
};

static enum rb_status file_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				struct rb_error *err)
{
	struct file_reader *r = ctx;
	size_t n = fread(buf, 1, cap, r->f);
	*got_r = n;
	if (n == 0 && ferror(r->f))
		return rb_error_set(err, RB_ERR_IO, "read failed: %s", strerror(errno));
	return RB_OK;
}

static enum rb_status ingest_stream(FILE *f, const char *label, const char *kind,
				    const struct rb_ingest_handler *h, struct rb_error *err)
{
	unsigned char head[HEAD_BYTES];
	size_t head_len = fread(head, 1, sizeof(head), f);
	if (head_len == 0 && ferror(f)) {
		h->on_error(h->ctx, label, strerror(errno));
		return RB_OK;
	}
	struct rb_source src = {.kind = kind, .path = label};
	if (head_len >= 5 && memcmp(head, "From ", 5) == 0) {
		/* Put the head back in front of the rest through a memory+file reader is
		 * not possible with getline; rewind instead when the file is seekable. */
		if (fseek(f, 0, SEEK_SET) == 0)
			return rb_ingest_mbox(f, label, strcmp(kind, "stdin") ? "mbox" : kind, h,
					      err);
		/* stdin: feed the head through a temporary file stream. */
		FILE *tmp = tmpfile();
		if (tmp == NULL)
			return rb_error_set(err, RB_ERR_IO, "%s: cannot make a temporary file: %s",
					    label, strerror(errno));
		fwrite(head, 1, head_len, tmp);
		unsigned char buf[65536];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, tmp);
		rewind(tmp);
		enum rb_status st = rb_ingest_mbox(tmp, label, kind, h, err);
		fclose(tmp);
		return st;
	}
	if (rb_payload_is_report(head, head_len)) {
		struct file_reader r = {.f = f};
		return h->on_report(h->ctx, head, head_len, file_read, &r, &src);
	}
	/* One message: read it whole, up to the limit. */
	size_t max = h->max_message_bytes;
	size_t cap = head_len < 65536 ? 65536 : head_len, len = head_len, full = head_len;
	unsigned char *data = malloc(cap);
	if (data == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading %s", label);
	memcpy(data, head, head_len);
	for (;;) {
		unsigned char buf[65536];
		size_t n = fread(buf, 1, sizeof(buf), f);
		if (n == 0)
			break;
		full += n;
		if (len >= max)
			continue;
		if (len + n > max)
			n = max - len;
		if (len + n > cap) {
			while (cap < len + n)
				cap *= 2;
			unsigned char *nd = realloc(data, cap);
			if (nd == NULL) {
				free(data);
				return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading %s",
						    label);
			}
			data = nd;
		}
		memcpy(data + len, buf, n);
		len += n;
	}
	enum rb_status st = RB_OK;
	if (ferror(f))
		h->on_error(h->ctx, label, strerror(errno));
	else
		st = h->on_message(h->ctx, data, len, full, &src);
	free(data);
	return st;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum rb_status walk(const char *path, unsigned depth, const struct rb_ingest_handler *h,
			   struct rb_error *err);

static enum rb_status walk_dir(const char *path, unsigned depth,
			       const struct rb_ingest_handler *h, struct rb_error *err)
{
	if (depth >= WALK_MAX_DEPTH) {
		h->on_error(h->ctx, path, "directory nesting deeper than 64; not entered");
		return RB_OK;
	}
	DIR *d = opendir(path);
	if (d == NULL) {
		h->on_error(h->ctx, path, strerror(errno));
		return RB_OK;
	}
	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	enum rb_status st = RB_OK;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL) {
				st = rb_error_set(err, RB_ERR_NOMEM, "out of memory listing %s", path);
				break;
			}
			names = nn;
		}
		names[count] = strdup(de->d_name);
		if (names[count] == NULL) {
			st = rb_error_set(err, RB_ERR_NOMEM, "out of memory listing %s", path);
			break;
		}
		count++;
	}
	closedir(d);
	if (st == RB_OK && count > 1)
		qsort(names, count, sizeof(*names), compare_names);
	for (size_t i = 0; st == RB_OK && i < count; i++) {
		/* maildir: tmp/ holds messages still being written. */
		if (strcmp(names[i], "tmp") == 0)
			continue;
		size_t n = strlen(path) + strlen(names[i]) + 2;
		char *child = malloc(n);
		if (child == NULL) {
			st = rb_error_set(err, RB_ERR_NOMEM, "out of memory walking %s", path);
			break;
		}
		snprintf(child, n, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
			 names[i]);
		st = walk(child, depth + 1, h, err);
		free(child);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return st;
}

static enum rb_status walk(const char *path, unsigned depth, const struct rb_ingest_handler *h,
			   struct rb_error *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		h->on_error(h->ctx, path, strerror(errno));
		return RB_OK;
	}
	if (S_ISDIR(sb.st_mode))
		return walk_dir(path, depth, h, err);
	if (!S_ISREG(sb.st_mode)) {
		h->on_error(h->ctx, path, "not a regular file or directory; skipped");
		return RB_OK;
	}
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		h->on_error(h->ctx, path, strerror(errno));
		return RB_OK;
	}
	enum rb_status st = ingest_stream(f, path, "file", h, err);
	fclose(f);
	return st;
}

enum rb_status rb_ingest_path(const char *path, const struct rb_ingest_handler *handler,
			      struct rb_error *err)
{
	if (strcmp(path, "-") == 0)
		return ingest_stream(stdin, "-", "stdin", handler, err);
	return walk(path, 0, handler, err);
}
