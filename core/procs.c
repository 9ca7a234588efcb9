/*
 * procs: socket owners through NETLINK_SOCK_DIAG and /proc.
 */
#include "procs.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "map.h"
#include "mono.h"
#include "util.h"

#define QUEUE 4096             /* connections waiting for their query */
#define WAITING 1024           /* connections whose inode waits for a /proc walk */
#define PER_RUN 256            /* queries per turn of the loop, at most, */
#define QUERY_US 1000          /* and for this long at most (checked every 16) */
#define SCAN_EVERY_US 250000   /* a /proc walk begins at most this often */
#define SLICE_US 1000          /* and reads /proc this long per turn */
#define LOCALS 1024            /* this host's addresses kept, at most */
#define USERS_AT_START 4096    /* user names read at start, at most */
#define DIAG_LISTEN 10         /* the kernel's TCP_LISTEN state */

struct pending {
	uint64_t id;
	uint8_t family;
	uint8_t listener;     /* waiting: its inode is the listener's */
	uint16_t cport, sport;
	uint8_t client[16], server[16];
};

enum { C_QUEUED, C_WAIT, C_DONE };

struct centry {
	uint8_t state;
	uint64_t inode;
	uint64_t scan;        /* the walk that must have begun after it was queued */
	struct procs_info info;
};

struct inode_val {
	int32_t pid;
};

struct procs {
	int fd;
	int procfd;           /* /proc, opened before any chroot */
	uint32_t seq;
	uint64_t max;
	struct map conns;     /* id -> struct centry */
	struct map inodes;    /* inode -> pid, from the latest whole walk */
	struct map next;      /* the walk under way */
	struct map users;     /* uid -> name */
	struct pending queue[QUEUE];
	unsigned qhead, qlen;
	struct pending waiting[WAITING];
	unsigned nwaiting;
	/* the walk of /proc */
	DIR *proc;
	uint64_t scan_no;     /* walks begun */
	int64_t scan_at;
	struct procs_stats st;
	/* this host's addresses (addr_local) */
	struct local {
		uint8_t family;
		uint8_t addr[16];
	} locals[LOCALS];
	unsigned nlocals;
	int64_t locals_at;
};

struct procs *procs_new(uint64_t max, char *err, size_t errlen)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		snprintf(err, errlen, "processes: socket(NETLINK_SOCK_DIAG): %s", strerror(errno));
		return NULL;
	}
	/* /proc, opened now: a chroot (with user) would hide it later */
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		int e = errno;
		close(fd);
		snprintf(err, errlen, "processes: open /proc: %s", strerror(e));
		return NULL;
	}
	struct procs *p = xcalloc(1, sizeof *p);
	p->fd = fd;
	p->procfd = procfd;
	p->max = max;
	uint64_t seed = map_seed();
	if (map_init(&p->conns, 0, sizeof(struct centry), seed) < 0 ||
	    map_init(&p->inodes, sizeof(uint64_t), sizeof(struct inode_val), seed) < 0 ||
	    map_init(&p->next, sizeof(uint64_t), sizeof(struct inode_val), seed) < 0 ||
	    map_init(&p->users, sizeof(uint32_t), 33, 0) < 0) {
		snprintf(err, errlen, "processes: out of memory");
		procs_free(p);
		return NULL;
	}
	/* the users' names, read now: a chroot (with user) has no password
	 * database; the local ones, not a directory service's thousands */
	setpwent();
	struct passwd *pw;
	for (int i = 0; i < USERS_AT_START && (pw = getpwent()); i++) {
		int added;
		char *v = strlen(pw->pw_name) < 33 ? map_put(&p->users, &pw->pw_uid, &added) : NULL;
		if (v && added)
			snprintf(v, 33, "%s", pw->pw_name);
	}
	endpwent();
	return p;
}

void procs_free(struct procs *p)
{
	if (!p)
		return;
	if (p->proc)
		closedir(p->proc);
	close(p->fd);
	close(p->procfd);
	map_free(&p->conns);
	map_free(&p->inodes);
	map_free(&p->next);
	map_free(&p->users);
	free(p);
}

void procs_opened(struct procs *p, uint64_t id, int family, const uint8_t *client,
                  uint16_t cport, const uint8_t *server, uint16_t sport)
{
	if (p->qlen == QUEUE || p->conns.count >= p->max)
		return; /* shown without a process rather than queued without bound */
	struct centry *e = map_put_id(&p->conns, id);
	if (!e)
		return;
	e->state = C_QUEUED;
	struct pending *q = &p->queue[(p->qhead + p->qlen++) % QUEUE];
	q->id = id;
	q->family = (uint8_t)family;
	q->listener = 0;
	q->cport = cport;
	q->sport = sport;
	memcpy(q->client, client, 16);
	memcpy(q->server, server, 16);
}

void procs_removed(struct procs *p, uint64_t id)
{
	map_del_id(&p->conns, id);
}

int procs_get(struct procs *p, uint64_t id, struct procs_info *out)
{
	const struct centry *e = p ? map_get_id(&p->conns, id) : NULL;
	if (!e || e->state != C_DONE || (!e->info.pid && !e->info.user[0]))
		return 0;
	*out = e->info;
	return 1;
}

/* ---- the kernel's socket diagnostics ---- */

/* The socket of this tuple, seen from src (its local end): its inode (0 for
 * a socket no descriptor holds: TIME_WAIT, not yet accepted) and owner.
 * A listener answers for a destination of port 0.  Returns 0, or -1 when
 * there is none. */
static int diag(struct procs *p, int family, const uint8_t *src, uint16_t sport,
                const uint8_t *dst, uint16_t dport, uint64_t *inode, uint32_t *uid,
                uint8_t bound[16])
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	memset(&req, 0, sizeof req);
	req.nlh.nlmsg_len = sizeof req;
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = ++p->seq;
	req.r.sdiag_family = family == 4 ? AF_INET : AF_INET6;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_sport = htons(sport);
	req.r.id.idiag_dport = htons(dport);
	size_t alen = family == 4 ? 4 : 16;
	memcpy(req.r.id.idiag_src, src, alen);
	memcpy(req.r.id.idiag_dst, dst, alen);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	p->st.queries++;
	if (send(p->fd, &req, sizeof req, 0) < 0)
		return -1;
	/* the kernel answers within send(): the reply is queued already */
	for (;;) {
		long buf[512];
		ssize_t n = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n <= 0)
			return -1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != p->seq)
				continue; /* a late answer to an earlier question */
			if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE)
				return -1;
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				return -1;
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			/* The kernel looks the tuple up as a packet would: with
			 * no connection of it, a listener of the local port
			 * answers, bound to any address.  A connection's query
			 * wants the connection (a remote client's port may be
			 * the port of a listener here); a listener's query the
			 * listener, and bound its address is returned. */
			if ((m->idiag_state == DIAG_LISTEN) != !dport)
				return -1;
			if (bound) {
				memset(bound, 0, 16);
				if (m->idiag_family == AF_INET)
					memcpy(bound, m->id.idiag_src, 4);
				else if (m->idiag_family == AF_INET6)
					memcpy(bound, m->id.idiag_src, 16);
			}
			*inode = m->idiag_inode;
			*uid = m->idiag_uid;
			return 0;
		}
	}
}

static const uint8_t zero16[16];

/* Whether addr is one of this host's (its network namespace's): the
 * addresses of its interfaces, read again when a second has passed; the
 * whole of 127/8 and ::1. */
static int addr_local(struct procs *p, int family, const uint8_t *addr)
{
	if (family == 4 && addr[0] == 127)
		return 1;
	if (family == 6 && !memcmp(addr, zero16, 15) && addr[15] == 1)
		return 1;
	int64_t now = mono_now_us();
	if (!p->locals_at || now - p->locals_at >= 1000000) {
		p->locals_at = now;
		p->nlocals = 0;
		struct ifaddrs *all = NULL;
		if (getifaddrs(&all) == 0) {
			for (struct ifaddrs *i = all; i && p->nlocals < LOCALS; i = i->ifa_next) {
				struct local *l = &p->locals[p->nlocals];
				memset(l, 0, sizeof *l);
				if (!i->ifa_addr)
					continue;
				if (i->ifa_addr->sa_family == AF_INET) {
					l->family = 4;
					memcpy(l->addr, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
				} else if (i->ifa_addr->sa_family == AF_INET6) {
					l->family = 6;
					memcpy(l->addr, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
				} else {
					continue;
				}
				p->nlocals++;
			}
			freeifaddrs(all);
		}
	}
	size_t alen = family == 4 ? 4 : 16;
	for (unsigned i = 0; i < p->nlocals; i++)
		if (p->locals[i].family == family && !memcmp(p->locals[i].addr, addr, alen))
			return 1;
	/* more addresses than kept: cannot tell, as before */
	return p->nlocals == LOCALS;
}

/* The local socket of a connection: the client's end when it is here,
 * else the server's, else (*listener set) the server's listener. */
static int owner_socket(struct procs *p, const struct pending *q, uint64_t *inode, uint32_t *uid, int *listener)
{
	*listener = 0;
	if (diag(p, q->family, q->client, q->cport, q->server, q->sport, inode, uid, NULL) == 0 && *inode)
		return 0;
	if (diag(p, q->family, q->server, q->sport, q->client, q->cport, inode, uid, NULL) == 0 && *inode)
		return 0;
	/* the server's listener: the connection's own socket is not held yet
	 * (not accepted) or any more (TIME_WAIT).  A listener bound to any
	 * address answers for every server address, also for a connection
	 * this host only forwards or sees mirrored: then only when the server
	 * address is one of this host's. */
	*listener = 1;
	uint8_t bound[16];
	if (diag(p, q->family, q->server, q->sport, zero16, 0, inode, uid, bound) == 0 && *inode &&
	    (memcmp(bound, zero16, 16) || addr_local(p, q->family, q->server)))
		return 0;
	return -1;
}

/* ---- users and commands ---- */

static void user_name(struct procs *p, uint32_t uid, char *out, size_t len)
{
	char *v = map_get(&p->users, &uid);
	if (!v) {
		int added;
		v = map_put(&p->users, &uid, &added);
		if (!v) {
			snprintf(out, len, "%u", uid);
			return;
		}
		/* once per uid: the password database is a local file here */
		struct passwd *pw = getpwuid(uid);
		if (pw && strlen(pw->pw_name) < 33)
			snprintf(v, 33, "%s", pw->pw_name);
		else
			snprintf(v, 33, "%u", uid);
	}
	snprintf(out, len, "%s", v);
}

static void fill(struct procs *p, struct centry *e, int32_t pid, uint32_t uid)
{
	e->state = C_DONE;
	e->info.pid = pid;
	e->info.uid = uid;
	char path[64];
	snprintf(path, sizeof path, "%d/comm", (int)pid);
	int fd = openat(p->procfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, e->info.comm, sizeof e->info.comm - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	e->info.comm[n] = 0;
	char *nl = strchr(e->info.comm, '\n');
	if (nl)
		*nl = 0;
	user_name(p, uid, e->info.user, sizeof e->info.user);
	p->st.found++;
}

/* e's socket is held, and no process tcptrack can see holds it: another
 * user's, privileges dropped.  Its owner, from the kernel, is all there is. */
static void owner_only(struct procs *p, struct centry *e)
{
	e->state = C_DONE;
	e->info.pid = 0;
	e->info.comm[0] = 0;
	user_name(p, e->info.uid, e->info.user, sizeof e->info.user);
}

/* ---- the walk of /proc ---- */

/* The socket inodes of process pid into the walk's map. */
static void scan_pid(struct procs *p, int32_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "%d/fd", (int)pid);
	int fd = openat(p->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return; /* gone, or not ours to read (no privilege) */
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char link[64];
		ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);
		if (n < 9 || memcmp(link, "socket:[", 8))
			continue;
		link[n] = 0;
		uint64_t inode = strtoull(link + 8, NULL, 10);
		int added;
		struct inode_val *v = map_put(&p->next, &inode, &added);
		if (v && added)
			v->pid = pid;
	}
	closedir(d);
}

/* e's socket is inode (owner uid): its process, when the latest walk of
 * /proc saw the inode; else 1, e waiting for the next walk to begin. */
static int known_or_wait(struct procs *p, struct centry *e, uint64_t inode, uint32_t uid)
{
	const struct inode_val *v = map_get(&p->inodes, &inode);
	if (v) {
		fill(p, e, v->pid, uid);
		return 0;
	}
	e->state = C_WAIT;
	e->inode = inode;
	e->info.uid = uid;
	e->scan = p->scan_no + 1;
	return 1;
}

/* Connection w waited for the inode of its listener, and no process held
 * it when /proc was read: a server that closes its listener once it
 * accepts (socat, inetd's children).  Its own socket, accepted since: its
 * process now, or 1 when it waits for the next walk, 0 when there is none. */
static int own_socket_again(struct procs *p, struct pending *w, struct centry *e)
{
	uint64_t inode;
	uint32_t uid;
	int listener;
	if (owner_socket(p, w, &inode, &uid, &listener) < 0 || listener || !known_or_wait(p, e, inode, uid))
		return 0;
	w->listener = 0;
	return 1;
}

/* The walk has ended: its map is the one to read, and the connections that
 * waited for it get their process, or none. */
static void scan_done(struct procs *p)
{
	struct map t = p->inodes;
	p->inodes = p->next;
	p->next = t;
	map_clear(&p->next);
	unsigned keep = 0;
	for (unsigned i = 0; i < p->nwaiting; i++) {
		struct pending *w = &p->waiting[i];
		struct centry *e = map_get_id(&p->conns, w->id);
		if (!e || e->state != C_WAIT)
			continue;
		const struct inode_val *v = map_get(&p->inodes, &e->inode);
		if (v)
			fill(p, e, v->pid, e->info.uid);
		else if (e->scan > p->scan_no || (w->listener && own_socket_again(p, w, e)))
			p->waiting[keep++] = *w; /* queued during this walk, or accepted since */
		else if (e->state == C_WAIT)
			owner_only(p, e); /* no process of ours holds it */
	}
	p->nwaiting = keep;
}

static void scan_slice(struct procs *p, int64_t until)
{
	if (!p->proc) {
		int fd = openat(p->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		p->proc = fd >= 0 ? fdopendir(fd) : NULL;
		if (!p->proc) {
			if (fd >= 0)
				close(fd);
			return;
		}
		p->scan_no++;
		p->st.scans++;
		p->scan_at = mono_now_us();
	}
	struct dirent *de;
	while ((de = readdir(p->proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		scan_pid(p, (int32_t)pid);
		if (mono_now_us() >= until)
			return;
	}
	closedir(p->proc);
	p->proc = NULL;
	scan_done(p);
}

void procs_run(struct procs *p)
{
	if (!p)
		return;
	int64_t start = mono_now_us();
	for (int i = 0; i < PER_RUN && p->qlen; i++) {
		if ((i & 15) == 15 && mono_now_us() - start >= QUERY_US)
			break; /* the rest at the next turn: the loop waits 10 ms at most */
		struct pending q = p->queue[p->qhead];
		p->qhead = (p->qhead + 1) % QUEUE;
		p->qlen--;
		struct centry *e = map_get_id(&p->conns, q.id);
		if (!e)
			continue; /* gone already */
		uint64_t inode;
		uint32_t uid;
		int listener;
		if (owner_socket(p, &q, &inode, &uid, &listener) < 0) {
			e->state = C_DONE; /* not a socket of this host: forwarded, mirrored */
			continue;
		}
		if (!known_or_wait(p, e, inode, uid))
			continue;
		if (p->nwaiting == WAITING) {
			owner_only(p, e);
			continue;
		}
		q.listener = (uint8_t)listener;
		p->waiting[p->nwaiting++] = q;
	}
	if (p->proc || (p->nwaiting && start - p->scan_at >= SCAN_EVERY_US))
		scan_slice(p, start + SLICE_US);
}

int procs_busy(const struct procs *p)
{
	return p && (p->qlen || p->proc || p->nwaiting);
}

void procs_stats(const struct procs *p, struct procs_stats *s)
{
	*s = p->st;
}
