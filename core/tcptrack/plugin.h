/*
 * tcptrack/plugin.h - the output plugin ABI of tcptrack.
 *
 * An output plugin is a shared object that exports one symbol,
 * TT_PLUGIN_SYMBOL, a const struct tt_plugin.  The core dlopen()s it, checks
 * abi_major (must equal TT_ABI_MAJOR) and size (must cover every field the
 * core uses), then drives it through this lifecycle, once per [output NAME]
 * section (one plugin may have many instances):
 *
 *   create -> configure (once per key) -> check -> open -> [privileges are
 *   dropped] -> start -> events, snapshots, fd readiness, reopen (SIGHUP)
 *   -> flush -> stop -> destroy
 *
 * Threads: everything happens on the core's single event-loop thread; no
 * callback is ever called concurrently with another, and no callback may
 * block (a plugin that waits for input registers a file descriptor with
 * host->watch_fd and is called back when it is ready).
 *
 * Memory: every pointer the core passes in (connection views, events,
 * snapshots, strings) is owned by the core and valid only for the duration of
 * the call; copy what you keep.  The plugin owns its own state.
 *
 * Versioning: the ABI version is separate from the package version.  A new
 * field is only ever added at the end of a struct, with abi_minor raised;
 * every struct the core passes starts with its size, so a plugin built
 * against a newer header can tell which fields are present.  Removing or
 * changing a field raises abi_major, and the core refuses other majors.
 *
 * Return values: 0 on success, a negative errno value on failure.  Every
 * callback but create may be NULL.
 */
#ifndef TCPTRACK_PLUGIN_H
#define TCPTRACK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TT_ABI_MAJOR 1
#define TT_ABI_MINOR 0

/* Name of the one symbol a plugin exports: a const struct tt_plugin. */
#define TT_PLUGIN_SYMBOL "tcptrack_plugin"
/* Use as: TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {...}; */
#define TT_PLUGIN_EXPORT __attribute__((visibility("default")))

/* Connection states, as tcptrack 1.x names them (host->state_name). */
enum tt_state {
	TT_SYN_SENT = 0,    /* SYN seen, no SYN|ACK yet */
	TT_SYN_ACK_ACK,     /* SYN|ACK seen, waiting for the ACK */
	TT_ESTABLISHED,     /* handshake done, or picked up mid-stream */
	TT_CLOSING,         /* a FIN seen in one direction */
	TT_CLOSED,          /* a FIN seen in both directions */
	TT_RESET,           /* a RST seen */
	TT_NSTATES
};

/* tt_conn.flags */
#define TT_CONN_MIDSTREAM 0x01 /* picked up without its handshake: roles guessed */
#define TT_CONN_C_FIN     0x02 /* the client sent a FIN */
#define TT_CONN_S_FIN     0x04 /* the server sent a FIN */

/* Counters of one direction of a connection. */
struct tt_counts {
	uint64_t packets;
	uint64_t bytes;   /* IP bytes: IPv4 total length, IPv6 40 + payload length */
	uint64_t payload; /* TCP payload bytes */
};

/*
 * A view of one connection, filled by the core for the duration of a call.
 * Addresses are in network byte order (an IPv4 address in the first 4 bytes,
 * the rest zero); ports in host byte order.  Times are microseconds since the
 * Unix epoch on the capture clock (packet time when reading a file).
 */
struct tt_conn {
	uint32_t size;       /* sizeof the view the core filled */
	uint8_t family;      /* 4 or 6 */
	uint8_t state;       /* enum tt_state */
	uint16_t flags;      /* TT_CONN_* */
	uint64_t id;         /* unique within one run, never reused */
	uint32_t generation; /* how many connections this 4-tuple had before this one */
	uint16_t client_port;
	uint16_t server_port;
	uint8_t client[16];
	uint8_t server[16];
	int64_t first_seen_us;
	int64_t last_seen_us;
	struct tt_counts c2s; /* client to server */
	struct tt_counts s2c; /* server to client */
	double c2s_rate;      /* payload bytes/s over the averaging window */
	double s2c_rate;
};

/* Event types; also bits of tt_plugin.events (which events a plugin wants). */
#define TT_EV_OPENED  0x01 /* a connection entered the table */
#define TT_EV_STATE   0x02 /* its state changed (old_state tells from what) */
#define TT_EV_REMOVED 0x04 /* it left the table: its counters are final */

/* tt_event.reason for TT_EV_REMOVED */
enum tt_reason {
	TT_RM_NONE = 0,
	TT_RM_LINGER,      /* closed or reset, and the linger time passed */
	TT_RM_SYN_TIMEOUT, /* the handshake did not complete in time */
	TT_RM_FIN_TIMEOUT, /* closing, and the other FIN never came */
	TT_RM_IDLE,        /* established, idle longer than idle_timeout */
	TT_RM_EVICTED,     /* the table was full (max_connections) */
	TT_RM_REUSED,      /* a new SYN reused the tuple of this closed connection */
	TT_RM_EXIT         /* tcptrack is stopping or reached the end of the file */
};

struct tt_event {
	uint32_t size;
	uint32_t type;       /* TT_EV_* (one bit) */
	int64_t time_us;     /* capture clock */
	const struct tt_conn *conn;
	uint32_t old_state;  /* TT_EV_STATE: the state before */
	uint32_t reason;     /* TT_EV_REMOVED: enum tt_reason */
};

/* Capture and decode statistics, cumulative since start. */
struct tt_stats {
	uint32_t size;
	uint32_t reserved;
	uint64_t packets;      /* packets read from the capture */
	uint64_t tcp_packets;  /* counted into a connection */
	uint64_t non_tcp;      /* IP but not TCP (UDP, ICMP, TCP quoted in ICMP...) */
	uint64_t fragments;    /* non-first IP fragments (never parsed as TCP) */
	uint64_t truncated;    /* cut short by the snap length before the TCP flags */
	uint64_t invalid;      /* malformed headers */
	uint64_t unsupported;  /* link type or protocol that carries no IP */
	uint64_t connections;  /* connections opened since start */
	uint64_t evicted;      /* connections evicted because the table was full */
	uint64_t resets;       /* connections that ended in RST */
	uint64_t kernel_drops; /* pcap_stats ps_drop (live only) */
	uint64_t if_drops;     /* pcap_stats ps_ifdrop (live only) */
	struct tt_counts total; /* all TCP traffic counted */
	uint64_t untracked;    /* TCP segments of connections not tracked (-d) */
};

/* tt_snapshot.flags */
#define TT_SNAP_EOF   0x01 /* the capture file has been read to its end */
#define TT_SNAP_FINAL 0x02 /* tcptrack is stopping: this is the last snapshot */
#define TT_SNAP_ASKED 0x04 /* sent because the plugin called host->snapshot */

struct tt_snapshot;
typedef int (*tt_conn_cb)(void *arg, const struct tt_conn *conn);

/*
 * Periodic view of the whole table, sent at the interval the plugin asked
 * for (host->set_interval) on the capture clock.
 */
struct tt_snapshot {
	uint32_t size;
	uint32_t flags;          /* TT_SNAP_* */
	int64_t time_us;         /* capture clock now */
	int64_t start_us;        /* capture clock at the first packet */
	int64_t prev_us;         /* time of this plugin's previous snapshot (start_us at first) */
	uint64_t nconns;         /* connections in the table */
	uint64_t half_open;      /* of them in SYN_SENT or SYN|ACK-ACK */
	double c2s_rate;         /* sum of all connections' rates, bytes/s */
	double s2c_rate;
	const struct tt_stats *stats;
	/* Calls cb for every connection in the table, in no particular order;
	 * stops early and returns cb's value when it is non-zero. */
	int (*foreach)(const struct tt_snapshot *snap, tt_conn_cb cb, void *arg);
	void *priv;              /* the core's, for foreach */
	/* Reading a file: how far, in bytes (size -1 when unknown, e.g. stdin). */
	int64_t input_pos;
	int64_t input_size;
};

/* Settings of the core a plugin may want (host->settings). Times in us. */
struct tt_settings {
	uint32_t size;
	int fast_average;        /* -f */
	int live;                /* capturing from an interface (else a file) */
	int interactive;         /* a terminal output (the top view) is running */
	int64_t refresh_us;      /* display refresh interval */
	int64_t fast_interval_us;/* rate recalculation period with -f */
	int64_t average_us;      /* averaging window of the rates */
	int64_t closed_linger_us;/* -r */
	int64_t syn_timeout_us;
	int64_t fin_timeout_us;
	int64_t idle_timeout_us; /* 0 = never */
	uint64_t max_connections;
	double replay_speed;     /* 0 = as fast as possible */
	const char *input;       /* the interface or file name */
	const char *filter;      /* the filter expression, or NULL */
};

struct tt_ctx; /* opaque: identifies one output instance to the host */

/* tt_host.log levels */
#define TT_LOG_ERR   3
#define TT_LOG_WARN  4
#define TT_LOG_INFO  6
#define TT_LOG_DEBUG 7

/* host->set_interval flags */
#define TT_INTERVAL_ALIGNED 0x01 /* fire at multiples of the period since the epoch */

/*
 * The core's services, a table of function pointers handed to create();
 * valid until destroy() returns.  Plugins need no symbol of the executable.
 */
struct tt_host {
	uint32_t size;
	uint32_t abi_major;
	uint32_t abi_minor;
	/* A message on stderr (or, once a terminal output runs, kept until the
	 * terminal is restored), prefixed with the instance name. */
	void (*log)(struct tt_ctx *ctx, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Ask the core to stop at the next turn of its loop (e.g. key q). */
	void (*request_quit)(struct tt_ctx *ctx);
	/* Receive on_snapshot every period_us on the capture clock (0 = never). */
	int (*set_interval)(struct tt_ctx *ctx, int64_t period_us, unsigned flags);
	/* Ask for one snapshot now (sent before the next packet is processed). */
	void (*snapshot)(struct tt_ctx *ctx);
	/* Have on_fd called when fd is ready (POLLIN/POLLOUT); events 0 removes. */
	int (*watch_fd)(struct tt_ctx *ctx, int fd, short events);
	/* Capture clock now, microseconds since the epoch. */
	int64_t (*now)(struct tt_ctx *ctx);
	/* Canonical text of an address (inet_ntop); returns buf. */
	const char *(*format_addr)(int family, const uint8_t *addr, char *buf, size_t len);
	/* "SYN_SENT", "SYN|ACK-ACK", "ESTABLISHED", "CLOSING", "CLOSED", "RESET". */
	const char *(*state_name)(unsigned state);
	const struct tt_settings *(*settings)(struct tt_ctx *ctx);
	/* Statistics now, for a plugin between snapshots. */
	const struct tt_stats *(*stats)(struct tt_ctx *ctx);
};

/* tt_plugin.caps */
#define TT_CAP_TERMINAL 0x01 /* takes over the terminal: at most one such output;
                              * a file is then replayed at replay_speed */

/* The one exported symbol of a plugin. */
struct tt_plugin {
	uint32_t abi_major;      /* TT_ABI_MAJOR */
	uint32_t abi_minor;      /* TT_ABI_MINOR */
	uint32_t size;           /* sizeof(struct tt_plugin) */
	uint32_t caps;           /* TT_CAP_* */
	uint32_t events;         /* TT_EV_* bits the plugin wants */
	const char *name;        /* e.g. "csv" */
	const char *description; /* one line */
	const char *const *keys; /* NULL-terminated config keys it accepts */

	/* Make an instance. instance is the output's name; ctx identifies it in
	 * host calls. Returns 0 and sets *state. */
	int (*create)(const struct tt_host *host, struct tt_ctx *ctx,
	              const char *instance, void **state);
	/* One key of the output's section (only keys listed in keys[]). On
	 * failure, write the reason (no file or key name) into err. */
	int (*configure)(void *state, const char *key, const char *value,
	                 char *err, size_t errlen);
	/* All keys given: check they are consistent; reason into err. */
	int (*check)(void *state, char *err, size_t errlen);
	/* Open files and sockets, while tcptrack may still be privileged. */
	int (*open)(void *state, char *err, size_t errlen);
	/* Privileges are dropped; begin work (set intervals, watch fds). */
	int (*start)(void *state);
	int (*on_event)(void *state, const struct tt_event *ev);
	int (*on_snapshot)(void *state, const struct tt_snapshot *snap);
	int (*on_fd)(void *state, int fd, short revents);
	/* SIGHUP: reopen files (log rotation). */
	int (*reopen)(void *state);
	/* Write out everything buffered (at the end of a file and at exit). */
	int (*flush)(void *state);
	void (*stop)(void *state);
	void (*destroy)(void *state);
};

#ifdef __cplusplus
}
#endif

#endif /* TCPTRACK_PLUGIN_H */
