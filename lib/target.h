/*
 * target: where an exporter's messages go, and how they get there without
 * ever blocking the core's loop.
 *
 * A target is a socket (unix:/PATH, a datagram socket, or a stream one
 * when the path is one, as glibc's syslog(3) allows; udp:HOST:PORT;
 * tcp:HOST:PORT) or a function of the plugin's (e.g. syslog(3)).  Messages
 * wait in a bounded queue: when it is full the oldest is lost (the newest
 * tell the state now), counted, and the loss is said once.  A target that
 * fails is closed and tried again after a delay that doubles from 100ms to
 * 30s, at once when a working connection broke (the peer may just have
 * closed an idle one).  Outages, losses and recoveries are logged through
 * the host; an outage that begins soon after the last one ended is not
 * told, only counted in the next that is.  Over UDP, a datagram the
 * receiving host refused (ICMP port unreachable, reported on the next send)
 * is counted lost, and the target down until datagrams go unrefused.  On a stream socket each message is framed: RFC 6587 octet
 * counting over TCP (3.4.1), a trailing LF on a unix stream socket (3.4.2),
 * which is what its readers split on; lf_frames puts the LF on TCP too (the
 * newline framing of JSON lines); a raw target sends messages that carry
 * their own length (IPFIX) as they are.
 *
 * All I/O is non-blocking and happens in target_pump (call it from
 * on_snapshot and on_fd); only target_drain waits, at the end of a run.
 * Everything runs on the core's thread, as the plugin's callbacks do.
 */
#ifndef TT_TARGET_H
#define TT_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tcptrack/plugin.h"

enum target_kind { TARGET_FUNC, TARGET_UNIX, TARGET_UDP, TARGET_TCP };

/* A message.  body and level are the sender's, for a function target (the
 * part it delivers, and at which priority); a socket sends buf whole. */
struct target_msg {
	char *buf;
	size_t len;
	size_t body;
	int level;
};

/* Delivers one message (buf is NUL-terminated): 0, or -errno when it
 * cannot (e.g. no syslog daemon listens): the message is then lost,
 * counted, and the target down until a delivery succeeds. */
typedef int (*target_func)(void *arg, const struct target_msg *m);
/* The queue emptied after `lost` messages were lost since the last call:
 * the sender may push a notice of it. */
typedef void (*target_lost_fn)(void *arg, uint64_t lost);
/* A socket was connected (see target_on_connect). */
typedef void (*target_connect_fn)(void *arg);

struct target {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	enum target_kind kind;
	char *name;                  /* as configured, for messages */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	target_func func;
	target_lost_fn lost_fn;
	target_connect_fn connect_fn;
	void *arg;                   /* of func and lost_fn */
	/* the queue: a ring of qcap = queue_max + 1 (a notice's spare slot) */
	size_t queue_max;
	struct target_msg *q;
	size_t qcap, qhead, qcount;
	/* the socket */
	int fd;
	int stream;                  /* a stream socket: framed */
	int lf_frames;               /* frame with LF over TCP too (set it
	                              * before target_open) */
	int raw;                     /* no framing at all (set it before
	                              * target_open) */
	int connecting;
	int fresh;                   /* a socket nothing was sent on yet */
	short watched;
	size_t off;                  /* bytes of the head message already sent */
	int reopen;                  /* SIGHUP: a new connection once the head
	                              * message is whole... */
	int64_t reopen_by;           /* ...or at this time at the latest */
	int64_t reopen_wait;         /* how long that may be (target_init: 30s) */
	/* outages */
	int down;
	int64_t down_since, retry_at, backoff; /* monotonic clock */
	uint64_t delayed;            /* messages queued during this outage */
	int64_t up_since;            /* when the last outage ended */
	int quiet;                   /* this outage is not told (see FLAP_US) */
	uint64_t untold;             /* outages not told since the last told */
	uint64_t sent_unrefused;     /* UDP: datagrams sent since a refusal */
	int full_said;
	/* counts */
	uint64_t lost, lost_reported, delivered;
};

/* A target of no kind yet; host and ctx for logging and watching fds. */
void target_init(struct target *t, const struct tt_host *host, struct tt_ctx *ctx);
/* A socket target: "unix:/PATH", "udp:HOST:PORT" or "tcp:HOST:PORT" (an
 * IPv6 address in brackets); HOST is resolved now.  0; -EINVAL with the
 * reason in err; -EPROTONOSUPPORT (and err) for a text of no such kind. */
int target_parse(struct target *t, const char *spec, char *err, size_t errlen);
/* A function target, named name in messages.  0 or -ENOMEM. */
int target_set_func(struct target *t, const char *name, target_func fn, void *arg);
/* Send messages unframed on a stream socket too (each tells its own
 * length, as an IPFIX message does). */
void target_set_raw(struct target *t);
/* Who is told of losses (see target_lost_fn); arg is func's too. */
void target_on_lost(struct target *t, target_lost_fn fn, void *arg);
/* A socket was connected (the first, a new TCP connection, a UDP socket
 * again after a failure), before anything is sent on it: the sender may
 * put a message first (target_push_front), e.g. the templates a new IPFIX
 * transport session needs.  arg is func's too. */
void target_on_connect(struct target *t, target_connect_fn fn, void *arg);

/* In the plugin's open (privileges may be needed): the queue, and a first
 * connection (a failure is an outage, not an error).  0 or -ENOMEM. */
int target_open(struct target *t, size_t queue_max);
/* In the plugin's start: watch the socket. */
void target_start(struct target *t);
/* Queue a copy of m (buf, len bytes); a notice may take the spare slot.
 * When the queue is full the oldest message is lost, but never one half
 * sent on a stream (the rest must come before anything else): the one
 * behind it is, or m when it is the only one. */
void target_push(struct target *t, const struct target_msg *m, int notice);
/* Queue a copy of m before every other message: only from the connect
 * function (nothing of the head is sent yet).  When the queue is full the
 * newest message is lost for it. */
void target_push_front(struct target *t, const struct target_msg *m);
/* Send what can be sent now, connecting when it is time. */
void target_pump(struct target *t);
/* At the end: keep sending for at most max_us (all targets of the plugin
 * wait together, from when the first began, not one after the other). */
void target_drain(struct target *t, int64_t max_us);
/* SIGHUP: a restarted peer may have a new socket; connect again.  On a
 * stream, once the message being sent is whole: a message cut there would
 * reach the old receiver broken, and the new one again.  A receiver that
 * takes none of the rest is left after reopen_wait, the message cut. */
void target_reopen(struct target *t);
/* The end of the run: count and say what could not be sent, close. */
void target_stop(struct target *t);
void target_free(struct target *t);

#endif
