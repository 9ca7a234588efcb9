/*
 * util: messages, allocation that cannot fail, clocks.
 */
#include "util.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
	/* a message quotes the config and argv: their control bytes must not
	 * reach the terminal raw (an escape sequence could rewrite it) */
	char safe[sizeof line * 4];
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)line; *p && k + 5 < sizeof safe; p++) {
		if (*p < 0x20 || *p == 0x7f)
			k += (size_t)snprintf(safe + k, sizeof safe - k, "\\x%02x", *p);
		else
			safe[k++] = (char)*p;
	}
	safe[k] = 0;
	if (util_hold_messages) {
		if (nheld < HELD_MAX)
			held[nheld++] = strdup(safe);
		else
			nlost++;
		return;
	}
	fprintf(stderr, "%s\n", safe);
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

/* Edit distance with transpositions (optimal string alignment): the words
 * are keys, a few dozen bytes long. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return SIZE_MAX;
	unsigned char d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1u < best)
				best = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < best)
				best = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1u < best)
				best = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)best;
		}
	return d[la][lb];
}

const char *util_nearest(const char *word, const char *const *known)
{
	const char *best = NULL;
	size_t bd = SIZE_MAX;
	for (; known && *known; known++) {
		size_t d = distance(word, *known);
		if (d < bd) {
			bd = d;
			best = *known;
		}
	}
	/* a typo, not another word: at most two edits, and fewer than half
	 * the word's letters */
	return bd <= 2 && bd * 2 < strlen(word) ? best : NULL;
}

/* As sshd's StrictModes: owned by root or by us, and not writable by
 * others; a directory others may write is trusted only when sticky. */
static const char *untrusted_mode(const struct stat *st, int dir, int root, char *buf, size_t len)
{
	if (root && st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(buf, len, "owned by uid %u, neither root nor this user", (unsigned)st->st_uid);
		return buf;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(dir && (st->st_mode & S_ISVTX))) {
		snprintf(buf, len, "writable by %s", (st->st_mode & S_IWOTH) ? "everyone" : "its group");
		return buf;
	}
	return NULL;
}

const char *util_untrusted(const char *path, const struct stat *st, char *buf, size_t len)
{
	int root = geteuid() == 0;
	const char *why = untrusted_mode(st, 0, root, buf, len);
	if (why || !root)
		return why;
	/* running as root: also every directory up to / */
	char *real = realpath(path, NULL);
	if (!real && S_ISFIFO(st->st_mode))
		return NULL; /* an unnamed pipe (-c <(...)): our parent's, in no directory */
	if (!real) {
		snprintf(buf, len, "cannot resolve the path");
		return buf;
	}
	char *slash;
	while ((slash = strrchr(real, '/'))) {
		slash[slash == real] = 0; /* "/a" -> "/", "/a/b" -> "/a" */
		struct stat ds;
		if (stat(real, &ds) < 0 || (why = untrusted_mode(&ds, 1, root, buf, len))) {
			char tail[256];
			snprintf(tail, sizeof tail, "%s", why ? why : "cannot be read");
			snprintf(buf, len, "in directory %s, %s", real, tail);
			free(real);
			return buf;
		}
		if (!strcmp(real, "/"))
			break;
	}
	free(real);
	return NULL;
}
