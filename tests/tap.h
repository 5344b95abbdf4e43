/* A tiny TAP producer for the unit tests; `prove` runs and summarises them. */
#ifndef SNPBOOT_TAP_H
#define SNPBOOT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   Failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                                 \
	do {                                                                                   \
		long long tap_g = (long long)(got), tap_w = (long long)(want);                 \
		if (!ok(tap_g == tap_w, __VA_ARGS__))                                          \
			printf("#   got %lld, expected %lld\n", tap_g, tap_w);                   \
	} while (0)
#define is_str(got, want, ...)                                                                 \
	do {                                                                                   \
		const char *tap_g = (got), *tap_w = (want);                                    \
		if (!ok(tap_g && tap_w && strcmp(tap_g, tap_w) == 0, __VA_ARGS__))              \
			printf("#   got '%s', expected '%s'\n", tap_g ? tap_g : "(null)",         \
			       tap_w ? tap_w : "(null)");                                       \
	} while (0)
#define is_mem(got, want, len, ...) ok(memcmp((got), (want), (len)) == 0, __VA_ARGS__)
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

/* Ends the test: prints the plan and returns the exit status for main(). */
static inline int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* Path of the shared test vectors (../shared relative to the repo); SNPBOOT_SHARED overrides. */
static inline const char *shared_dir(void)
{
	const char *d = getenv("SNPBOOT_SHARED");
	return d ? d : "../shared";
}

#endif
