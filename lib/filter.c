/*
 * filter: address prefixes and server ports.
 */
#include "filter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

int filter_prefix_parse(struct filter_prefix *p, const char *s)
{
	char a[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	memset(p, 0, sizeof *p);
	if (n >= sizeof a)
		return FILTER_BAD_ADDR;
	memcpy(a, s, n);
	a[n] = 0;
	if (inet_pton(AF_INET, a, p->addr) == 1)
		p->family = 4, p->bits = 32;
	else if (inet_pton(AF_INET6, a, p->addr) == 1)
		p->family = 6, p->bits = 128;
	else
		return FILTER_BAD_ADDR;
	if (slash) {
		double b;
		const char *e;
		if (parse_number(slash + 1, &b, &e) < 0 || *e || b != floor(b) || b > p->bits)
			return FILTER_BAD_LEN;
		p->bits = (uint8_t)b;
	}
	return 0;
}

int filter_prefix_match(const struct filter_prefix *p, int family, const uint8_t *a)
{
	if (p->family != family)
		return 0;
	unsigned whole = p->bits / 8, rest = p->bits % 8;
	if (memcmp(p->addr, a, whole))
		return 0;
	if (!rest)
		return 1;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (p->addr[whole] & m) == (a[whole] & m);
}

static int set_prefixes(struct filter_prefix *out, int *n, const char *list, char *err, size_t errlen)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", list);
	*n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ", \t+", &save); tok; tok = strtok_r(NULL, ", \t+", &save)) {
		if (*n >= FILTER_MAX) {
			snprintf(err, errlen, "at most %d prefixes", FILTER_MAX);
			return -EINVAL;
		}
		int r = filter_prefix_parse(&out[*n], tok);
		if (r < 0) {
			const char *slash = strchr(tok, '/');
			int alen = slash ? (int)(slash - tok) : (int)strlen(tok);
			if (r == FILTER_BAD_ADDR)
				snprintf(err, errlen, "'%.*s': not an IPv4 or IPv6 address", alen, tok);
			else
				snprintf(err, errlen, "'%s': bad prefix length", tok);
			return -EINVAL;
		}
		(*n)++;
	}
	if (!*n) {
		snprintf(err, errlen, "empty");
		return -EINVAL;
	}
	return 0;
}

int filter_set_servers(struct filter *f, const char *list, char *err, size_t errlen)
{
	return set_prefixes(f->servers, &f->nservers, list, err, errlen);
}

int filter_set_clients(struct filter *f, const char *list, char *err, size_t errlen)
{
	return set_prefixes(f->clients, &f->nclients, list, err, errlen);
}

/* A port: a whole number from 1 to 65535; *end after it. */
static int port(const char *s, double *v, const char **end)
{
	return parse_number(s, v, end) < 0 || *v != floor(*v) ? -1 : 0;
}

int filter_set_ports(struct filter *f, const char *list, char *err, size_t errlen)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", list);
	f->nports = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ", \t+", &save); tok; tok = strtok_r(NULL, ", \t+", &save)) {
		double lo, hi;
		const char *e;
		if (f->nports >= FILTER_MAX) {
			snprintf(err, errlen, "at most %d ports or ranges", FILTER_MAX);
			return -EINVAL;
		}
		if (port(tok, &lo, &e) < 0)
			goto bad;
		hi = lo;
		if (*e == '-' && port(e + 1, &hi, &e) < 0)
			goto bad;
		if (*e || lo < 1 || hi > 65535 || hi < lo)
			goto bad;
		f->ports[f->nports].lo = (uint16_t)lo;
		f->ports[f->nports].hi = (uint16_t)hi;
		f->nports++;
		continue;
	bad:
		snprintf(err, errlen, "'%s': not a port (1-65535) or a range (8000-8100)", tok);
		return -EINVAL;
	}
	if (!f->nports) {
		snprintf(err, errlen, "empty");
		return -EINVAL;
	}
	return 0;
}

int filter_active(const struct filter *f)
{
	return f->nports || f->nservers || f->nclients;
}

static int any_prefix(const struct filter_prefix *p, int n, int family, const uint8_t *a)
{
	for (int i = 0; i < n; i++)
		if (filter_prefix_match(&p[i], family, a))
			return 1;
	return 0;
}

int filter_match(const struct filter *f, const struct tt_conn *c)
{
	if (f->nports) {
		int ok = 0;
		for (int i = 0; i < f->nports && !ok; i++)
			ok = c->server_port >= f->ports[i].lo && c->server_port <= f->ports[i].hi;
		if (!ok)
			return 0;
	}
	if (f->nservers && !any_prefix(f->servers, f->nservers, c->family, c->server))
		return 0;
	return !f->nclients || any_prefix(f->clients, f->nclients, c->family, c->client);
}
