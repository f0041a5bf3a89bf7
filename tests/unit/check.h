/*
 * check.h - the smallest test harness that says what failed and where.
 *
 * CHECK(cond) and CHECK_STR(got, want) record a failure with file:line and go on;
 * check_done() prints "N passed, N failed" and returns the exit status for main.
 */
#ifndef REBOUND_TESTS_CHECK_H
#define REBOUND_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (cond) {                                                           \
			check_passed++;                                               \
		} else {                                                              \
			check_failed++;                                               \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                               \
		}                                                                     \
	} while (0)

#define CHECK_STR(got, want)                                                          \
	do {                                                                          \
		const char *check_g_ = (got), *check_w_ = (want);                     \
		if (check_g_ != NULL && check_w_ != NULL && strcmp(check_g_, check_w_) == 0) { \
			check_passed++;                                               \
		} else {                                                              \
			check_failed++;                                               \
			fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", __FILE__,  \
				__LINE__, #got, check_g_ ? check_g_ : "(null)",       \
				check_w_ ? check_w_ : "(null)");                      \
		}                                                                     \
	} while (0)

static inline int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
