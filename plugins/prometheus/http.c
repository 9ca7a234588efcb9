/*
 * http: the exporter's HTTP server.  libmicrohttpd runs it on a thread of
 * its own (its internal polling thread), so that neither a slow client nor
 * a TLS handshake nor the text of a scrape ever costs the event loop.
 *
 * A scrape asks the loop for fresh figures through an eventfd the loop
 * watches (host->watch_fd); the loop collects them at its next turn (a
 * snapshot: the only moment the table may be walked) and hands a copy
 * over under a mutex.  The scrape waits for it up to wait_us, and else
 * serves the latest figures it has (the loop is busy, or blocked reading
 * a pipe): a scrape never waits long, and the loop never waits for a
 * scrape.  Nothing here calls the host.
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "prom.h"

#define MAX_FILE (1 << 20)
/* Connections the server holds at once, from one address among them, and
 * how long one may stay idle: a scraper needs one, and a host that opens
 * many and sends nothing holds only its share, for a few seconds, rather
 * than every slot until a scrape times out */
#define MAX_CONNS 32
#define MAX_CONNS_PER_IP 8
#define IDLE_TIMEOUT_S 3
#define FINAL_MARK ((void *)1)

struct user {
	char *name, *hash;
	char *ok; /* the last password that matched, so that a scrape every
	           * second does not pay bcrypt's deliberate slowness each time */
};

struct pm_http {
	int lsock, efd;
	int port;                  /* the socket's, once bound */
	struct MHD_Daemon *d;
	char *cert, *key;
	struct user *users;
	size_t nusers;
	struct crypt_data *cd;     /* the server thread's */
	int64_t wait_us;
	struct pm_names names;
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* a publication, or the final figures served */
	struct pm_figs shared;     /* the latest figures the loop published */
	int asked;                 /* a scrape waits for the loop */
	int final_served;
	struct pm_figs mine;       /* the server thread's copy */
	char *text;
	size_t textcap;
};

/* The file of key; its reasons start with the key's name, so that the core
 * tells them with its line */
static char *slurp(const char *key, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(MAX_FILE + 1);
	size_t n = 0;
	ssize_t r = 0;
	while (buf && n < MAX_FILE && (r = read(fd, buf + n, MAX_FILE - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (!buf || r < 0) {
		snprintf(err, errlen, "%s %s: %s", key, path, buf ? strerror(errno) : "out of memory");
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* user:hash lines (as htpasswd -B writes them); # comments, blank lines */
static int load_users(struct pm_http *h, const char *path, char *err, size_t errlen)
{
	char *text = slurp("auth_users", path, err, errlen);
	if (!text)
		return -EACCES;
	int r = 0, line = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		l[strcspn(l, "\r")] = 0;
		if (!*l || *l == '#')
			continue;
		char *colon = strchr(l, ':');
		if (!colon || colon == l || colon[1] != '$') {
			snprintf(err, errlen, "auth_users %s:%d: not user:hash with a crypt(3) hash ($2y$..., $6$...)",
			         path, line);
			r = -EINVAL;
			break;
		}
		*colon = 0;
		struct user *u = realloc(h->users, (h->nusers + 1) * sizeof *u);
		if (!u) {
			r = -ENOMEM;
			break;
		}
		h->users = u;
		u = &h->users[h->nusers++];
		u->name = strdup(l);
		u->hash = strdup(colon + 1);
		u->ok = NULL;
		if (!u->name || !u->hash) {
			r = -ENOMEM;
			break;
		}
	}
	free(text);
	if (!r && !h->nusers) {
		snprintf(err, errlen, "auth_users %s: no user", path);
		r = -EINVAL;
	}
	if (r == -ENOMEM)
		snprintf(err, errlen, "auth_users %s: out of memory", path);
	return r;
}

/* same length and bytes, in a time that does not tell where they differ */
static int same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

static int authorized(struct pm_http *h, struct MHD_Connection *conn)
{
	char *pass = NULL;
	char *name = MHD_basic_auth_get_username_password(conn, &pass);
	int ok = 0;
	for (size_t i = 0; name && pass && i < h->nusers; i++) {
		struct user *u = &h->users[i];
		if (strcmp(u->name, name))
			continue;
		if (u->ok && same(u->ok, pass)) {
			ok = 1;
			break;
		}
		/* crypt_rn: libxcrypt's crypt_r that says NULL on failure (and
		 * that sanitizers do not intercept: their crypt_r, resolved before
		 * this plugin brought libcrypt in, would have no real one to call) */
		const char *c = crypt_rn(pass, u->hash, h->cd, (int)sizeof *h->cd);
		if (c && same(c, u->hash)) {
			ok = 1;
			free(u->ok);
			u->ok = strdup(pass);
		}
		break;
	}
	if (pass)
		MHD_free(pass);
	if (name)
		MHD_free(name);
	return ok;
}

static void deadline_in(struct timespec *ts, int64_t us)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	int64_t ns = ts->tv_nsec + (us % 1000000) * 1000;
	ts->tv_sec += (time_t)(us / 1000000 + ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
}

/* Fresh figures into h->mine: ask the loop, wait up to wait_us. */
static void fetch(struct pm_http *h)
{
	pthread_mutex_lock(&h->mu);
	uint64_t seq = h->shared.seq;
	if (!h->shared.final) {
		if (!h->asked) {
			h->asked = 1;
			uint64_t one = 1;
			if (write(h->efd, &one, sizeof one) < 0) {
				/* the counter is full: the loop has been asked already */
			}
		}
		struct timespec until;
		deadline_in(&until, h->wait_us);
		while (h->shared.seq == seq && !h->shared.final)
			if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT)
				break;
	}
	pm_figs_copy(&h->mine, &h->shared);
	pthread_mutex_unlock(&h->mu);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result q = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return q;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
	struct pm_http *h = cls;
	(void)version;
	(void)upload;
	if (*upload_size)
		return MHD_NO; /* a GET has no body */
	static const char plain[] = "text/plain; charset=utf-8";
	if (h->nusers && !authorized(h, conn)) {
		static const char no[] = "authentication required\n";
		struct MHD_Response *r = MHD_create_response_from_buffer(sizeof no - 1, (void *)no,
		                                                         MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		enum MHD_Result q = MHD_queue_basic_auth_fail_response(conn, "tcptrack", r);
		MHD_destroy_response(r);
		return q;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		static const char no[] = "only GET\n";
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, plain, no, sizeof no - 1);
	}
	if (!strcmp(url, "/")) {
		static const char home[] = "tcptrack: the metrics are at /metrics\n";
		return reply(conn, MHD_HTTP_OK, plain, home, sizeof home - 1);
	}
	if (strcmp(url, "/metrics")) {
		static const char no[] = "not found: the metrics are at /metrics\n";
		return reply(conn, MHD_HTTP_NOT_FOUND, plain, no, sizeof no - 1);
	}
	fetch(h);
	size_t need = pm_expo_size(&h->mine);
	if (need > h->textcap) {
		char *t = realloc(h->text, need);
		if (!t)
			return MHD_NO;
		h->text = t;
		h->textcap = need;
	}
	struct strbuf b;
	strbuf_init(&b, h->text, h->textcap);
	pm_expo(&b, &h->mine, &h->names);
	if (h->mine.final)
		*req = FINAL_MARK;
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
}

static void completed(void *cls, struct MHD_Connection *conn, void **req,
                      enum MHD_RequestTerminationCode why)
{
	struct pm_http *h = cls;
	(void)conn;
	if (*req == FINAL_MARK && why == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		pthread_mutex_lock(&h->mu);
		h->final_served = 1;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
	}
	*req = NULL;
}

/* libmicrohttpd's first message: why a server did not start */
struct first_msg {
	char *buf;
	size_t len;
};

static void keep_first(void *cls, const char *fmt, va_list ap)
{
	struct first_msg *m = cls;
	if (!m->buf[0])
		vsnprintf(m->buf, m->len, fmt, ap);
}

/* The certificate and key as the server will take them: a server of
 * libmicrohttpd with neither socket nor thread, so that what is refused
 * here (not PEM, an encrypted key, a key that is not the certificate's)
 * is exactly what would keep the server from starting. */
static int tls_check(const struct pm_http *h, const struct pm_http_conf *c, char *err, size_t errlen)
{
	char why[256] = "";
	struct first_msg m = {why, sizeof why};
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0,
	                                        NULL, NULL, handle, NULL,
	                                        MHD_OPTION_EXTERNAL_LOGGER, keep_first, &m,
	                                        MHD_OPTION_HTTPS_MEM_KEY, h->key,
	                                        MHD_OPTION_HTTPS_MEM_CERT, h->cert,
	                                        MHD_OPTION_END);
	if (d) {
		MHD_stop_daemon(d);
		return 0;
	}
	/* "GnuTLS failed to setup x509 certificate/key: The ... match.\n":
	 * GnuTLS's own words */
	why[strcspn(why, "\n")] = 0;
	size_t n = strlen(why);
	if (n && why[n - 1] == '.')
		why[n - 1] = 0;
	const char *gnutls = strrchr(why, ':') ? strrchr(why, ':') + 1 : why;
	gnutls += strspn(gnutls, " ");
	snprintf(err, errlen, "tls_cert %s and tls_key %s: not a PEM certificate and its unencrypted private key%s%s%s",
	         c->tls_cert, c->tls_key, *gnutls ? " (GnuTLS: " : "", gnutls, *gnutls ? ")" : "");
	return -EINVAL;
}

/* The files of tls_cert, tls_key and auth_users, read and checked */
static int load_files(struct pm_http *h, const struct pm_http_conf *c, char *err, size_t errlen)
{
	if (c->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "tls_cert: this libmicrohttpd was built without TLS");
			return -ENOTSUP;
		}
		if (!(h->cert = slurp("tls_cert", c->tls_cert, err, errlen)) ||
		    !(h->key = slurp("tls_key", c->tls_key, err, errlen)))
			return -EACCES;
		int r = tls_check(h, c, err, errlen);
		if (r < 0)
			return r;
	}
	return c->users ? load_users(h, c->users, err, errlen) : 0;
}

static void free_files(struct pm_http *h)
{
	for (size_t i = 0; i < h->nusers; i++) {
		free(h->users[i].name);
		free(h->users[i].hash);
		free(h->users[i].ok);
	}
	free(h->users);
	free(h->cert);
	free(h->key);
}

int pm_http_check(const struct pm_http_conf *c, char *err, size_t errlen)
{
	struct pm_http h;
	memset(&h, 0, sizeof h);
	int r = load_files(&h, c, err, errlen);
	free_files(&h);
	return r;
}

static int bind_socket(struct pm_http *h, const struct pm_http_conf *c, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	if (c->family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->port);
		memcpy(&s6->sin6_addr, c->addr, 16);
		len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->port);
		memcpy(&s4->sin_addr, c->addr, 4);
		len = sizeof *s4;
	}
	h->lsock = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;
	if (h->lsock < 0 ||
	    setsockopt(h->lsock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    (c->family == 6 && setsockopt(h->lsock, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0) ||
	    bind(h->lsock, (struct sockaddr *)&ss, len) < 0 || listen(h->lsock, 64) < 0 ||
	    getsockname(h->lsock, (struct sockaddr *)&ss, &len) < 0) {
		int e = errno;
		char a[INET6_ADDRSTRLEN] = "?";
		inet_ntop(ss.ss_family, c->addr, a, sizeof a);
		snprintf(err, errlen, "listen on %s%s%s:%u: %s", c->family == 6 ? "[" : "", a,
		         c->family == 6 ? "]" : "", (unsigned)c->port, strerror(e));
		return -e;
	}
	h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                         : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int pm_http_open(struct pm_http **hp, const struct pm_http_conf *c, char *err, size_t errlen)
{
	struct pm_http *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	h->lsock = h->efd = -1;
	h->wait_us = c->wait_us;
	h->names = c->names;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	*hp = h;
	if (pm_figs_alloc(&h->shared, c->cap) < 0 || pm_figs_alloc(&h->mine, c->cap) < 0 ||
	    !(h->cd = calloc(1, sizeof *h->cd))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int r = load_files(h, c, err, errlen);
	if (r < 0)
		return r;
	if ((h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	return bind_socket(h, c, err, errlen);
}

int pm_http_port(const struct pm_http *h)
{
	return h->port;
}

int pm_http_start(struct pm_http *h, char *err, size_t errlen)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	if (h->cert)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_KEY, 0, h->key},
		{MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
	/* the server's thread takes none of the signals the core acts on:
	 * they must wake the loop's poll, on the loop's thread (a fault, as
	 * SIGSEGV, stays the faulting thread's) */
	sigset_t sigs, old;
	sigemptyset(&sigs);
	static const int async[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof async / sizeof async[0]; i++)
		sigaddset(&sigs, async[i]);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, h,
	                        MHD_OPTION_LISTEN_SOCKET, h->lsock,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNS,
	                        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_CONNS_PER_IP,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
	                        MHD_OPTION_NOTIFY_COMPLETED, completed, h,
	                        MHD_OPTION_ARRAY, h->cert ? tls : none,
	                        MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		snprintf(err, errlen, "the HTTP server did not start%s", h->cert ? " (check tls_cert and tls_key)" : "");
		return -EINVAL;
	}
	h->lsock = -1; /* the daemon's now: MHD_stop_daemon closes it */
	return 0;
}

int pm_http_fd(const struct pm_http *h)
{
	return h->efd;
}

int pm_http_asked(struct pm_http *h)
{
	uint64_t n;
	if (read(h->efd, &n, sizeof n) < 0)
		return 0;
	pthread_mutex_lock(&h->mu);
	int r = h->asked;
	pthread_mutex_unlock(&h->mu);
	return r;
}

void pm_http_publish(struct pm_http *h, const struct pm_figs *f)
{
	pthread_mutex_lock(&h->mu);
	pm_figs_copy(&h->shared, f);
	h->asked = 0;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void pm_http_linger(struct pm_http *h, int64_t linger_us)
{
	if (!h->d || linger_us <= 0)
		return;
	struct timespec until;
	deadline_in(&until, linger_us);
	pthread_mutex_lock(&h->mu);
	while (!h->final_served)
		if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&h->mu);
}

void pm_http_close(struct pm_http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d); /* joins its thread */
	if (h->lsock >= 0)
		close(h->lsock);
	if (h->efd >= 0)
		close(h->efd);
	free_files(h);
	free(h->cd);
	free(h->text);
	pm_figs_free(&h->shared);
	pm_figs_free(&h->mine);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}
