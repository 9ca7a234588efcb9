/*
 * parse: the parsers for configuration values, shared by the core and the
 * plugins (linked into both), so that every key takes the same spellings.
 * 0 on success, -1 with a reason in *why.
 */
#ifndef TT_PARSE_H
#define TT_PARSE_H

#include <stddef.h>
#include <stdint.h>

int parse_duration(const char *s, int64_t *us, const char **why); /* 500us 100ms 2s 1m 1h 1d; bare = s */
int parse_size(const char *s, uint64_t *v, const char **why);     /* 1k 32M 2G 64Ki; bare = units */
int parse_bool(const char *s, int *v, const char **why);          /* yes no true false on off 1 0 */
int parse_double(const char *s, double *v, const char **why);
/* The number the others read: plain decimal (digits, optionally a point and
 * digits; no sign, hex or exponent) after optional blanks; *end after it.
 * For a value that goes on (a range, a unit of its own).  0, or -1. */
int parse_number(const char *s, double *v, const char **end);

/* ADDR[:PORT] in the n bytes at s (not NUL-terminated: a list's item): an
 * IPv6 address as [ADDR] or [ADDR]:PORT (brackets hold nothing else), or
 * bare, and then with no port (its colons are its own: "::1:9100" is one
 * address).  host gets ADDR, NUL-terminated, in hostsz bytes at most;
 * *port the port (digits only, 0 to 65535), -1 when there is none.
 * Whether an address or a port is required, and which, is the caller's:
 * this only splits. */
int parse_hostport(const char *s, size_t n, char *host, size_t hostsz, long *port, const char **why);

#endif
