/*
 * util: messages, exit codes, allocation that cannot fail, clocks.  (The
 * parsers of configuration values are in parse.h.)
 */
#ifndef TT_UTIL_H
#define TT_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* sysexits(3) */
#define EX_OK_ 0
#define EXIT_USAGE 64
#define EXIT_DATAERR 65
#define EXIT_NOINPUT 66
#define EXIT_UNAVAILABLE 69
#define EXIT_SOFTWARE 70
#define EXIT_OSERR 71
#define EXIT_CANTCREAT 73
#define EXIT_IOERR 74
#define EXIT_NOPERM 77
#define EXIT_CONFIG 78

/* Called before exiting on a fatal error (restores the terminal). */
extern void (*util_atfatal)(void);
/* While set, messages are kept (a terminal view owns the screen) and
 * printed by util_flush_messages(). */
extern int util_hold_messages;

void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmsg(const char *prefix, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void util_flush_messages(void);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Of the NULL-terminated known words, the one word is likely a typo of,
 * or NULL. */
const char *util_nearest(const char *word, const char *const *known);
/* Why a file that tcptrack reads code or configuration from must not be
 * trusted (into buf), or NULL: writable by others; running as root, also
 * owned by someone else than root, or in a directory others may change
 * (tcptrack.conf(5), "Trust"). */
struct stat;
const char *util_untrusted(const char *path, const struct stat *st, char *buf, size_t len);

/* The system clock, in microseconds (the live capture clock); the
 * monotonic one is lib/mono's. */
int64_t now_realtime_us(void);

#endif
