/*
 * parse.c - `rebound parse [--jsonl|--summary] PATH...`
 *
 * Classifies every message and report under the paths (files, directories, mbox
 * files, bare reports, "-" for stdin) and prints one JSON event per line (schema v1,
 * docs/events.md), or with --summary a count of events by type and of bounces by
 * reason. Inputs that cannot be read are named on stderr and make the exit status 1;
 * the other inputs are still processed.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "ingest/files.h"
#include "rebound/rebound.h"

#define SUMMARY_MAX_KEYS 128
/* 64 KiB: a write per 64 KiB of events costs less than first touches of a larger
 * buffer, each a page fault (2.5 us on the bench machine; 1 MiB was 256 of them, 0.6 ms
 * of an 84 ms run). */
#define PARSE_STDOUT_BUFFER (64 << 10)

struct summary_row {
	char key[64];
	unsigned long count;
};

struct parse_run {
	struct rb_limits limits;
	struct rb_parser *parser; /* kept from message to message */
	bool summary;
	unsigned long messages, events, unreadable, problems;
	unsigned long by_type[RB_EVENT_TYPE_COUNT];
	struct summary_row reasons[SUMMARY_MAX_KEYS];
	size_t reason_count;
};

static void count_reason(struct parse_run *run, const char *reason)
{
	for (size_t i = 0; i < run->reason_count; i++) {
		if (strcmp(run->reasons[i].key, reason) == 0) {
			run->reasons[i].count++;
			return;
		}
	}
	if (run->reason_count < SUMMARY_MAX_KEYS) {
		struct summary_row *r = &run->reasons[run->reason_count++];
		snprintf(r->key, sizeof(r->key), "%s", reason);
		r->count = 1;
	}
}

static enum rb_status emit_event(void *ctx, const struct rb_event *event, struct rb_error *err)
{
	struct parse_run *run = ctx;
	enum rb_event_type type = rb_event_type(event);
	size_t len = 0;
	const char *json = rb_event_json(event, &len);
	run->events++;
	run->by_type[type]++;
	if (type == RB_EVENT_ERROR)
		run->problems++;
	if (run->summary) {
		if (type == RB_EVENT_BOUNCE) {
			json_object *o = json_tokener_parse(json);
			json_object *reason = NULL;
			if (o != NULL && json_object_object_get_ex(o, "reason", &reason))
				count_reason(run, json_object_get_string(reason));
			json_object_put(o);
		}
		return RB_OK;
	}
	if (fwrite(json, 1, len, stdout) != len || fputc('\n', stdout) == EOF)
		return rb_error_set(err, RB_ERR_IO, "cannot write to standard output");
	return RB_OK;
}

static enum rb_status on_message(void *ctx, const unsigned char *data, size_t len,
				 size_t full_len, const struct rb_source *source)
{
	struct parse_run *run = ctx;
	struct rb_error err = {0};
	run->messages++;
	/* An oversize message was cut by the reader: hand over the full length so the
	 * library records it as too big, with only the bytes that were kept. */
	struct rb_limits limits = run->limits;
	if (full_len > len)
		limits.max_message_bytes = len > 0 ? len - 1 : 1;
	enum rb_status st =
	    rb_parser_parse_message(run->parser, data, len, source, &limits, emit_event, run, &err);
	if (st != RB_OK) {
		fprintf(stderr, "rebound parse: %s: %s\n", source->path ? source->path : "-",
			err.message);
		run->unreadable++;
	}
	return st == RB_ERR_ABORTED ? st : RB_OK;
}

static enum rb_status on_report(void *ctx, const unsigned char *head, size_t head_len,
				rb_read_fn read, void *read_ctx, const struct rb_source *source)
{
	struct parse_run *run = ctx;
	struct rb_error err = {0};
	run->messages++;
	enum rb_status st = rb_parse_report_stream(head, head_len, read, read_ctx, source,
						   &run->limits, emit_event, run, &err);
	if (st != RB_OK) {
		fprintf(stderr, "rebound parse: %s: %s\n", source->path ? source->path : "-",
			err.message);
		run->unreadable++;
	}
	return st == RB_ERR_ABORTED ? st : RB_OK;
}

static void on_error(void *ctx, const char *path, const char *message)
{
	struct parse_run *run = ctx;
	fprintf(stderr, "rebound parse: %s: %s\n", path, message);
	run->unreadable++;
}

static int compare_rows(const void *a, const void *b)
{
	const struct summary_row *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void print_summary(struct parse_run *run)
{
	printf("%lu messages, %lu events\n\n", run->messages, run->events);
	printf("%-16s %8s\n", "event type", "count");
	for (int t = 0; t < RB_EVENT_TYPE_COUNT; t++)
		if (run->by_type[t] > 0)
			printf("%-16s %8lu\n", rb_event_type_name((enum rb_event_type)t),
			       run->by_type[t]);
	if (run->reason_count > 0) {
		qsort(run->reasons, run->reason_count, sizeof(run->reasons[0]), compare_rows);
		printf("\n%-16s %8s\n", "bounce reason", "count");
		for (size_t i = 0; i < run->reason_count; i++)
			printf("%-16s %8lu\n", run->reasons[i].key, run->reasons[i].count);
	}
}

static void parse_usage(FILE *out)
{
	fprintf(out,
		"usage: rebound parse [--jsonl | --summary] PATH...\n"
		"  PATH   a message file, a directory (maildir or plain files, recursive),\n"
		"         an mbox file, a bare DMARC/TLS report (XML, JSON, zip, gzip), or -\n"
		"  --jsonl    one JSON event per line on stdout (default)\n"
		"  --summary  counts of events by type and of bounces by reason\n");
}

int rb_cmd_parse(int argc, char **argv)
{
	struct parse_run *run = calloc(1, sizeof(*run));
	if (run == NULL) {
		fprintf(stderr, "rebound parse: out of memory\n");
		return 1;
	}
	rb_limits_default(&run->limits);
	run->parser = rb_parser_new();
	if (run->parser == NULL) {
		fprintf(stderr, "rebound parse: out of memory\n");
		free(run);
		return 1;
	}
	int first_path = argc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--jsonl") == 0) {
			run->summary = false;
		} else if (strcmp(argv[i], "--summary") == 0) {
			run->summary = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			parse_usage(stdout);
			rb_parser_free(&run->parser);
			free(run);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			first_path = i + 1;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "rebound parse: unknown option '%s'\n", argv[i]);
			parse_usage(stderr);
			rb_parser_free(&run->parser);
			free(run);
			return 2;
		} else {
			first_path = i;
			break;
		}
	}
	if (first_path >= argc) {
		parse_usage(stderr);
		rb_parser_free(&run->parser);
		free(run);
		return 2;
	}
	/* A pipe or a file gets events in large writes (glibc's default is a write per
	 * 4 KiB of output); a terminal keeps its line buffering. glibc ignores the size
	 * when setvbuf() is given no buffer, so the buffer is ours; static, because stdout
	 * uses it until exit. */
	static char stdout_buffer[PARSE_STDOUT_BUFFER];
	if (!run->summary && !isatty(fileno(stdout)))
		setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));
	struct rb_ingest_handler handler = {
		.on_message = on_message,
		.on_report = on_report,
		.on_error = on_error,
		.ctx = run,
		.max_message_bytes = run->limits.max_message_bytes,
	};
	int status = 0;
	for (int i = first_path; i < argc; i++) {
		struct rb_error err = {0};
		enum rb_status st = rb_ingest_path(argv[i], &handler, &err);
		if (st != RB_OK) {
			fprintf(stderr, "rebound parse: %s: %s\n", argv[i], err.message);
			status = 1;
			break;
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "rebound parse: cannot write to standard output\n");
		status = 1;
	}
	if (run->summary)
		print_summary(run);
	if (run->problems > 0)
		fprintf(stderr,
			"rebound parse: %lu message(s) could not be parsed; see their error "
			"events\n",
			run->problems);
	if (run->unreadable > 0) {
		fprintf(stderr, "rebound parse: %lu input(s) could not be read\n",
			run->unreadable);
		status = 1;
	}
	rb_parser_free(&run->parser);
	free(run);
	return status;
}
