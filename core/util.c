/*
 * util: messages, allocation that cannot fail, clocks.
 */
#include "util.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

void (*util_atfatal)(void);
int util_hold_messages;

#define HELD_MAX 64
static char *held[HELD_MAX];
static int nheld, nlost;

void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof line, "tcptrack: %s", prefix ? prefix : "");
	if (n < 0)
		return;
	if ((size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (util_hold_messages) {
		if (nheld < HELD_MAX)
			held[nheld++] = strdup(line);
		else
			nlost++;
		return;
	}
	fprintf(stderr, "%s\n", line);
}

void msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

void util_flush_messages(void)
{
	util_hold_messages = 0;
	for (int i = 0; i < nheld; i++) {
		if (held[i])
			fprintf(stderr, "%s\n", held[i]);
		free(held[i]);
	}
	if (nlost)
		fprintf(stderr, "tcptrack: %d more messages not shown\n", nlost);
	nheld = nlost = 0;
}

void fatal(int code, const char *fmt, ...)
{
	if (util_atfatal)
		util_atfatal();
	util_flush_messages();
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	exit(code);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		fatal(EXIT_OSERR, "out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		fatal(EXIT_OSERR, "out of memory (%zu x %zu bytes)", n, m);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		fatal(EXIT_OSERR, "out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		fatal(EXIT_OSERR, "out of memory");
	return p;
}

int64_t now_realtime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
