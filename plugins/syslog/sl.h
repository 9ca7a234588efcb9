/*
 * sl: the parts of the syslog alert plugin, one rule per [output NAME]:
 *   rules.c    the rule's keys (documented there), their values, the checks
 *   eval.c     which connections, the metric's values, the engine's rounds
 *   message.c  the messages (RFC 5424), from the engine's events
 *   syslog.c   the plugin: its lifecycle, and delivery through lib/target
 *   alert.c    the rule engine (hold, hysteresis, repeats, rate limit)
 */
#ifndef TT_SL_H
#define TT_SL_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "filter.h"
#include "map.h"
#include "strbuf.h"
#include "target.h"
#include "tcptrack/plugin.h"

/* A long storm under max_rate is reported at least this often. */
#define STORM_REPORT_US 60000000

enum scope { SC_CONN, SC_GLOBAL, SC_SERVER };
/* U_DELAY: seconds, as U_SECONDS, told to the microsecond (round trips);
 * U_PERCENT: a share, 0 to 100 */
enum unit { U_RATE, U_BYTES, U_SECONDS, U_COUNT, U_PER_SECOND, U_DELAY, U_PERCENT };

enum metric {
	M_CONN_RATE, M_CONN_RATE_C2S, M_CONN_RATE_S2C, M_CONN_BYTES, M_CONN_BYTES_C2S,
	M_CONN_BYTES_S2C, M_CONN_DURATION, M_CONN_SYN_TIME, M_TOTAL_RATE, M_CONNECTIONS,
	M_NEW_CONNECTIONS, M_RESETS, M_HALF_OPEN, M_SERVER_CONNECTIONS, M_SERVER_RATE,
	M_CONN_RTT, M_CONN_RETRANS_RATE, M_SERVER_RTT, M_SERVER_RETRANS_RATE, M_TOTAL_RETRANS_RATE,
	M_NONE
};

struct metric_def {
	const char *name;
	enum scope scope;
	enum unit unit;
	int health;         /* read from the TCP health fields ([core] tcp_health) */
};

/* indexed by enum metric */
extern const struct metric_def rules_metrics[];

/* What a message tells: an event of the engine (the same values as enum
 * alert_kind), or that messages were lost while the target was down. */
enum sl_kind {
	SL_FIRE = ALERT_FIRE,
	SL_ESCALATE = ALERT_ESCALATE,
	SL_DOWNGRADE = ALERT_DOWNGRADE,
	SL_STILL = ALERT_STILL,
	SL_RECOVER = ALERT_RECOVER,
	SL_GONE = ALERT_GONE,
	SL_REPEATS = ALERT_REPEATS,
	SL_RATELIMIT = ALERT_RATELIMIT,
	SL_LOST,
};

/* A level as configured: a count or rate, a size, a duration, or a
 * percentage ("2%"). */
enum lvkind { LV_PLAIN, LV_SIZE, LV_DUR, LV_PERCENT };

struct level {
	int set;
	double v;           /* in the metric's base unit */
	enum lvkind kind;
	char text[48];      /* as written, for messages */
};

/* One rule: an output instance. */
struct sl {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	char *name;
	/* the rule (rules.c) */
	enum metric metric;
	int below;
	struct level warning, critical, clear;
	int64_t hold_us, every_us, repeat_us, drain_us;
	double max_rate, burst;
	int burst_set;
	size_t max_keys;
	struct filter filter;       /* server_port, server, client */
	struct bpf_program bpf;     /* filter */
	char process[16];           /* process: the owner's command name, or "" */
	int names;                  /* names: host names in the structured data */
	int has_bpf;
	/* the messages (message.c) and their delivery (syslog.c) */
	int facility;
	char ident[49];
	char hostname[256];
	int pid;
	int to_syslog;              /* target = syslog: through syslog(3) */
	size_t queue_max;
	struct target target;
	/* evaluation (eval.c) */
	struct alert_engine *eng;
	int64_t last_eval;
	uint64_t events;            /* opened or reset connections since then */
	struct map srvs;            /* alert_key -> struct srv, per evaluation (and
	                             * the connections that ended since the last) */
	struct map bases;           /* id -> struct base: segments counted so far,
	                             * for the rates over a period */
	uint64_t gone_segs, gone_retrans; /* of connections that ended since
	                             * the last evaluation (total_retrans_rate) */
	int walk_needed;            /* the metric needs a walk of the table */
	int keys_said;
};

/* rules.c: the keys the plugin takes, its configure and check */
extern const char *const rules_keys[];
int rules_configure(struct sl *s, const char *key, const char *value, char *err, size_t errlen);
int rules_check(struct sl *s, char *err, size_t errlen);

/* eval.c */
/* At create: the table of the per-server metrics. */
void eval_init(struct sl *s);
/* Count the events of the rates (new_connections, resets), and the last
 * segments of the connections that end (the retransmission rates). */
void eval_event(struct sl *s, const struct tt_event *ev);
/* A round of the engine on a periodic snapshot. */
void eval_round(struct sl *s, const struct tt_snapshot *snap);
/* At destroy. */
void eval_free(struct sl *s);
/* What the rule needs of the core: the TT_EV_* bits it counts, and whether
 * it reads connections' rates (0: TT_CAP_NO_RATES). */
uint32_t eval_events(const struct sl *s);
int eval_reads_rates(const struct sl *s);

/* syslog.c: the engine's events become messages (the engine's emit) */
void sl_emit(void *arg, const struct alert_event *ev);

/* message.c */
#define MSG_MAX 2048
/* The message of kind (about ev, or of `lost` messages for SL_LOST) at
 * time t, into buf of MSG_MAX bytes: m->buf and m->len the whole RFC 5424
 * message, m->body where its MSG begins, m->level its severity. */
void message_build(const struct sl *s, enum sl_kind kind, const struct alert_event *ev, uint64_t lost,
                   int64_t t, char *buf, struct target_msg *m);
/* v in the unit's words ("1.5 MB/s", "2.5s"), for messages. */
void message_human(struct strbuf *b, enum unit u, double v);

#endif
