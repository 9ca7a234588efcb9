/*
 * names: host names for addresses, and service names for ports.
 *
 * Names come from two sources, in this order of trust: DNS answers seen
 * on the wire (the name the client looked up), and reverse lookups (PTR)
 * that names sends itself, through c-ares, for addresses the wire did not
 * name.  Every name is kept in one
 * bounded cache; reverse answers (and their absence) for their TTL.
 * Nothing here ever waits: lookups are sent and their answers read when
 * the loop's poll says so.
 */
#ifndef TT_NAMES_H
#define TT_NAMES_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

struct names_config {
	int dns;                 /* learn from DNS answers on the wire */
	int ptr;                 /* send reverse lookups */
	const char *server;      /* "ADDR[:PORT],..." for the lookups; NULL:
	                          * the system's (resolv.conf) */
	uint64_t cache_max;      /* names kept, of every source */
	uint64_t ptr_rate;       /* lookups sent per second, at most */
	uint64_t ptr_inflight;   /* lookups unanswered at once, at most */
	int64_t ptr_timeout_us;  /* a lookup gives up after this */
	int64_t neg_ttl_us;      /* a name that does not exist is asked again
	                          * after this (when the answer has no SOA) */
};

/* Where a name came from */
enum names_src { NAMES_NONE = 0, NAMES_PTR, NAMES_DNS };

struct names_stats {
	uint64_t learned;        /* names learned from the wire */
	uint64_t cut;            /* DNS answers seen cut short by the snap length */
	uint64_t lookups;        /* reverse lookups sent */
	uint64_t answered;       /* of them answered with a name */
	uint64_t negative;       /* answered: no name */
	uint64_t failed;         /* no answer (timeout, refused) */
	uint64_t evicted;        /* names dropped to keep the cache's bound */
	uint64_t cached;         /* entries now */
	uint64_t cache_max;      /* the bound */
	uint64_t cache_peak;     /* the most entries ever held */
};

struct names;

/* Names as c says (copied); the resolver is set up here, before any
 * chroot, so that it has read resolv.conf.  Returns NULL with one line in
 * err. */
struct names *names_new(const struct names_config *c, char *err, size_t errlen);
void names_free(struct names *n);

/* A DNS message seen on the wire (UDP payload, or TCP without the length
 * bytes). */
void names_dns_message(struct names *n, const uint8_t *m, size_t len);
/* A DNS answer seen cut short (the capture's snap length): counted, and
 * told at the end, as the names it held are not known. */
void names_dns_cut(struct names *n);

/* The name of addr (family 4 or 6) copied into buf, and its length;
 * 0 when none is known yet.  A miss asks for a reverse lookup (when on),
 * whose answer a later call sees. */
size_t names_get(struct names *n, int family, const uint8_t *addr, char *buf, size_t len);
/* Ask for a reverse lookup of addr now, if it has no name (a connection
 * opened: its row may be written before anyone asks). */
void names_want(struct names *n, int family, const uint8_t *addr);
/* The service name of TCP port (services(5)), or NULL. */
const char *names_service(struct names *n, uint16_t port);

/* The resolver's descriptors to poll (up to max); how many. */
int names_pollfds(struct names *n, struct pollfd *fds, int max);
/* Read the answers that are ready, give up on lookups that timed out, and
 * send queued lookups as the rate allows.  fds: what poll returned for
 * names_pollfds' descriptors (NULL, 0: only timers and the queue). */
void names_run(struct names *n, const struct pollfd *fds, int nfds);
/* Microseconds until names_run has work without a descriptor being
 * ready (a timeout, a queued lookup), or -1 for none. */
int64_t names_wait_us(struct names *n);

void names_stats(const struct names *n, struct names_stats *s);

#endif
