/*
 * filter: which connections a rule looks at, by the server's port and by
 * address prefixes of the server and the client (syslog's rules); and the
 * prefix matching itself, which the view's filter uses too.
 */
#ifndef TT_FILTER_H
#define TT_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "tcptrack/plugin.h"

#define FILTER_MAX 16 /* ports or ranges, and prefixes, of one list */

/* An address prefix: the first `bits` bits of addr (network byte order). */
struct filter_prefix {
	uint8_t family; /* 4 or 6, as tt_conn.family */
	uint8_t bits;
	uint8_t addr[16];
};

/* "10.0.0.0/8", "2001:db8::/32", or an address alone (all its bits).
 * Returns 0, FILTER_BAD_ADDR when the text before a '/' is no IPv4 or IPv6
 * address, FILTER_BAD_LEN when the length is no whole number of at most
 * the address's bits. */
#define FILTER_BAD_ADDR (-1)
#define FILTER_BAD_LEN (-2)
int filter_prefix_parse(struct filter_prefix *p, const char *s);
/* Whether addr, of family (4 or 6), is in the prefix. */
int filter_prefix_match(const struct filter_prefix *p, int family, const uint8_t *addr);

struct filter {
	struct { uint16_t lo, hi; } ports[FILTER_MAX]; /* of the server */
	struct filter_prefix servers[FILTER_MAX], clients[FILTER_MAX];
	int nports, nservers, nclients;
};

/* Lists separated by commas or spaces: ports and ranges ("80,443
 * 8000-8100"), or prefixes.  A list replaces the previous one.  0, or
 * -EINVAL with the reason in err. */
int filter_set_ports(struct filter *f, const char *list, char *err, size_t errlen);
int filter_set_servers(struct filter *f, const char *list, char *err, size_t errlen);
int filter_set_clients(struct filter *f, const char *list, char *err, size_t errlen);
/* Whether any list is set. */
int filter_active(const struct filter *f);
/* Whether a connection passes every list that is set. */
int filter_match(const struct filter *f, const struct tt_conn *c);

#endif
