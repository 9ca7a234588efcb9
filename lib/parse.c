/*
 * parse: configuration values.  Plain decimal numbers only (no hex, no
 * exponent), a unit suffix, surrounding blanks allowed.
 */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int parse_number(const char *s, double *v, const char **end)
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
	if (parse_number(s, &v, &e) < 0) {
		*why = "not a duration (examples: 500ms, 2s, 1m, 1h)";
		return -1;
	}
	if (rest_is(e, "M") && *e == 'M') {
		/* the units take either case, but a size's M is mega: "1M" is
		 * more likely a million than a minute */
		*why = "M is not a unit of time (m: minutes, ms: milliseconds)";
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
	if (parse_number(s, &v, &e) < 0) {
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
			if (r != floor(r)) {
				/* 1.5k is 1500; 100.5 is not a count */
				*why = "not a whole number";
				return -1;
			}
			*out = (uint64_t)r;
			return 0;
		}
	}
	*why = "unknown unit (use k, M, G, Ki, Mi or Gi)";
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
	if (parse_number(s, v, &e) < 0 || !rest_is(e, "")) {
		*why = "not a number of the plain kind: digits, a point (no sign or exponent)";
		return -1;
	}
	return 0;
}

int parse_hostport(const char *s, size_t n, char *host, size_t hostsz, long *port, const char **why)
{
	const char *h = s, *ps = NULL;
	size_t hn = n;
	*port = -1;
	if (n && s[0] == '[') {
		const char *e = memchr(s, ']', n);
		if (!e) {
			*why = "a '[' without its ']'";
			return -1;
		}
		h = s + 1;
		hn = (size_t)(e - h);
		if (hn && !memchr(h, ':', hn)) {
			*why = "brackets hold an IPv6 address";
			return -1;
		}
		if (e + 1 < s + n) {
			if (e[1] != ':') {
				*why = "only :PORT may follow ']'";
				return -1;
			}
			ps = e + 2;
		}
	} else {
		const char *c = memchr(s, ':', n);
		/* one colon: ADDR:PORT; more: a bare IPv6 address */
		if (c && !memchr(c + 1, ':', n - (size_t)(c + 1 - s))) {
			hn = (size_t)(c - s);
			ps = c + 1;
		}
	}
	if (!hn) {
		*why = "no address";
		return -1;
	}
	if (hn >= hostsz) {
		*why = "the address is too long";
		return -1;
	}
	if (ps) {
		size_t pn = n - (size_t)(ps - s);
		long v = 0;
		for (size_t i = 0; i < pn && v <= 65535; i++)
			v = isdigit((unsigned char)ps[i]) ? v * 10 + (ps[i] - '0') : 65536;
		if (!pn || v > 65535) {
			*why = "the port is not a number up to 65535";
			return -1;
		}
		*port = v;
	}
	memcpy(host, h, hn);
	host[hn] = 0;
	return 0;
}
