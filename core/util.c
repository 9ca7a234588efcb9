/*
 * util: messages, allocation that cannot fail, value parsers, clocks.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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

/* A non-negative decimal number with an optional fraction; *end after it. */
static int number(const char *s, double *v, const char **end)
{
	while (isspace((unsigned char)*s))
		s++;
	/* plain decimal only: strtod would also take hex and exponents */
	const char *q = s;
	while (isdigit((unsigned char)*q))
		q++;
	if (*q == '.')
		for (q++; isdigit((unsigned char)*q);)
			q++;
	if (q == s || (q == s + 1 && *s == '.') || *q == 'x' || *q == 'X' ||
	    ((*q == 'e' || *q == 'E') && (isdigit((unsigned char)q[1]) || q[1] == '+' || q[1] == '-')))
		return -1;
	char *e;
	errno = 0;
	*v = strtod(s, &e);
	if (errno || !isfinite(*v) || *v < 0)
		return -1;
	*end = e;
	return 0;
}

static int rest_is(const char *e, const char *suffix)
{
	size_t n = strlen(suffix);
	if (strncasecmp(e, suffix, n))
		return 0;
	for (e += n; *e; e++)
		if (!isspace((unsigned char)*e))
			return 0;
	return 1;
}

int parse_duration(const char *s, int64_t *us, const char **why)
{
	double v;
	const char *e;
	static const struct { const char *sfx; double mul; } units[] = {
		{"us", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}, {"d", 86400e6}, {"", 1e6},
	};
	if (number(s, &v, &e) < 0) {
		*why = "not a duration (examples: 500ms, 2s, 1m, 1h)";
		return -1;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (rest_is(e, units[i].sfx)) {
			double r = v * units[i].mul;
			if (r > 1e15) {
				*why = "duration too long";
				return -1;
			}
			*us = (int64_t)llround(r);
			return 0;
		}
	}
	*why = "unknown duration unit (use us, ms, s, m, h or d)";
	return -1;
}

int parse_size(const char *s, uint64_t *out, const char **why)
{
	double v;
	const char *e;
	static const struct { const char *sfx; double mul; } units[] = {
		{"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"Ki", 1024.0}, {"Mi", 1048576.0},
		{"Gi", 1073741824.0}, {"", 1},
	};
	if (number(s, &v, &e) < 0) {
		*why = "not a number (examples: 1000, 64k, 32M, 1G)";
		return -1;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t n = strlen(units[i].sfx);
		if (strncmp(e, units[i].sfx, n) == 0 && rest_is(e + n, "")) {
			double r = v * units[i].mul;
			if (r > 1.8e19) {
				*why = "number too large";
				return -1;
			}
			*out = (uint64_t)llround(r);
			return 0;
		}
	}
	*why = "unknown unit (use k, M or G)";
	return -1;
}

int parse_bool(const char *s, int *v, const char **why)
{
	static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*v = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*v = 0;
			return 0;
		}
	}
	*why = "not a boolean (use yes or no)";
	return -1;
}

int parse_double(const char *s, double *v, const char **why)
{
	const char *e;
	if (number(s, v, &e) < 0 || !rest_is(e, "")) {
		*why = "not a number";
		return -1;
	}
	return 0;
}

int64_t now_realtime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t now_monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
