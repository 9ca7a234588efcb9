/*
 * procs: which process owns the local end of a connection.
 *
 * The kernel's socket diagnostics (NETLINK_SOCK_DIAG, as ss(8) asks them)
 * give the socket's inode and owner for a 4-tuple; the process is the one
 * with a descriptor on that inode, found by reading /proc/PID/fd.  Inodes
 * already seen are remembered, so /proc is read again only for a socket
 * not yet known, at most a few times a second, a slice of it per turn of
 * the loop.  What a connection was given stays with it until it leaves the
 * table, even when the process exits.
 */
#ifndef TT_PROCS_H
#define TT_PROCS_H

#include <stddef.h>
#include <stdint.h>

struct procs_info {
	int32_t pid;      /* 0: none known */
	uint32_t uid;
	char comm[16];    /* /proc/PID/comm */
	char user[33];    /* the uid's name, or its number */
};

struct procs;

/* NULL with one line in err when the kernel's diagnostics cannot be
 * opened.  max: connections to remember at most. */
struct procs *procs_new(uint64_t max, char *err, size_t errlen);
void procs_free(struct procs *p);

/* A connection entered the table (addresses in network order, ports in
 * host order): its owner is looked up by procs_run. */
void procs_opened(struct procs *p, uint64_t id, int family, const uint8_t *client,
                  uint16_t cport, const uint8_t *server, uint16_t sport);
/* It left the table. */
void procs_removed(struct procs *p, uint64_t id);
/* The owner of connection id into *out; 0 when none is known. */
int procs_get(struct procs *p, uint64_t id, struct procs_info *out);
/* Look up what was queued and read a slice of /proc; bounded work. */
void procs_run(struct procs *p);
/* Whether procs_run has work left (the loop then does not sleep long). */
int procs_busy(const struct procs *p);

struct procs_stats {
	uint64_t queries;   /* sock_diag queries sent */
	uint64_t found;     /* connections given a process */
	uint64_t scans;     /* /proc walks begun */
};
void procs_stats(const struct procs *p, struct procs_stats *s);

#endif
