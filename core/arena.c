/*
 * arena.c - a bump allocator: blocks of at least 64 KiB, freed together.
 *
 * Why hand-written: one message's parse makes thousands of small strings that all die
 * together; a pool makes "who frees this" a non-question (Dovecot's pool_t idea).
 *
 * Under AddressSanitizer a block's free room is poisoned and every allocation is
 * followed by a poisoned gap, so a write or read past the end of an arena string is
 * caught as it would be past a malloc'd one (without this, only the end of a 64 KiB
 * block was guarded, and the ASan tests missed a one-byte overflow the fuzzer found).
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_MIN (64 * 1024)
#define ARENA_ALIGN 16

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_REDZONE ARENA_ALIGN /* the poisoned gap after each allocation */
#define ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_REDZONE 0
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

struct rb_arena {
	struct arena_block *head;
	size_t total;
	bool failed;
};

struct rb_arena *rb_arena_new(void)
{
	return calloc(1, sizeof(struct rb_arena));
}

void rb_arena_free(struct rb_arena **arena)
{
	if (arena == NULL || *arena == NULL)
		return;
	struct arena_block *b = (*arena)->head;
	while (b != NULL) {
		struct arena_block *next = b->next;
		ARENA_UNPOISON(b->data, b->size);
		free(b);
		b = next;
	}
	free(*arena);
	*arena = NULL;
}

void rb_arena_reset(struct rb_arena *arena)
{
	struct arena_block *keep = NULL;
	struct arena_block *b = arena->head;
	while (b != NULL) {
		struct arena_block *next = b->next;
		if (keep == NULL && b->size == ARENA_BLOCK_MIN) {
			keep = b;
		} else {
			ARENA_UNPOISON(b->data, b->size);
			free(b);
		}
		b = next;
	}
	if (keep != NULL) {
		keep->next = NULL;
		keep->used = 0;
		ARENA_POISON(keep->data, keep->size);
	}
	arena->head = keep;
	arena->total = 0;
	arena->failed = false;
}

void *rb_arena_alloc_unzeroed(struct rb_arena *arena, size_t size)
{
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX / 2) {
		arena->failed = true;
		return NULL;
	}
	size_t asked = size;
	size = (size + ARENA_REDZONE + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct arena_block *b = arena->head;
	if (b == NULL || b->size - b->used < size) {
		size_t bsize = size > ARENA_BLOCK_MIN ? size : ARENA_BLOCK_MIN;
		b = malloc(sizeof(*b) + bsize);
		if (b == NULL) {
			arena->failed = true;
			return NULL;
		}
		b->size = bsize;
		b->used = 0;
		ARENA_POISON(b->data, bsize);
		/* A big one-off block goes behind the head so the head keeps its free room. */
		if (arena->head != NULL && size > ARENA_BLOCK_MIN) {
			b->next = arena->head->next;
			arena->head->next = b;
		} else {
			b->next = arena->head;
			arena->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	arena->total += size;
	ARENA_UNPOISON(p, asked);
	(void)asked;
	return p;
}

void *rb_arena_alloc(struct rb_arena *arena, size_t size)
{
	void *p = rb_arena_alloc_unzeroed(arena, size);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void *rb_arena_realloc(struct rb_arena *arena, void *old, size_t old_size, size_t new_size)
{
	unsigned char *p = rb_arena_alloc_unzeroed(arena, new_size);
	if (p == NULL)
		return NULL;
	size_t kept = old == NULL ? 0 : old_size < new_size ? old_size : new_size;
	if (kept > 0)
		memcpy(p, old, kept);
	memset(p + kept, 0, new_size - kept); /* only the new room is zeroed */
	return p;
}

char *rb_arena_strndup(struct rb_arena *arena, const char *s, size_t n)
{
	if (s == NULL)
		n = 0;
	char *p = rb_arena_alloc_unzeroed(arena, n + 1);
	if (p == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *rb_arena_strdup(struct rb_arena *arena, const char *s)
{
	return rb_arena_strndup(arena, s, s == NULL ? 0 : strlen(s));
}

char *rb_arena_printf(struct rb_arena *arena, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = rb_arena_alloc_unzeroed(arena, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t rb_arena_used(const struct rb_arena *arena)
{
	return arena->total;
}

bool rb_arena_failed(const struct rb_arena *arena)
{
	return arena->failed;
}
