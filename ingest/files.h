/*
 * files.h - local inputs for `rebound parse`: a message file, a directory (walked
 * recursively in name order; maildir tmp/ folders skipped), an mbox file (recognized
 * by its first line, "From "), a bare report file (XML, JSON, zip, gzip: recognized
 * by its first bytes), or "-" for standard input.
 *
 * Each message is handed to on_message whole (bounded by limits->max_message_bytes:
 * a larger one is handed over cut, with `oversize` set, so the caller can record an
 * error event for it); each bare report is handed to on_report as a stream. Inputs
 * that cannot be read are reported through on_error and the walk goes on.
 */
#ifndef REBOUND_INGEST_FILES_H
#define REBOUND_INGEST_FILES_H

#include <stdbool.h>
#include <stdio.h>

#include "rebound/rebound.h"

struct rb_ingest_handler {
	/* One whole message. */
	enum rb_status (*on_message)(void *ctx, const unsigned char *data, size_t len,
				     size_t full_len, const struct rb_source *source);
	/* A bare report file: head bytes already read, the rest from `read`. */
	enum rb_status (*on_report)(void *ctx, const unsigned char *head, size_t head_len,
				    rb_read_fn read, void *read_ctx,
				    const struct rb_source *source);
	/* An input that could not be read (errno-style message); the walk goes on. */
	void (*on_error)(void *ctx, const char *path, const char *message);
	void *ctx;
	size_t max_message_bytes;
	/* Bytes an mbox is read in at a time (0: 2 MiB). Tests make it small so messages
	 * and lines cross many block boundaries. */
	size_t read_block_bytes;
};

/*
 * Walk one command-line argument. Returns RB_OK when the walk finished (even if some
 * inputs were reported through on_error), or the status a handler returned to stop.
 */
enum rb_status rb_ingest_path(const char *path, const struct rb_ingest_handler *handler,
			      struct rb_error *err);

/*
 * Split an mbox stream into messages (mboxrd: ">From " lines lose one '>'). `label`
 * is the path written into each source as "label#N", N counting from 1.
 */
enum rb_status rb_ingest_mbox(FILE *in, const char *label, const char *kind,
			      const struct rb_ingest_handler *handler, struct rb_error *err);

#endif
