/*
 * syslog: threshold alerts, one rule per [output NAME] (keys: rules.c; the
 * parts: sl.h).  This file is the plugin: its lifecycle, the engine's
 * events made messages (message.c), and their delivery through lib/target,
 * to a socket or to syslog(3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "sl.h"

void sl_emit(void *arg, const struct alert_event *ev)
{
	struct sl *s = arg;
	char buf[MSG_MAX];
	struct target_msg m;
	message_build(s, (enum sl_kind)ev->kind, ev, 0, ev->time_us, buf, &m);
	target_push(&s->target, &m, 0);
}

/* The queue emptied after an outage that lost messages: say how many. */
static void on_lost(void *arg, uint64_t lost)
{
	struct sl *s = arg;
	char buf[MSG_MAX];
	struct target_msg m;
	message_build(s, SL_LOST, NULL, lost, s->host->now(s->ctx), buf, &m);
	target_push(&s->target, &m, 1);
}

/* Whether a syslog daemon listens on _PATH_LOG: syslog(3) drops a message
 * silently when none does, and this one would be lost without a word. */
static int syslog_listens(void)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof a.sun_path, "%s", _PATH_LOG);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* EPROTOTYPE: a stream socket, which syslog(3) also takes */
	int r = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 || errno == EPROTOTYPE ? 0 : -errno;
	close(fd);
	return r;
}

/* target = syslog: the MSG part through syslog(3) */
static int to_syslog(void *arg, const struct target_msg *m)
{
	struct sl *s = arg;
	int r = syslog_listens();
	if (r < 0)
		return r;
	/* openlog each time: another rule may have set its own ident */
	openlog(s->ident, LOG_PID, s->facility << 3);
	syslog((s->facility << 3) | m->level, "%s", m->buf + m->body);
	return 0;
}

/* With chroot, a unix socket (and syslog(3)'s /dev/log) is reached again,
 * after its daemon restarts, by its path inside the new root: refuse a
 * target that could then never come back, rather than lose every message
 * after the first restart. */
static int check_chroot(struct sl *s, char *err, size_t errlen)
{
	const struct tt_settings *st = s->host->settings(s->ctx);
	if (!TT_HAS(tt_settings, st, chroot_dir) || !st->chroot_dir)
		return 0;
	const char *path = _PATH_LOG;
	if (s->target.kind == TARGET_UNIX)
		path = ((const struct sockaddr_un *)&s->target.addr)->sun_path;
	else if (s->target.kind != TARGET_FUNC)
		return 0;
	char inside[4200];
	snprintf(inside, sizeof inside, "%s%s", st->chroot_dir, path);
	struct stat sb;
	if (stat(inside, &sb) == 0 && S_ISSOCK(sb.st_mode))
		return 0;
	snprintf(err, errlen, "target %s: with chroot %s, it is reached again after its daemon restarts only "
	         "through %s, which is no socket: have the daemon listen there too, or use a udp: or tcp: "
	         "target", s->to_syslog ? "syslog" : s->target.name, st->chroot_dir, inside);
	return -EINVAL;
}

static int sl_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	struct sl *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->host = host;
	s->ctx = ctx;
	s->name = strdup(instance);
	if (!s->name) {
		free(s);
		return -ENOMEM;
	}
	s->metric = M_NONE;
	s->every_us = 1000000;
	s->drain_us = 2000000;
	s->max_rate = 10;
	s->max_keys = 100000;
	s->queue_max = 1000;
	s->facility = 3;
	snprintf(s->ident, sizeof s->ident, "tcptrack");
	s->to_syslog = 1;
	target_init(&s->target, host, ctx);
	eval_init(s);
	*state = s;
	return 0;
}

static int sl_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	return rules_configure(state, key, value, err, errlen);
}

static int sl_check(void *state, char *err, size_t errlen)
{
	int r = rules_check(state, err, errlen);
	return r < 0 ? r : check_chroot(state, err, errlen);
}

static int sl_open(void *state, char *err, size_t errlen)
{
	struct sl *s = state;
	/* RFC 5424 6.2.4: HOSTNAME is printable US-ASCII, at most 255 */
	if (gethostname(s->hostname, sizeof s->hostname - 1) < 0)
		s->hostname[0] = 0;
	for (char *p = s->hostname; *p; p++)
		if (*p < 33 || *p > 126) {
			s->hostname[0] = 0;
			break;
		}
	s->pid = (int)getpid();
	const struct tt_settings *st = s->host->settings(s->ctx);
	if (s->process[0] && !(TT_HAS(tt_settings, st, processes) && st->processes))
		s->host->log(s->ctx, TT_LOG_WARN, "process = %s matches no connection: %s", s->process,
		             st->live ? "no processes are found ([core] processes)"
		                      : "the processes of a file's connections are not known");
	if (s->to_syslog && target_set_func(&s->target, "syslog (" _PATH_LOG ")", to_syslog, s) < 0)
		return -ENOMEM;
	target_on_lost(&s->target, on_lost, s);
	return target_open(&s->target, s->queue_max);
}

static int sl_start(void *state)
{
	struct sl *s = state;
	target_start(&s->target);
	/* ABI 1.1: ask only for what this rule uses, so that a rule on
	 * connection counts neither receives every state change nor makes the
	 * core sample every connection's rate; a 1.0 core sends the
	 * descriptor's events and samples rates, which is only slower */
	if (TT_HOST_HAS(s->host, set_caps)) {
		s->host->set_events(s->ctx, eval_events(s));
		s->host->set_caps(s->ctx, eval_reads_rates(s) ? 0 : TT_CAP_NO_RATES);
	}
	return s->host->set_interval(s->ctx, s->every_us, TT_INTERVAL_ALIGNED);
}

static int sl_on_event(void *state, const struct tt_event *ev)
{
	eval_event(state, ev);
	return 0;
}

static int sl_on_snapshot(void *state, const struct tt_snapshot *snap)
{
	struct sl *s = state;
	if (!snap->flags)
		eval_round(s, snap);
	target_pump(&s->target);
	return 0;
}

static int sl_on_fd(void *state, int fd, short revents)
{
	struct sl *s = state;
	(void)fd;
	(void)revents;
	target_pump(&s->target);
	return 0;
}

static int sl_flush(void *state)
{
	struct sl *s = state;
	if (s->eng)
		alert_finish(s->eng, s->host->now(s->ctx));
	target_pump(&s->target); /* stop() waits for the rest, as json's */
	return 0;
}

static int sl_reopen(void *state)
{
	struct sl *s = state;
	target_reopen(&s->target);
	return 0;
}

static void sl_stop(void *state)
{
	struct sl *s = state;
	target_drain(&s->target, s->drain_us);
	target_stop(&s->target);
	if (s->to_syslog)
		closelog();
}

static void sl_destroy(void *state)
{
	struct sl *s = state;
	target_free(&s->target);
	alert_free(s->eng);
	if (s->has_bpf)
		pcap_freecode(&s->bpf);
	eval_free(s);
	free(s->name);
	free(s);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.events = TT_EV_OPENED | TT_EV_STATE,
	.name = "syslog",
	.description = "threshold alerts to syslog (syslog(3), or RFC 5424 over unix, UDP or TCP)",
	.keys = rules_keys,
	.create = sl_create,
	.configure = sl_configure,
	.check = sl_check,
	.open = sl_open,
	.start = sl_start,
	.on_event = sl_on_event,
	.on_snapshot = sl_on_snapshot,
	.on_fd = sl_on_fd,
	.reopen = sl_reopen,
	.flush = sl_flush,
	.stop = sl_stop,
	.destroy = sl_destroy,
};
