/* A minimal checker for the C unit tests: CHECK counts failures, DONE exits. */
#ifndef TT_TAP_H
#define TT_TAP_H
#include <stdio.h>
static int tap_failures, tap_checks;
#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		tap_checks++;                                                   \
		if (!(cond)) {                                                  \
			tap_failures++;                                         \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
		}                                                               \
	} while (0)
#define DONE()                                                                  \
	do {                                                                    \
		printf("%d checks, %d failed\n", tap_checks, tap_failures);     \
		return tap_failures ? 1 : 0;                                    \
	} while (0)
#endif
