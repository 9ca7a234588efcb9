/*
 * The exporters' delivery (lib/target) against real sockets this test
 * opens: framing on each kind of socket, the queue's bound and the count
 * of what it lost, the notice of losses once the target is back, a
 * reconnection after the peer closed, a peer that reads slowly (messages
 * cut by a full socket go out whole and in order), SIGHUP while a message
 * is half sent (each connection gets whole messages, none twice), a queue
 * of one whose message is half sent, and the end of a run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mono.h"
#include "tap.h"
#include "target.h"

/* ---- a host that keeps what it is told ---- */

static char logged[8192];

static void host_log(struct tt_ctx *ctx, int level, const char *fmt, ...)
{
	(void)ctx;
	(void)level;
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(logged);
	vsnprintf(logged + n, sizeof logged - n, fmt, ap);
	va_end(ap);
	n = strlen(logged);
	if (n + 1 < sizeof logged)
		strcpy(logged + n, "\n");
}

static int watched_fd = -1;
static short watched_ev;

static int host_watch(struct tt_ctx *ctx, int fd, short events)
{
	(void)ctx;
	watched_fd = fd;
	watched_ev = events;
	return 0;
}

static const struct tt_host host = {
	.size = sizeof host, .log = host_log, .watch_fd = host_watch,
};

static char dir[64];

static void push(struct target *t, const char *text, int notice)
{
	struct target_msg m = {.buf = (char *)text, .len = strlen(text)};
	target_push(t, &m, notice);
}

/* Read from fd what comes within ms milliseconds (then 50ms between
 * pieces), appended to buf after `have` bytes; each piece after sep when
 * sep is set (a datagram each). */
static size_t read_some(int fd, char *buf, size_t len, size_t have, int ms, char sep)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (have + 2 < len && poll(&p, 1, ms) > 0) {
		if (sep)
			buf[have++] = sep;
		ssize_t n = recv(fd, buf + have, len - 1 - have, MSG_DONTWAIT);
		if (n <= 0)
			break;
		have += (size_t)n;
		ms = 50;
	}
	buf[have] = 0;
	return have;
}

static int listen_tcp(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static int listen_unix(const char *path, int type)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	if (type == SOCK_STREAM && listen(fd, 4) < 0)
		return -1;
	return fd;
}

/* Accept within a second, pumping the target meanwhile (its connect may
 * be in progress). */
static int accept_pumping(int lfd, struct target *t)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	for (int i = 0; i < 100; i++) {
		target_pump(t);
		if (poll(&p, 1, 10) > 0)
			return accept(lfd, NULL, NULL);
	}
	return -1;
}

static void test_parse(void)
{
	struct target t;
	char err[256];
	target_init(&t, &host, NULL);
	CHECK(target_parse(&t, "smtp:mail", err, sizeof err) == -EPROTONOSUPPORT, "unknown kind");
	CHECK(target_parse(&t, "unix:log.sock", err, sizeof err) == -EINVAL &&
	      strstr(err, "must be absolute"), "relative unix path: %s", err);
	CHECK(target_parse(&t, "tcp:127.0.0.1:99999", err, sizeof err) == -EINVAL &&
	      strstr(err, "'tcp:127.0.0.1:99999': the port is not a number up to 65535; use tcp:HOST:PORT"),
	      "port: %s", err);
	CHECK(target_parse(&t, "udp:127.0.0.1", err, sizeof err) == -EINVAL &&
	      strstr(err, "'udp:127.0.0.1': no port; use udp:HOST:PORT"), "no port: %s", err);
	CHECK(target_parse(&t, "udp:127.0.0.1:0", err, sizeof err) == -EINVAL && strstr(err, "the port is 0"),
	      "port 0: %s", err);
	/* its colons are the address's: no port, not ::1 port 514 */
	CHECK(target_parse(&t, "udp:::1:514", err, sizeof err) == -EINVAL &&
	      strstr(err, "no port; use udp:HOST:PORT, a port of 1 to 65535 (an IPv6 address in brackets)"),
	      "bare IPv6: %s", err);
	CHECK(target_parse(&t, "udp:127.0.0.1:514.0", err, sizeof err) == -EINVAL &&
	      strstr(err, "the port is not a number"), "port with a point: %s", err);
	CHECK(target_parse(&t, "udp:[127.0.0.1]:514", err, sizeof err) == -EINVAL &&
	      strstr(err, "brackets hold an IPv6 address"), "IPv4 in brackets: %s", err);
	CHECK(target_parse(&t, "udp:[::1:514", err, sizeof err) == -EINVAL && strstr(err, "without its ']'"),
	      "bracket not closed: %s", err);
	CHECK(target_parse(&t, "tcp:[::1]:514", err, sizeof err) == 0 && t.kind == TARGET_TCP &&
	      t.addr.ss_family == AF_INET6 && !strcmp(t.name, "tcp:[::1]:514"), "IPv6 in brackets");
	CHECK(target_parse(&t, "udp:127.0.0.1:514", err, sizeof err) == 0 && t.kind == TARGET_UDP, "udp");
	target_free(&t);
}

/* Octet counting on TCP, whole datagrams on UDP, LF on a unix stream. */
static void test_framing(void)
{
	uint16_t port;
	int lfd = listen_tcp(&port);
	CHECK(lfd >= 0, "listen on 127.0.0.1");
	char spec[64], err[256], buf[4096];
	struct target t;
	target_init(&t, &host, NULL);
	snprintf(spec, sizeof spec, "tcp:127.0.0.1:%u", port);
	CHECK(target_parse(&t, spec, err, sizeof err) == 0, "%s: %s", spec, err);
	CHECK(target_open(&t, 10) == 0, "open");
	target_start(&t);
	push(&t, "<13>1 first", 0);
	push(&t, "second message", 0);
	int cfd = accept_pumping(lfd, &t);
	target_pump(&t);
	read_some(cfd, buf, sizeof buf, 0, 1000, 0);
	CHECK(!strcmp(buf, "11 <13>1 first14 second message"), "RFC 6587 octet counting: '%s'", buf);
	CHECK(t.delivered == 2 && t.qcount == 0, "delivered %llu", (unsigned long long)t.delivered);
	CHECK(watched_fd == t.fd && watched_ev == POLLIN, "an idle stream is watched for its closing");
	close(cfd);
	target_stop(&t);
	target_free(&t);

	/* lf_frames: newline framing on TCP too (JSON lines) */
	target_init(&t, &host, NULL);
	t.lf_frames = 1;
	CHECK(target_parse(&t, spec, err, sizeof err) == 0 && target_open(&t, 10) == 0, "tcp, lf_frames");
	target_start(&t);
	push(&t, "{\"a\":1}", 0);
	push(&t, "{\"b\":2}", 0);
	cfd = accept_pumping(lfd, &t);
	target_pump(&t);
	read_some(cfd, buf, sizeof buf, 0, 1000, 0);
	CHECK(!strcmp(buf, "{\"a\":1}\n{\"b\":2}\n"), "TCP with lf_frames: LF after each: '%s'", buf);
	close(cfd);
	close(lfd);
	target_stop(&t);
	target_free(&t);

	int ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	bind(ufd, (struct sockaddr *)&a, sizeof a);
	getsockname(ufd, (struct sockaddr *)&a, &l);
	target_init(&t, &host, NULL);
	snprintf(spec, sizeof spec, "udp:127.0.0.1:%u", ntohs(a.sin_port));
	CHECK(target_parse(&t, spec, err, sizeof err) == 0 && target_open(&t, 10) == 0, "udp target");
	push(&t, "one", 0);
	push(&t, "two", 0);
	target_pump(&t);
	read_some(ufd, buf, sizeof buf, 0, 1000, '|');
	CHECK(!strcmp(buf, "|one|two"), "UDP: a datagram each, as it is: '%s'", buf);
	/* nothing listens any more: a refused datagram is counted lost, not
	 * delivered, said once, and the next ones still go */
	close(ufd);
	logged[0] = 0;
	for (int i = 0; i < 3; i++) {
		push(&t, "into the void", 0);
		target_pump(&t);
		usleep(20000);
	}
	CHECK(t.lost == 2 && t.delivered == 3 && t.qcount == 0,
	      "UDP refused: %llu lost, %llu delivered", (unsigned long long)t.lost, (unsigned long long)t.delivered);
	CHECK(strstr(logged, "refused (nothing listens)") &&
	      !strstr(strstr(logged, "refused (nothing listens)") + 1, "refused (nothing listens)"),
	      "said once: %s", logged);
	target_stop(&t);
	target_free(&t);

	/* a unix path that is a stream socket: tried as datagram, then stream */
	char path[128];
	snprintf(path, sizeof path, "unix:%s/stream.sock", dir);
	int sfd = listen_unix(path + 5, SOCK_STREAM);
	target_init(&t, &host, NULL);
	CHECK(target_parse(&t, path, err, sizeof err) == 0 && target_open(&t, 10) == 0, "unix target");
	push(&t, "alpha", 0);
	push(&t, "beta", 0);
	cfd = accept_pumping(sfd, &t);
	target_pump(&t);
	read_some(cfd, buf, sizeof buf, 0, 1000, 0);
	CHECK(t.stream && !strcmp(buf, "alpha\nbeta\n"), "unix stream: LF after each: '%s'", buf);
	close(cfd);
	close(sfd);
	target_stop(&t);
	target_free(&t);
}

static char notices[256];

static void on_lost(void *arg, uint64_t lost)
{
	struct target *t = arg;
	snprintf(notices, sizeof notices, "lost %llu", (unsigned long long)lost);
	push(t, notices, 1);
}

/* An unreachable target: the queue keeps the newest, counts the rest, says
 * so once; once back, the queue goes out in order and the loss is told. */
static void test_queue(void)
{
	char path[128], err[256], buf[4096];
	snprintf(path, sizeof path, "unix:%s/dgram.sock", dir);
	unlink(path + 5);
	struct target t;
	target_init(&t, &host, NULL);
	CHECK(target_parse(&t, path, err, sizeof err) == 0, "%s", err);
	target_on_lost(&t, on_lost, &t);
	logged[0] = 0;
	CHECK(target_open(&t, 3) == 0, "open");
	CHECK(t.down && t.fd < 0 && strstr(logged, "connect: No such file or directory; 0 messages queued (at most 3)"),
	      "down from the start: %s", logged);
	for (int i = 1; i <= 6; i++) {
		snprintf(buf, sizeof buf, "m%d", i);
		push(&t, buf, 0);
		target_pump(&t); /* not before its retry time: nothing happens */
	}
	CHECK(t.qcount == 3 && t.lost == 3, "bounded: %zu queued, %llu lost", t.qcount, (unsigned long long)t.lost);
	const char *said = strstr(logged, "queue full (3 messages): the oldest are lost");
	CHECK(said && !strstr(said + 1, "queue full"), "the loss said once: %s", logged);
	CHECK(t.backoff >= 200000, "the retry delay doubles: %lld", (long long)t.backoff);

	int sfd = listen_unix(path + 5, SOCK_DGRAM);
	target_reopen(&t); /* as on SIGHUP: at once */
	read_some(sfd, buf, sizeof buf, 0, 1000, '|');
	CHECK(!strcmp(buf, "|m4|m5|m6|lost 3"), "back: the newest in order, then the notice: '%s'", buf);
	CHECK(!t.down && strstr(logged, "reachable again after") && strstr(logged, "6 messages delayed, 3 lost"),
	      "recovery logged: %s", logged);
	CHECK(t.delivered == 4 && t.lost == 3 && t.lost_reported == 3, "counts: %llu delivered",
	      (unsigned long long)t.delivered);
	close(sfd);
	target_stop(&t);
	CHECK(strstr(logged, "3 messages lost in all (4 delivered)"), "the end says the loss: %s", logged);
	target_free(&t);
}

/* The peer closes an idle connection: the next messages go through a new
 * one at once. */
/* A TCP target to a listening socket of 127.0.0.1; returns the latter. */
static int tcp_target(struct target *t)
{
	uint16_t port;
	int lfd = listen_tcp(&port);
	char spec[64], err[256];
	target_init(t, &host, NULL);
	snprintf(spec, sizeof spec, "tcp:127.0.0.1:%u", port);
	target_parse(t, spec, err, sizeof err);
	return lfd;
}

static void test_reconnect(void)
{
	char buf[256];
	struct target t;
	int lfd = tcp_target(&t);
	target_open(&t, 10);
	push(&t, "before", 0);
	int cfd = accept_pumping(lfd, &t);
	target_pump(&t);
	read_some(cfd, buf, sizeof buf, 0, 1000, 0);
	CHECK(!strcmp(buf, "6 before"), "first connection: '%s'", buf);
	close(cfd);
	logged[0] = 0;
	push(&t, "after", 0);
	int c2 = accept_pumping(lfd, &t);
	target_pump(&t);
	read_some(c2, buf, sizeof buf, 0, 1000, 0);
	CHECK(c2 >= 0 && !strcmp(buf, "5 after"), "a new connection: '%s'", buf);
	CHECK(strstr(logged, "connection closed by the target") && strstr(logged, "reachable again"),
	      "the break and the recovery logged: %s", logged);
	CHECK(t.lost == 0 && t.delivered == 2, "nothing lost");
	close(c2);
	close(lfd);
	target_stop(&t);
	target_free(&t);
}

/* Raw: messages as they are on a stream (they tell their own length); the
 * connect function puts its message first on every new connection. */
static int connects;

static void on_connect(void *arg)
{
	struct target *t = arg;
	struct target_msg m = {.buf = (char *)"[hello]", .len = 7};
	connects++;
	target_push_front(t, &m);
}

static void test_raw(void)
{
	char buf[256];
	struct target t;
	int lfd = tcp_target(&t);
	target_set_raw(&t);
	target_on_connect(&t, on_connect, &t);
	target_open(&t, 10);
	push(&t, "one", 0);
	push(&t, "two", 0);
	int cfd = accept_pumping(lfd, &t);
	target_pump(&t);
	read_some(cfd, buf, sizeof buf, 0, 1000, 0);
	CHECK(!strcmp(buf, "[hello]onetwo"), "raw, the connect message first: '%s'", buf);
	close(cfd);
	push(&t, "three", 0);
	int c2 = accept_pumping(lfd, &t);
	target_pump(&t);
	read_some(c2, buf, sizeof buf, 0, 1000, 0);
	CHECK(c2 >= 0 && !strcmp(buf, "[hello]three") && connects == 2,
	      "again first on a new connection: '%s' (%d connections)", buf, connects);
	CHECK(t.lost == 0 && t.delivered == 5, "nothing lost (%llu delivered)", (unsigned long long)t.delivered);
	close(c2);
	close(lfd);
	target_stop(&t);
	target_free(&t);
}

/* Open t (to lfd) with small socket buffers on both sides, so that they
 * fill soon, and queue n messages of len bytes: the number ("%05d"), then
 * a letter of its own. */
static void open_small(struct target *t, int lfd, size_t queue_max, int n, size_t len)
{
	int small = 4096;
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	target_open(t, queue_max);
	setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	char *msg = malloc(len + 1);
	for (int i = 0; i < n; i++) {
		snprintf(msg, len + 1, "%05d", i);
		memset(msg + 5, 'a' + i % 26, len - 5);
		msg[len] = 0;
		push(t, msg, 0);
	}
	free(msg);
}

/* A peer that reads slowly: the socket fills, messages go out in pieces,
 * and the stream still holds each message whole and in order. */
static void test_slow_peer(void)
{
	struct target t;
	int lfd = tcp_target(&t);
	enum { N = 1000, LEN = 1500 };
	open_small(&t, lfd, N, N, LEN);
	int cfd = accept_pumping(lfd, &t);
	size_t cap = (size_t)N * (LEN + 8) + 1, have = 0;
	char *got = malloc(cap);
	int64_t end = mono_now_us() + 10000000;
	int partial = 0;
	while (t.qcount && mono_now_us() < end) {
		target_pump(&t);
		partial |= t.off != 0;
		ssize_t k;
		while ((k = recv(cfd, got + have, cap - 1 - have, MSG_DONTWAIT)) > 0)
			have += (size_t)k;
	}
	have = read_some(cfd, got, cap, have, 100, 0);
	CHECK(t.qcount == 0 && t.delivered == N, "all sent: %zu left", t.qcount);
	CHECK(partial, "the socket filled and a message went out in pieces");
	int bad = 0;
	size_t at = 0;
	for (int i = 0; i < N && !bad; i++) {
		char want[16];
		int k = snprintf(want, sizeof want, "%d %05d", LEN, i);
		if (at + (size_t)k > have || memcmp(got + at, want, (size_t)k))
			bad = i + 1;
		else
			at += (size_t)k - 5 + LEN;
	}
	CHECK(!bad && at == have, "every message framed whole, in order (first wrong: %d)", bad - 1);
	free(got);
	close(cfd);
	close(lfd);
	target_stop(&t);
	target_free(&t);
}

/* Lines of LEN bytes numbered from *next on ("%05d" then filler), each
 * whole; *next is the number after the last.  0, or -1 at the first line
 * that is not the next whole one. */
static int whole_lines(const char *buf, size_t len, size_t linelen, int *next)
{
	for (size_t at = 0; at < len; at += linelen + 1) {
		char want[8];
		snprintf(want, sizeof want, "%05d", *next);
		if (len - at < linelen + 1 || memcmp(buf + at, want, 5) || buf[at + linelen] != '\n')
			return -1;
		(*next)++;
	}
	return 0;
}

/* SIGHUP while a message is half sent to a receiver not reading: the new
 * connection waits until that message is whole, so that each connection
 * holds whole lines and each line comes once.  A receiver that reads
 * nothing more (hung) is left after reopen_wait: the line cut there goes
 * whole on the new connection. */
static void test_reopen_midway(int hung)
{
	enum { N = 20, LEN = 30000 };
	struct target t;
	int lfd = tcp_target(&t);
	t.lf_frames = 1;
	if (hung)
		t.reopen_wait = 200000;
	open_small(&t, lfd, N, N, LEN);
	int c1 = accept_pumping(lfd, &t);
	for (int i = 0; i < 100 && !t.off; i++) {
		target_pump(&t);
		usleep(1000);
	}
	CHECK(t.off && t.qcount, "a line larger than the sockets' buffers half sent (%zu bytes)", t.off);
	int fd1 = t.fd;
	logged[0] = 0;
	target_reopen(&t);
	struct pollfd pl = {.fd = lfd, .events = POLLIN};
	CHECK(t.fd == fd1 && poll(&pl, 1, 100) == 0, "no new connection while the line is half sent");

	size_t cap = (size_t)N * (LEN + 1) * 2, have1 = 0, have2 = 0;
	char *got1 = malloc(cap), *got2 = malloc(cap);
	int c2 = -1, eof1 = 0;
	int64_t end = mono_now_us() + 10000000;
	while ((t.qcount || c2 < 0 || !eof1) && mono_now_us() < end) {
		target_pump(&t);
		ssize_t k;
		while (!hung && !eof1 && (k = recv(c1, got1 + have1, cap - have1, MSG_DONTWAIT)) >= 0) {
			have1 += (size_t)k;
			eof1 = k == 0;
		}
		if (hung)
			eof1 = 1;
		if (c2 < 0 && poll(&pl, 1, 0) > 0)
			c2 = accept(lfd, NULL, NULL);
		while (c2 >= 0 && (k = recv(c2, got2 + have2, cap - have2, MSG_DONTWAIT)) > 0)
			have2 += (size_t)k;
		usleep(1000);
	}
	have2 = read_some(c2, got2, cap, have2, 100, 0);
	if (hung)
		have1 = read_some(c1, got1, cap, 0, 100, 0);
	CHECK(t.qcount == 0 && c2 >= 0 && t.delivered == N && t.lost == 0,
	      "all sent, over two connections: %zu left, %llu delivered", t.qcount, (unsigned long long)t.delivered);
	int next = 0;
	if (hung) {
		/* the old connection ends in the line cut there */
		size_t whole = have1 - have1 % (LEN + 1);
		CHECK(have1 % (LEN + 1) && whole_lines(got1, whole, LEN, &next) == 0,
		      "the hung receiver's lines whole up to the one cut (%zu bytes)", have1);
		CHECK(strstr(logged, "the message being sent was not whole 0.2s after SIGHUP: it is cut on the old "
		                     "connection and sent whole on the new one"), "said: %s", logged);
	} else {
		CHECK(whole_lines(got1, have1, LEN, &next) == 0 && next > 0,
		      "the old connection holds whole lines, up to %d (%zu bytes)", next, have1);
	}
	int from = next;
	CHECK(whole_lines(got2, have2, LEN, &next) == 0 && next == N,
	      "the new connection goes on from line %d, whole and once, to %d", from, next);
	free(got1);
	free(got2);
	close(c1);
	if (c2 >= 0)
		close(c2);
	close(lfd);
	target_stop(&t);
	target_free(&t);
}

/* A queue of one message, half sent: it goes out whole, the one pushed
 * meanwhile is lost (no room: the rest of the first must come before it),
 * and the next goes out whole after it. */
static void test_queue_one(void)
{
	enum { LEN = 30000 };
	struct target t;
	int lfd = tcp_target(&t);
	t.lf_frames = 1;
	open_small(&t, lfd, 1, 1, LEN);
	int cfd = accept_pumping(lfd, &t);
	for (int i = 0; i < 100 && !t.off; i++) {
		target_pump(&t);
		usleep(1000);
	}
	CHECK(t.off && t.qcount == 1, "the only line half sent (%zu bytes)", t.off);
	logged[0] = 0;
	push(&t, "no room", 0);
	CHECK(t.lost == 1 && t.qcount == 1 && strstr(logged, "queue full (1 messages): the oldest are lost"),
	      "the line pushed meanwhile lost: %llu lost, %zu queued; %s", (unsigned long long)t.lost, t.qcount,
	      logged);
	size_t cap = 2 * (LEN + 1), have = 0;
	char *got = malloc(cap);
	int64_t end = mono_now_us() + 10000000;
	while (t.qcount && mono_now_us() < end) {
		target_pump(&t);
		ssize_t k;
		while ((k = recv(cfd, got + have, cap - 1 - have, MSG_DONTWAIT)) > 0)
			have += (size_t)k;
	}
	push(&t, "after", 0);
	target_pump(&t);
	have = read_some(cfd, got, cap, have, 1000, 0);
	int next = 0;
	CHECK(have > LEN && whole_lines(got, LEN + 1, LEN, &next) == 0 && !strcmp(got + LEN + 1, "after\n"),
	      "the half-sent line whole, then the next (%zu bytes, '%.20s' after the first line)", have,
	      have > LEN ? got + LEN + 1 : "");
	CHECK(t.delivered == 2 && t.lost == 1, "%llu delivered", (unsigned long long)t.delivered);
	free(got);
	close(cfd);
	close(lfd);
	target_stop(&t);
	target_free(&t);
}

static char delivered[256];

static int deliver(void *arg, const struct target_msg *m)
{
	(void)arg;
	size_t n = strlen(delivered);
	snprintf(delivered + n, sizeof delivered - n, "[%d %s]", m->level, m->buf + m->body);
	return 0;
}

/* A function target: the part and the level it is given, in order. */
static void test_func(void)
{
	struct target t;
	target_init(&t, &host, NULL);
	CHECK(target_set_func(&t, "syslog", deliver, NULL) == 0, "function target");
	target_open(&t, 10);
	struct target_msg m = {.buf = "HEADER body one", .len = 15, .body = 7, .level = 4};
	target_push(&t, &m, 0);
	m.buf = "HEADER body two";
	m.level = 2;
	target_push(&t, &m, 0);
	target_pump(&t);
	CHECK(!strcmp(delivered, "[4 body one][2 body two]") && t.delivered == 2, "%s", delivered);
	target_stop(&t);
	target_free(&t);
}

/* The end of a run: the drain gives up after its time, what is left is
 * counted lost and said. */
static void test_drain(void)
{
	char path[128], err[256];
	snprintf(path, sizeof path, "unix:%s/nobody.sock", dir);
	struct target t;
	target_init(&t, &host, NULL);
	target_parse(&t, path, err, sizeof err);
	target_open(&t, 10);
	push(&t, "x", 0);
	push(&t, "y", 0);
	logged[0] = 0;
	int64_t t0 = mono_now_us();
	target_drain(&t, 300000);
	int64_t took = mono_now_us() - t0;
	CHECK(took >= 250000 && took < 2000000, "drained for %lld us", (long long)took);
	target_stop(&t);
	CHECK(t.lost == 2 && strstr(logged, "2 messages could not be delivered before exit") &&
	      strstr(logged, "2 messages lost in all (0 delivered)"), "%s", logged);
	target_free(&t);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_target.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_framing();
	test_queue();
	test_reconnect();
	test_raw();
	test_slow_peer();
	test_reopen_midway(0);
	test_reopen_midway(1);
	test_queue_one();
	test_func();
	test_drain();
	char p[128];
	const char *socks[] = {"stream.sock", "dgram.sock"};
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, socks[i]);
		unlink(p);
	}
	rmdir(dir);
	DONE();
}
