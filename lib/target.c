/*
 * target: a bounded queue of messages and their non-blocking delivery to a
 * socket (see target.h).
 */
#include "target.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "mono.h"
#include "parse.h"

#define BACKOFF_MIN_US 100000
#define BACKOFF_MAX_US 30000000
/* an outage that begins this soon after the last one ended is not told */
#define FLAP_US 10000000
/* how long a SIGHUP waits for the message being sent on a stream to be
 * whole: a receiver that reads that slowly has hung */
#define REOPEN_WAIT_US 30000000

void target_init(struct target *t, const struct tt_host *host, struct tt_ctx *ctx)
{
	memset(t, 0, sizeof *t);
	t->host = host;
	t->ctx = ctx;
	t->fd = -1;
	t->reopen_wait = REOPEN_WAIT_US;
}

static int set_name(struct target *t, const char *name)
{
	char *n = strdup(name);
	if (!n)
		return -ENOMEM;
	free(t->name);
	t->name = n;
	return 0;
}

static int parse_unix(struct target *t, const char *spec, char *err, size_t errlen)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&t->addr;
	const char *path = spec + 5;
	if (path[0] != '/') {
		snprintf(err, errlen, "'%s': a unix socket path must be absolute", spec);
		return -EINVAL;
	}
	if (strlen(path) >= sizeof un->sun_path) {
		snprintf(err, errlen, "'%s': path too long for a unix socket", spec);
		return -EINVAL;
	}
	/* a socket not there yet may come (its daemon starts later); a
	 * file that is there and no socket is a mistake (the daemon's log
	 * file named for its socket), and would lose every message */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "'%s': %s, not a socket", spec,
		         S_ISDIR(st.st_mode)    ? "a directory"
		         : S_ISREG(st.st_mode)  ? "a regular file"
		         : S_ISFIFO(st.st_mode) ? "a FIFO"
		                                : "a device");
		return -EINVAL;
	}
	memset(&t->addr, 0, sizeof t->addr);
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	t->addrlen = sizeof *un;
	t->kind = TARGET_UNIX;
	return 0;
}

/* HOST:PORT or [IPV6]:PORT after "udp:" or "tcp:" */
static int parse_inet(struct target *t, const char *spec, int tcp, char *err, size_t errlen)
{
	char host[256], port[24];
	long pn;
	const char *why = "no port";
	/* ("udp:::1:514" is one address, with no port: the message's end says how) */
	if (parse_hostport(spec + 4, strlen(spec + 4), host, sizeof host, &pn, &why) < 0 || pn < 1) {
		snprintf(err, errlen, "'%s': %s; use %s:HOST:PORT, a port of 1 to 65535 (an IPv6 address in brackets)",
		         spec, pn == 0 ? "the port is 0" : why, tcp ? "tcp" : "udp");
		return -EINVAL;
	}
	snprintf(port, sizeof port, "%ld", pn);
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	int r = getaddrinfo(host, port, &hints, &ai);
	if (r || !ai) {
		snprintf(err, errlen, "'%s': host '%s': %s", spec, host, r ? gai_strerror(r) : "no address");
		if (ai)
			freeaddrinfo(ai);
		return -EINVAL;
	}
	memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
	t->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	t->kind = tcp ? TARGET_TCP : TARGET_UDP;
	return 0;
}

int target_parse(struct target *t, const char *spec, char *err, size_t errlen)
{
	int r;
	if (!strncmp(spec, "unix:", 5))
		r = parse_unix(t, spec, err, errlen);
	else if (!strncmp(spec, "tcp:", 4) || !strncmp(spec, "udp:", 4))
		r = parse_inet(t, spec, spec[0] == 't', err, errlen);
	else {
		snprintf(err, errlen, "'%s': use unix:/PATH, udp:HOST:PORT or tcp:HOST:PORT", spec);
		return -EPROTONOSUPPORT;
	}
	return r < 0 ? r : set_name(t, spec);
}

int target_set_func(struct target *t, const char *name, target_func fn, void *arg)
{
	t->kind = TARGET_FUNC;
	t->func = fn;
	t->arg = arg;
	return set_name(t, name);
}

void target_set_raw(struct target *t)
{
	t->raw = 1;
}

void target_on_lost(struct target *t, target_lost_fn fn, void *arg)
{
	t->lost_fn = fn;
	t->arg = arg;
}

void target_on_connect(struct target *t, target_connect_fn fn, void *arg)
{
	t->connect_fn = fn;
	t->arg = arg;
}

/* ---- the queue ---- */

static void q_pop(struct target *t)
{
	free(t->q[t->qhead].buf);
	t->q[t->qhead].buf = NULL;
	t->qhead = (t->qhead + 1) % t->qcap;
	t->qcount--;
}

/* A copy of m in c; 0, or -1 (counted lost) out of memory. */
static int copy_msg(struct target *t, const struct target_msg *m, struct target_msg *c)
{
	*c = *m;
	c->buf = malloc(m->len + 1);
	if (!c->buf) {
		t->lost++;
		return -1;
	}
	memcpy(c->buf, m->buf, m->len);
	c->buf[m->len] = 0;
	return 0;
}

void target_push_front(struct target *t, const struct target_msg *m)
{
	struct target_msg c;
	if (copy_msg(t, m, &c) < 0)
		return;
	if (t->qcount >= t->qcap) {
		size_t tail = (t->qhead + t->qcount - 1) % t->qcap;
		free(t->q[tail].buf);
		t->q[tail].buf = NULL;
		t->qcount--;
		t->lost++;
	}
	t->qhead = (t->qhead + t->qcap - 1) % t->qcap;
	t->q[t->qhead] = c;
	t->qcount++;
}

/* A message lost to a full queue: counted, and said once until the loss
 * is told. */
static void lost_to_full(struct target *t)
{
	t->lost++;
	if (!t->full_said) {
		t->full_said = 1;
		t->host->log(t->ctx, TT_LOG_WARN, "target %s: queue full (%zu messages): the oldest are lost",
		             t->name, t->queue_max);
	}
}

void target_push(struct target *t, const struct target_msg *m, int notice)
{
	int full = t->qcount >= t->queue_max + (notice ? 1 : 0);
	if (full && t->off && t->qcount == 1) {
		/* the only message is half sent: the stream needs the rest of
		 * it before anything else, and there is no room for this one */
		lost_to_full(t);
		return;
	}
	struct target_msg c;
	if (copy_msg(t, m, &c) < 0)
		return;
	if (full) {
		if (t->off) {
			/* the head is half sent: keep it, lose the one behind it */
			size_t second = (t->qhead + 1) % t->qcap;
			free(t->q[second].buf);
			t->q[second] = t->q[t->qhead];
			t->q[t->qhead].buf = NULL;
			t->qhead = second;
			t->qcount--;
		} else {
			q_pop(t);
		}
		lost_to_full(t);
	}
	t->q[(t->qhead + t->qcount) % t->qcap] = c;
	t->qcount++;
	if (t->down)
		t->delayed++;
}

/* ---- the socket ---- */

static void set_watch(struct target *t, short ev)
{
	if (t->fd < 0 || ev == t->watched)
		return;
	t->host->watch_fd(t->ctx, t->fd, ev);
	t->watched = ev;
}

static void close_fd(struct target *t)
{
	if (t->fd < 0)
		return;
	if (t->watched)
		t->host->watch_fd(t->ctx, t->fd, 0);
	close(t->fd);
	t->fd = -1;
	t->watched = 0;
	t->connecting = 0;
	t->off = 0;
	t->reopen = 0;
}

/* An outage begins: told, unless one ended less than FLAP_US ago (a target
 * that comes and goes would fill the log with two lines a message). */
static void mark_down(struct target *t, const char *what, int err, int64_t now)
{
	if (t->down)
		return;
	t->down = 1;
	t->down_since = now;
	t->delayed = t->qcount;
	t->quiet = t->up_since && now - t->up_since < FLAP_US;
	if (t->quiet) {
		t->untold++;
		return;
	}
	char more[64] = "";
	if (t->untold)
		snprintf(more, sizeof more, " (%llu short outage%s before, not told)",
		         (unsigned long long)t->untold, t->untold == 1 ? "" : "s");
	t->untold = 0;
	if (t->kind == TARGET_FUNC || t->kind == TARGET_UDP) {
		/* nothing waits: what is sent meanwhile is lost */
		t->host->log(t->ctx, TT_LOG_WARN, "target %s: %s%s%s; messages are lost until it answers%s",
		             t->name, what, err ? ": " : "", err ? strerror(err) : "", more);
		return;
	}
	t->host->log(t->ctx, TT_LOG_WARN, "target %s: %s%s%s; %zu message%s queued (at most %zu), retrying%s",
	             t->name, what, err ? ": " : "", err ? strerror(err) : "", t->qcount,
	             t->qcount == 1 ? "" : "s", t->queue_max, more);
}

/* The target failed: close, and retry later; at once when a working
 * connection broke. */
static void target_down(struct target *t, const char *what, int err, int was_up)
{
	was_up = was_up && !t->down;
	close_fd(t);
	int64_t now = mono_now_us();
	mark_down(t, what, err, now);
	if (was_up) {
		t->retry_at = now;
		return;
	}
	if (!t->backoff)
		t->backoff = BACKOFF_MIN_US;
	t->retry_at = now + t->backoff;
	t->backoff = t->backoff * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US : t->backoff * 2;
}

static void target_up(struct target *t)
{
	if (!t->down)
		return;
	t->down = 0;
	t->up_since = mono_now_us();
	if (t->quiet)
		return;
	t->host->log(t->ctx, TT_LOG_INFO, "target %s: reachable again after %.1fs; %llu message%s delayed, %llu lost",
	             t->name, (double)(mono_now_us() - t->down_since) / 1e6, (unsigned long long)t->delayed,
	             t->delayed == 1 ? "" : "s", (unsigned long long)(t->lost - t->lost_reported));
}

/* Once the queue is empty again, have the losses told. */
static int report_lost(struct target *t)
{
	if (t->lost <= t->lost_reported)
		return 0;
	uint64_t n = t->lost - t->lost_reported;
	t->lost_reported = t->lost;
	t->full_said = 0;
	if (t->lost_fn)
		t->lost_fn(t->arg, n);
	return 1;
}

static int connect_socket(struct target *t)
{
	int type = t->kind == TARGET_TCP ? SOCK_STREAM : SOCK_DGRAM;
	for (;;) {
		int fd = socket(t->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		t->fd = fd;
		t->stream = type == SOCK_STREAM;
		t->fresh = 1;
		t->watched = 0;
		t->off = 0;
		if (connect(fd, (struct sockaddr *)&t->addr, t->addrlen) == 0) {
			t->connecting = 0;
			return 0;
		}
		int e = errno;
		if (e == EINPROGRESS) {
			t->connecting = 1;
			return 0;
		}
		close(fd);
		t->fd = -1;
		/* a unix socket may be a stream one, as glibc's syslog(3) allows */
		if (e == EPROTOTYPE && t->kind == TARGET_UNIX && type == SOCK_DGRAM) {
			type = SOCK_STREAM;
			continue;
		}
		return -e;
	}
}

/* A stream peer never writes to us: readable means closed. */
static int peer_closed(struct target *t)
{
	struct pollfd p = {.fd = t->fd, .events = POLLIN};
	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	char junk[512];
	ssize_t n = recv(t->fd, junk, sizeof junk, MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* UDP: the receiving host refused a datagram sent before (ICMP port
 * unreachable, reported by the kernel on the next send or in SO_ERROR): it
 * was counted delivered, it is lost, and the target is down; the socket
 * stays, as the next datagram may find a receiver. */
static void udp_refused(struct target *t)
{
	if (t->delivered)
		t->delivered--;
	t->lost++;
	t->sent_unrefused = 0;
	mark_down(t, "refused (nothing listens)", ECONNREFUSED, mono_now_us());
}

/* UDP: a refusal of what was sent before; or, after an outage, datagrams
 * that went out unrefused: the target is back. */
static void udp_check(struct target *t)
{
	int err = 0;
	socklen_t l = sizeof err;
	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == ECONNREFUSED)
		udp_refused(t);
	else if (t->sent_unrefused)
		target_up(t);
}

/* What became of the head message */
enum { SENT, PARTLY_SENT, TOO_BIG };

/* One datagram: SENT, TOO_BIG (it is lost), -EAGAIN or -errno. */
static int send_dgram(struct target *t, const struct target_msg *m)
{
	for (;;) {
		if (send(t->fd, m->buf, m->len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return SENT;
		int e = errno;
		if (e == EINTR)
			continue;
		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
			return -EAGAIN;
		return e == EMSGSIZE ? TOO_BIG : -e;
	}
}

/* What is left of the framed head message (from t->off on) into iov. */
static int frame(const struct target *t, const struct target_msg *m, char *pre, struct iovec *iov,
                 size_t *total)
{
	static char lf[] = "\n";
	size_t pl = 0;
	int counted = t->kind == TARGET_TCP && !t->lf_frames && !t->raw;
	if (counted) {
		/* RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG */
		pl = fmt_u64(pre, m->len);
		pre[pl++] = ' ';
	}
	struct { char *p; size_t n; } part[3] = {
		{pre, pl}, {m->buf, m->len}, {lf, counted || t->raw ? 0 : 1},
	};
	size_t off = t->off;
	int k = 0;
	*total = 0;
	for (int i = 0; i < 3; i++) {
		*total += part[i].n;
		if (off >= part[i].n) {
			off -= part[i].n;
			continue;
		}
		iov[k].iov_base = part[i].p + off;
		iov[k++].iov_len = part[i].n - off;
		off = 0;
	}
	return k;
}

/* As much of the head message as the socket takes: SENT, PARTLY_SENT (or
 * interrupted), -EAGAIN or -errno. */
static int send_stream(struct target *t, const struct target_msg *m)
{
	char pre[24];
	struct iovec iov[3];
	size_t total;
	struct msghdr mh;
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)frame(t, m, pre, iov, &total);
	ssize_t n = sendmsg(t->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		int e = errno;
		if (e == EINTR)
			return PARTLY_SENT;
		return e == EAGAIN || e == EWOULDBLOCK ? -EAGAIN : -e;
	}
	t->off += (size_t)n;
	if (t->off < total)
		return PARTLY_SENT;
	t->off = 0;
	return SENT;
}

/* send_queue: a reopen waited for the end of the message just sent */
#define REOPEN 1

/* Send what the queue holds: 0 when it is empty, REOPEN, -EAGAIN when the
 * socket is full, another -errno when the target failed. */
static int send_queue(struct target *t)
{
	int refusals = 0;
	while (t->qcount) {
		if (t->reopen && !t->off)
			return REOPEN;
		int r = t->stream ? send_stream(t, &t->q[t->qhead]) : send_dgram(t, &t->q[t->qhead]);
		if (r == -ECONNREFUSED && t->kind == TARGET_UDP && refusals++ < 2) {
			/* the refusal of an earlier datagram; this one was not sent */
			udp_refused(t);
			continue;
		}
		if (r < 0)
			return r;
		refusals = 0;
		if (r == PARTLY_SENT)
			continue;
		q_pop(t);
		if (r == TOO_BIG) {
			t->lost++;
			continue;
		}
		t->delivered++;
		t->sent_unrefused++;
		t->backoff = 0;
	}
	return t->reopen ? REOPEN : 0;
}

/* SIGHUP's new connection, when the head message is whole or the wait for
 * it is over. */
static void reopen_if_due(struct target *t)
{
	if (!t->reopen)
		return;
	int64_t now = mono_now_us();
	if (t->off && now < t->reopen_by)
		return;
	if (t->off)
		t->host->log(t->ctx, TT_LOG_WARN,
		             "target %s: the message being sent was not whole %gs after SIGHUP: it is cut on the "
		             "old connection and sent whole on the new one",
		             t->name, (double)t->reopen_wait / 1e6);
	close_fd(t);
	t->reopen = 0;
	t->retry_at = 0;
}

void target_pump(struct target *t)
{
	if (t->kind == TARGET_FUNC) {
		while (t->qcount) {
			int r = t->func(t->arg, &t->q[t->qhead]);
			q_pop(t);
			if (r < 0) {
				t->lost++;
				mark_down(t, "cannot deliver", -r, mono_now_us());
				continue;
			}
			target_up(t);
			t->delivered++;
		}
		return;
	}
	for (int round = 0; round < 4; round++) {
		reopen_if_due(t);
		if (t->fd < 0) {
			if (!t->qcount)
				return;
			if (mono_now_us() < t->retry_at)
				return;
			int r = connect_socket(t);
			if (r < 0) {
				target_down(t, "connect", -r, 0);
				return;
			}
		}
		if (t->connecting) {
			struct pollfd p = {.fd = t->fd, .events = POLLOUT};
			if (poll(&p, 1, 0) <= 0 || !p.revents) {
				set_watch(t, POLLOUT);
				return;
			}
			int err = 0;
			socklen_t l = sizeof err;
			if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
				err = errno;
			if (err) {
				target_down(t, "connect", err, 0);
				return;
			}
			t->connecting = 0;
		}
		if (t->stream && peer_closed(t)) {
			target_down(t, "connection closed by the target", 0, 1);
			continue;
		}
		if (t->kind == TARGET_UDP)
			udp_check(t);
		else
			target_up(t);
		if (t->fresh) {
			t->fresh = 0;
			if (t->connect_fn)
				t->connect_fn(t->arg);
		}
		int r = send_queue(t);
		if (r == 0 && !t->down && report_lost(t))
			r = send_queue(t);
		if (r == REOPEN)
			continue;
		if (r == 0) {
			set_watch(t, t->stream ? POLLIN : 0);
			return;
		}
		if (r == -EAGAIN) {
			set_watch(t, (short)(POLLOUT | (t->stream ? POLLIN : 0)));
			return;
		}
		target_down(t, "send", -r, 1);
	}
}

int target_open(struct target *t, size_t queue_max)
{
	t->queue_max = queue_max;
	t->qcap = queue_max + 1;
	t->q = calloc(t->qcap, sizeof *t->q);
	if (!t->q)
		return -ENOMEM;
	if (t->kind != TARGET_FUNC) {
		/* connect now, while a privileged socket can still be reached */
		int r = connect_socket(t);
		if (r < 0)
			target_down(t, "connect", -r, 0);
	}
	return 0;
}

void target_start(struct target *t)
{
	if (t->fd >= 0 && (t->connecting || t->stream))
		set_watch(t, t->connecting ? POLLOUT : POLLIN);
}

/* When the first target began to drain at exit: the targets of the
 * process (of this shared object) wait together. */
static int64_t drain_started;

void target_drain(struct target *t, int64_t max_us)
{
	if (!drain_started)
		drain_started = mono_now_us();
	int64_t end = drain_started + max_us;
	for (;;) {
		target_pump(t);
		int64_t now = mono_now_us();
		if (!t->qcount || now >= end)
			break;
		int64_t wait = end - now;
		if (t->fd >= 0) {
			/* woken for SIGHUP's connection to a receiver that hung */
			if (t->reopen && t->reopen_by - now < wait)
				wait = t->reopen_by > now ? t->reopen_by - now : 0;
			struct pollfd p = {.fd = t->fd, .events = POLLOUT};
			poll(&p, 1, (int)((wait + 999) / 1000));
		} else {
			if (t->retry_at - now < wait)
				wait = t->retry_at - now;
			if (wait > 0) {
				struct timespec ts = {(time_t)(wait / 1000000), (long)(wait % 1000000) * 1000};
				nanosleep(&ts, NULL);
			}
		}
	}
}

void target_reopen(struct target *t)
{
	if (t->kind == TARGET_FUNC)
		return;
	if (!t->reopen) {
		t->reopen = 1;
		t->reopen_by = mono_now_us() + t->reopen_wait;
	}
	target_pump(t);
}

void target_stop(struct target *t)
{
	if (t->kind == TARGET_UDP && t->fd >= 0)
		udp_check(t);
	if (t->qcount) {
		t->lost += t->qcount;
		/* a warning, as every loss of a target's: a receiver away is
		 * not tcptrack's failure (and over UDP it cannot be known) */
		t->host->log(t->ctx, TT_LOG_WARN, "target %s: %zu message%s could not be delivered before exit",
		             t->name, t->qcount, t->qcount == 1 ? "" : "s");
		while (t->qcount)
			q_pop(t);
	}
	if (t->lost)
		t->host->log(t->ctx, TT_LOG_WARN, "%llu message%s lost in all (%llu delivered)",
		             (unsigned long long)t->lost, t->lost == 1 ? "" : "s",
		             (unsigned long long)t->delivered);
	close_fd(t);
}

void target_free(struct target *t)
{
	close_fd(t);
	while (t->q && t->qcount)
		q_pop(t);
	free(t->q);
	free(t->name);
	t->q = NULL;
	t->name = NULL;
}
