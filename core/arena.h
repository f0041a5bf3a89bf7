/*
 * arena.h - one memory pool per message.
 *
 * Everything parsed from one message lives in its arena and is freed at once with
 * rb_arena_free(). Allocation never fails silently: on out-of-memory it returns NULL
 * and the arena remembers it (rb_arena_failed) so a parser can check once at the end.
 * Pointers returned are owned by the arena.
 */
#ifndef REBOUND_CORE_ARENA_H
#define REBOUND_CORE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct rb_arena;

struct rb_arena *rb_arena_new(void);
void rb_arena_free(struct rb_arena **arena);
/* Free everything allocated so far but keep one block of the usual size for what
 * comes next: a pool reused message after message allocates nothing per message. */
void rb_arena_reset(struct rb_arena *arena);

/* Zeroed memory, aligned for any type. NULL on out-of-memory. */
void *rb_arena_alloc(struct rb_arena *arena, size_t size);
/* The same, not zeroed: for text the caller writes in full before reading it. */
void *rb_arena_alloc_unzeroed(struct rb_arena *arena, size_t size);
/* Grow an array allocated from this arena (old contents copied; old block left). */
void *rb_arena_realloc(struct rb_arena *arena, void *old, size_t old_size, size_t new_size);
/* NUL-terminated copies. NULL input gives "". rb_arena_strndup copies exactly n bytes,
 * NULs among them (unlike strndup(3), it does not stop at one): n must not run past s. */
char *rb_arena_strdup(struct rb_arena *arena, const char *s);
char *rb_arena_strndup(struct rb_arena *arena, const char *s, size_t n);
char *rb_arena_printf(struct rb_arena *arena, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Bytes handed out so far (for tests and limits). */
size_t rb_arena_used(const struct rb_arena *arena);
bool rb_arena_failed(const struct rb_arena *arena);

#endif
