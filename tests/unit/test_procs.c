/* procs against the kernel: the owner of a connection of this very process,
 * found through NETLINK_SOCK_DIAG and /proc, also when its listener is gone
 * before /proc is read (a server that closes it once it accepts); seen
 * from another user (root only), the owner without the process. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procs.h"
#include "tap.h"

static const uint8_t LO[16] = {127, 0, 0, 1};

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A listener on 127.0.0.1 (its port into *port). */
static int listener(uint16_t *port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof a;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &n) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return l;
}

/* A client connected to port (the handshake done, not accepted); its
 * port into *cport. */
static int client(uint16_t port, uint16_t *cport)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof a;
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(c, (struct sockaddr *)&a, &n) < 0)
		return -1;
	*cport = ntohs(a.sin_port);
	return c;
}

/* procs_run until it has nothing left (5 s at most) */
static void settle(struct procs *p)
{
	for (int i = 0; i < 5000 && procs_busy(p); i++) {
		procs_run(p);
		nap(1);
	}
}

int main(void)
{
	char err[256];
	struct procs *p = procs_new(100, err, sizeof err);
	if (!p) {
		printf("SKIP: %s\n", err);
		return 77;
	}
	struct procs_info info;

	/* a connection accepted: its server end, this process */
	uint16_t sport, cport;
	int l = listener(&sport);
	int c = client(sport, &cport);
	int a = accept(l, NULL, NULL);
	CHECK(l >= 0 && c >= 0 && a >= 0, "sockets");
	/* the server's end is the local one looked at when the client's is
	 * not here: as seen from the server, the peer is elsewhere */
	procs_opened(p, 1, 4, LO, cport, LO, sport);
	settle(p);
	CHECK(procs_get(p, 1, &info) && info.pid == getpid(), "accepted: pid %d, want %d", (int)info.pid,
	      (int)getpid());

	/* The listener's inode stands for a socket not accepted yet; here it
	 * is closed as the socket is accepted, before /proc is read (a walk
	 * began just above: the next waits 250 ms).  The connection's own
	 * socket is then looked up again. */
	uint16_t sport2, cport2;
	int l2 = listener(&sport2);
	int c2 = client(sport2, &cport2);
	CHECK(l2 >= 0 && c2 >= 0, "sockets 2");
	/* the client's end closed (no descriptor holds it: inode 0), the
	 * server's not accepted yet (inode 0): only the listener answers */
	close(c2);
	procs_opened(p, 2, 4, LO, cport2, LO, sport2);
	procs_run(p); /* the query: the listener's inode, and a wait for /proc */
	int a2 = accept(l2, NULL, NULL);
	close(l2);
	CHECK(a2 >= 0, "accept 2");
	nap(300);
	settle(p);
	CHECK(procs_get(p, 2, &info) && info.pid == getpid(),
	      "listener closed before /proc was read: pid %d, want %d", (int)info.pid, (int)getpid());
	struct procs_stats st;
	procs_stats(p, &st);
	CHECK(st.scans >= 2, "%llu walks of /proc", (unsigned long long)st.scans);

	/* as nobody (privileges dropped), root's socket: the kernel tells its
	 * owner; root's /proc/PID/fd is closed to nobody, so no process */
	if (geteuid() == 0) {
		pid_t kid = fork();
		if (kid == 0) {
			close(a2); /* the parent's sockets only */
			close(a);
			close(c);
			close(l);
			struct procs *q = NULL;
			if (setgid(65534) == 0 && setuid(65534) == 0)
				q = procs_new(100, err, sizeof err);
			if (!q)
				_exit(2);
			procs_opened(q, 3, 4, LO, cport, LO, sport);
			settle(q);
			struct procs_info o;
			int r = procs_get(q, 3, &o);
			_exit(r && o.pid == 0 && !o.comm[0] && o.uid == 0 && !strcmp(o.user, "root") ? 0 : 1);
		}
		int ws = 0;
		CHECK(kid > 0 && waitpid(kid, &ws, 0) == kid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
		      "another user's socket, process hidden: owner root, no pid (child status %d)",
		      WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	}

	close(a2);
	close(a);
	close(c);
	close(l);
	procs_free(p);
	DONE();
}
