/*
 * tcptrack/plugin.h - the output plugin ABI of tcptrack (see also
 * tcptrack-plugin(7); build flags: pkg-config --cflags tcptrack-plugin;
 * install into: pkg-config --variable=plugindir tcptrack-plugin).
 *
 * An output plugin is a shared object that exports one symbol,
 * TT_PLUGIN_SYMBOL, a const struct tt_plugin.  It needs no symbol of the
 * tcptrack executable: everything it may ask of the core is in the table of
 * function pointers (struct tt_host) handed to create().
 *
 * Loading.  For every [output NAME] section (and every -o option) the core
 * finds the file (`plugin = NAME` in the plugin directory, or an absolute
 * path), refuses it unless it is a regular file that neither its group nor
 * others may write, dlopen()s it (RTLD_NOW | RTLD_LOCAL), looks up the
 * symbol, and refuses it unless abi_major equals TT_ABI_MAJOR, size covers
 * the whole struct tt_plugin of this ABI major, and name and create are set.
 * Keys of the section that are not in keys[] are refused before create().
 * Each refusal is one line and exit status 78.  A plugin is never
 * dlclose()d: it stays mapped until the process exits.
 *
 * Lifecycle, one instance per section (a plugin may have many instances,
 * each with its own state):
 *
 *   at start-up, every output in the order of the file, before the capture
 *   is opened:          create -> configure (once per key) -> check
 *   once the capture is open (struct tt_settings final):
 *                       open (each output; tcptrack may still be root)
 *   privileges dropped (-Z, [core] user and chroot), then:
 *                       start (each output)
 *   while tracking:     on_event, on_snapshot, on_fd, reopen (SIGHUP)
 *   at the end (end of the file, q in the view, SIGINT or SIGTERM, the
 *   interface gone):
 *                       TT_EV_REMOVED events of reason TT_RM_EXIT for every
 *                       connection still in the table -> on_snapshot with
 *                       TT_SNAP_FINAL -> flush -> stop (terminal outputs
 *                       last) -> destroy
 *
 * Only a full run reaches stop and destroy.  When tcptrack ends early (a
 * configuration error, --check-config, an output whose open() fails, a
 * fatal error) the process exits without calling them (a TT_CAP_TERMINAL
 * output's stop is still called on a fatal error, to restore the
 * terminal).  So create, configure and check must have no effect outside
 * the plugin's memory (no files created, no sockets connected): do that in
 * open or start.
 *
 * Threads: everything happens on the core's single event-loop thread, the
 * thread that called main(); no callback is ever called concurrently with
 * another or from a signal handler, and no callback is re-entered: the host
 * functions never call back into the plugin.  No callback may block: the
 * core does not see packets while a callback runs (live, the kernel drops
 * them when its buffer fills).  A plugin that waits for input or for a slow
 * peer registers the file descriptor with host->watch_fd and does its I/O
 * in on_fd when the descriptor is ready.  A plugin that starts threads of
 * its own must not call the host from them and must join them in stop.
 *
 * Signals: the core handles SIGINT, SIGTERM and SIGHUP (it only sets flags
 * and acts on them in its loop; SIGHUP means reopen, or stop when a terminal
 * output runs, whose terminal hung up) and ignores SIGPIPE, so a write to a closed
 * socket or pipe fails with EPIPE.  Plugins must leave these alone; a
 * terminal plugin may handle SIGWINCH.  A plugin never calls exit(): it
 * returns an error, or asks the core to stop with host->request_quit.
 *
 * Memory: every pointer the core passes to a callback (connection views,
 * events, snapshots, statistics, keys, values, the err buffer) is owned by
 * the core and valid only until that callback returns; copy what you keep.
 * The exceptions, valid until destroy() returns: the struct tt_host table,
 * the struct tt_ctx pointer, the instance name given to create(), and the
 * struct tt_settings returned by host->settings with its strings.  The
 * plugin owns its state (allocated in create, freed in destroy) and all
 * else it allocates; the core never frees plugin memory.  The strings and
 * arrays of the struct tt_plugin (name, description, keys) are the
 * plugin's, read by the core for as long as the plugin is loaded: make
 * them static constants.
 *
 * Versioning: the ABI version is separate from the package version.  A new
 * field is only ever added at the end of a struct, with abi_minor raised;
 * every struct the core passes starts with its size, so a plugin built
 * against a newer header can tell which fields are present (read a field
 * added after ABI x.0 only when size covers it; for the host functions,
 * TT_HOST_HAS).  Removing or changing a field raises abi_major, and the
 * core refuses other majors.  A plugin built against an older header of
 * the same major loads and works unchanged: it never sees the new fields.
 *
 * ABI 1.1 added, at the end of struct tt_host: set_events
 * and set_caps (what an instance wants, per instance rather than per
 * plugin), parse_duration, parse_size, parse_bool and parse_double (the
 * core's own value parsers) and reason_name (the text of enum tt_reason).
 *
 * ABI 1.2 added, at the end of struct tt_conn: c2s_tcp_flags and
 * s2c_tcp_flags (the OR of the TCP flags seen in each direction); at the
 * end of struct tt_host: name_of, service_of and process_of (who a
 * connection's ends are: names and the owning process, asked for when
 * shown rather than copied into every connection view); at the end of
 * struct tt_stats: c2s, s2c, c2s_retrans, c2s_retrans_bytes, s2c_retrans,
 * s2c_retrans_bytes, in_state and held (what the table holds and
 * counted); at the end of struct tt_settings: user, chroot_dir and
 * processes.
 *
 * ABI 1.3 added the capability TT_CAP_STDOUT (an instance that writes
 * standard output says so, and the core refuses two of them, or one beside
 * a terminal output) and the snapshot flag TT_SNAP_DAMAGED.
 *
 * ABI 1.4 added, at the end of struct tt_process: known (a process hidden
 * from tcptrack, another user's once privileges are dropped, still has its
 * owner told, to a plugin whose struct has this field), and the
 * connection flag TT_CONN_HELD.
 *
 * Return values: 0 on success, a negative errno value on failure (e.g.
 * -ENOMEM, -EINVAL).  What a failure does is told at each callback.  Every
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
#define TT_ABI_MINOR 4

/* Name of the one symbol a plugin exports: a const struct tt_plugin.  Build
 * with -fvisibility=hidden (or an export list) so that it is the only one. */
#define TT_PLUGIN_SYMBOL "tcptrack_plugin"
/* Use as: TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {...}; */
#define TT_PLUGIN_EXPORT __attribute__((visibility("default")))

/* Connection states (tt_conn.state), as tcptrack 1.x names them; the text
 * comes from host->state_name.  A plugin must accept values >= TT_NSTATES
 * (a later minor ABI may add states) and show them as host->state_name
 * does. */
enum tt_state {
	TT_SYN_SENT = 0,    /* SYN seen, no SYN|ACK yet */
	TT_SYN_ACK_ACK,     /* SYN|ACK seen, waiting for the ACK */
	TT_ESTABLISHED,     /* handshake done, or picked up mid-stream */
	TT_CLOSING,         /* a FIN seen in one direction */
	TT_CLOSED,          /* a FIN seen in both directions */
	TT_RESET,           /* a RST seen */
	TT_NSTATES
};

/* tt_conn.flags; unknown bits are to be ignored */
#define TT_CONN_MIDSTREAM 0x01 /* picked up without its handshake: roles guessed */
#define TT_CONN_C_FIN     0x02 /* the client sent a FIN */
#define TT_CONN_S_FIN     0x04 /* the server sent a FIN */
#define TT_CONN_HELD      0x08 /* (ABI 1.4) no longer shown: the table holds
                              * only its tuple ([core] time_wait); a
                              * snapshot's walk meets it only for an output
                              * that follows TT_EV_REMOVED */

/* Counters of one direction of a connection (or of all traffic in
 * tt_stats.total), cumulative since the connection was first seen. */
struct tt_counts {
	uint64_t packets; /* TCP segments */
	uint64_t bytes;   /* IP bytes: IPv4 total length, IPv6 40 + payload length
	                   * (never the capture or frame length) */
	uint64_t payload; /* TCP payload bytes */
};

/*
 * A view of one connection: a copy the core fills for one call (tt_event.conn,
 * or the argument of a tt_snapshot.foreach callback) and reuses after it;
 * read-only, valid until that call returns.  Keep a connection by its id,
 * not by the pointer.  Addresses are in network byte order (an IPv4 address
 * in the first 4 bytes, the rest zero); ports in host byte order.  Times are
 * microseconds since the Unix epoch on the capture clock: packet time when
 * reading a file, the system clock when capturing live.
 *
 * Client is the sender of the SYN (or the receiver of the SYN|ACK); for a
 * connection picked up mid-stream (TT_CONN_MIDSTREAM) the roles are a
 * guess: known service ports, then the ephemeral ranges, then the lower
 * port as the server's.
 */
struct tt_conn {
	uint32_t size;       /* sizeof the view the core filled: read a field only
	                      * when size covers it */
	uint8_t family;      /* 4 or 6 */
	uint8_t state;       /* enum tt_state */
	uint16_t flags;      /* TT_CONN_* */
	uint64_t id;         /* unique within one run, never reused: the key by
	                      * which a plugin remembers a connection */
	uint32_t generation; /* how many connections this 4-tuple had before this
	                      * one (a new SYN after a close starts a new one) */
	uint16_t client_port;
	uint16_t server_port;
	uint8_t client[16];
	uint8_t server[16];
	int64_t first_seen_us; /* time of its first packet */
	int64_t last_seen_us;  /* time of its latest packet */
	struct tt_counts c2s; /* client to server */
	struct tt_counts s2c; /* server to client */
	double c2s_rate;      /* payload bytes/s over the averaging window
	                       * ([core] average_window), client to server */
	double s2c_rate;      /* the same, server to client */
	/* ABI 1.1: TCP health, as seen at the capture point ([core] tcp_health;
	 * when it is off the times are -1 and the counts 0).  Times in
	 * microseconds, -1 when there is no value (0 is a real value). */
	int64_t handshake_us;  /* the latest SYN to the first ACK without SYN after
	                        * it (the handshake's last ACK, or a RST|ACK):
	                        * tshark's tcp.analysis.initial_rtt */
	int64_t rtt_us;        /* rtt_client_us + rtt_server_us: the end-to-end
	                        * round trip (-1 unless both sides have one) */
	int64_t rtt_client_us; /* smoothed round trip (RFC 6298) between the
	                        * capture point and the client: server data to
	                        * the client's ACK of it (and SYN|ACK to ACK) */
	int64_t rtt_server_us; /* the same to the server: client data (and SYN)
	                        * to the server's ACK */
	int64_t rtt_min_us;    /* the smallest sample of each side, summed (-1
	                        * unless both sides have one) */
	uint64_t c2s_retrans;  /* client to server segments that tshark flags as
	                        * retransmission, fast or spurious retransmission
	                        * or out-of-order (keep-alives are not) */
	uint64_t c2s_retrans_bytes; /* their TCP payload bytes */
	uint64_t s2c_retrans;  /* the same, server to client */
	uint64_t s2c_retrans_bytes;
	/* ABI 1.2: the OR of the TCP flags (the 8 bits of the header's byte
	 * 13: CWR ECE URG ACK PSH RST SYN FIN, as IPFIX tcpControlBits) of
	 * every segment counted in each direction */
	uint8_t c2s_tcp_flags;
	uint8_t s2c_tcp_flags;
};

/* Event types; also bits of tt_plugin.events and of host->set_events (which
 * events an instance wants: on_event is called only for those, so ask only
 * for what you use: events come at packet rate, and an event no instance
 * wants is never made). */
#define TT_EV_OPENED  0x01 /* a connection entered the table (its first packet, counted) */
#define TT_EV_STATE   0x02 /* its state changed (old_state tells from what) */
#define TT_EV_REMOVED 0x04 /* it left the table: its counters are final, and
                            * its id is never seen again */

/* tt_event.reason for TT_EV_REMOVED; the text is host->reason_name's */
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

/* What on_event receives; owned by the core, valid until on_event returns. */
struct tt_event {
	uint32_t size;       /* sizeof the event the core filled */
	uint32_t type;       /* TT_EV_* (one bit) */
	int64_t time_us;     /* capture clock when it happened */
	const struct tt_conn *conn; /* the connection, after the change */
	uint32_t old_state;  /* TT_EV_STATE: the state before */
	uint32_t reason;     /* TT_EV_REMOVED: enum tt_reason (others may be
	                      * added: treat an unknown one as TT_RM_NONE) */
};

/* Capture and decode statistics, cumulative since start.  Owned by the
 * core (tt_snapshot.stats, host->stats): read-only, the values of the
 * moment it was handed over, valid until the callback returns. */
struct tt_stats {
	uint32_t size;         /* sizeof the struct the core filled */
	uint32_t reserved;     /* 0 */
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
	int64_t start_us;      /* ABI 1.1: capture clock at the first packet
	                        * (0 before it), as tt_snapshot.start_us */
	/* ABI 1.2 (TT_HAS): what the table holds and counted, so that an
	 * output of totals needs no walk of the table */
	struct tt_counts c2s;  /* all TCP traffic counted, client to server */
	struct tt_counts s2c;  /* and server to client */
	uint64_t c2s_retrans;  /* segments TCP health flags as retransmitted */
	uint64_t c2s_retrans_bytes;
	uint64_t s2c_retrans;
	uint64_t s2c_retrans_bytes;
	uint64_t in_state[TT_NSTATES]; /* connections shown now, by state */
	uint64_t held;         /* connections no longer shown whose tuple the
	                        * table keeps ([core] time_wait) */
};

/* tt_snapshot.flags */
#define TT_SNAP_EOF   0x01 /* the capture file has been read to its end */
#define TT_SNAP_FINAL 0x02 /* tcptrack is stopping: this is the last snapshot */
#define TT_SNAP_ASKED 0x04 /* sent because the plugin called host->snapshot */
#define TT_SNAP_DAMAGED 0x08 /* (ABI 1.3) with TT_SNAP_EOF: the file was read up
                              * to damage, not to its end (tcptrack tells
                              * where on stderr, and exits 65) */

struct tt_snapshot;
typedef int (*tt_conn_cb)(void *arg, const struct tt_conn *conn);

/*
 * A view of the whole table, handed to on_snapshot: periodically at the
 * interval the plugin asked for (host->set_interval; flags 0), once after
 * host->snapshot (TT_SNAP_ASKED), at the end of a capture file
 * (TT_SNAP_EOF) and as the last call before flush (TT_SNAP_FINAL).  Owned by
 * the core, valid until on_snapshot returns.
 */
struct tt_snapshot {
	uint32_t size;           /* sizeof the snapshot the core filled */
	uint32_t flags;          /* TT_SNAP_*, 0 for a periodic snapshot */
	int64_t time_us;         /* capture clock now; with TT_INTERVAL_ALIGNED,
	                          * the boundary of the period that just ended */
	int64_t start_us;        /* capture clock at the first packet (0 before it) */
	int64_t prev_us;         /* time of this plugin's previous periodic
	                          * snapshot (start_us at the first) */
	uint64_t nconns;         /* connections in the table */
	uint64_t half_open;      /* of them in SYN_SENT or SYN|ACK-ACK */
	double c2s_rate;         /* sum of all connections' rates, payload bytes/s */
	double s2c_rate;
	const struct tt_stats *stats; /* the statistics now */
	/* Calls cb for every connection the view shows (and, for an output
	 * that receives TT_EV_REMOVED, every connection until its REMOVED
	 * event: also those the table only holds, a closed one after its
	 * linger until time_wait), in no particular order,
	 * with a view valid during that cb call; stops early and returns cb's
	 * value when it is non-zero, else returns 0.  Call it only during
	 * on_snapshot, with this snapshot.  It costs a walk of the whole table:
	 * at most once per snapshot. */
	int (*foreach)(const struct tt_snapshot *snap, tt_conn_cb cb, void *arg);
	void *priv;              /* the core's, for foreach: do not touch */
	/* Reading a file: how far it has been read, in bytes (kept current
	 * a few times a second; 0 for stdin), and its size (-1 when unknown,
	 * e.g. stdin; 0 when capturing live). */
	int64_t input_pos;
	int64_t input_size;
	/* ABI 1.1: packets the capture lost (kernel_drops and if_drops of
	 * tt_stats, which also count what arrived while tcptrack was stopped)
	 * since this output's previous periodic snapshot (since the start at
	 * the first): a period with drops is incomplete.  0 reading a file. */
	uint64_t kernel_drops;
	uint64_t if_drops;
};

/* Settings of the core a plugin may want (host->settings), after the
 * configuration file and the command line.  Times in microseconds.  Filled
 * before create(); live, interactive and input are final from open() on
 * (the interface may be chosen, and the outputs known, only then).  Owned
 * by the core, read-only, valid until destroy(). */
struct tt_settings {
	uint32_t size;           /* sizeof the struct the core filled (0: not yet) */
	int fast_average;        /* -f */
	int live;                /* capturing from an interface (else a file) */
	int interactive;         /* a terminal output (the top view) runs */
	int64_t refresh_us;      /* display refresh interval */
	int64_t fast_interval_us;/* rate recalculation period with -f */
	int64_t average_us;      /* averaging window of the rates */
	int64_t closed_linger_us;/* -r */
	int64_t syn_timeout_us;
	int64_t fin_timeout_us;
	int64_t idle_timeout_us; /* 0 = never */
	uint64_t max_connections;
	double replay_speed;     /* file replay with a terminal output, times
	                          * real time; 0 = as fast as possible */
	const char *input;       /* the interface or file name ("-": stdin) */
	const char *filter;      /* the filter expression, or NULL */
	int tcp_health;          /* ABI 1.1: the tt_conn health fields are
	                          * measured ([core] tcp_health) */
	/* ABI 1.2 (TT_HAS): once the outputs are open, privileges are
	 * dropped to user, and the root changed to chroot_dir (NULL: not) */
	const char *user;
	const char *chroot_dir;
	int processes;           /* ABI 1.2: host->process_of can find the
	                          * processes of connections ([core] processes,
	                          * live); final from open() on */
};

/* host->process_of's answer (ABI 1.2).  The plugin sets size; the core
 * fills the fields that size covers. */
struct tt_process {
	uint32_t size;   /* sizeof(struct tt_process), set by the plugin */
	int32_t pid;     /* 0 when only the owner is known */
	uint32_t uid;
	char comm[16];   /* the command name (/proc/PID/comm), NUL-terminated;
	                  * "" when only the owner is known */
	char user[33];   /* the user name of uid, or uid in decimal */
	/* ABI 1.4 */
	uint32_t known;  /* TT_PROC_*: what of the above is known */
};

/* tt_process.known (ABI 1.4) */
#define TT_PROC_OWNER   0x01 /* uid and user */
#define TT_PROC_PROCESS 0x02 /* pid and comm */

/* Opaque: identifies one output instance to the host.  Given to create(),
 * valid until destroy() returns; pass it to every host function. */
struct tt_ctx;

/* tt_host.log levels */
#define TT_LOG_ERR   3
#define TT_LOG_WARN  4
#define TT_LOG_INFO  6
#define TT_LOG_DEBUG 7

/* host->set_interval flags */
#define TT_INTERVAL_ALIGNED 0x01 /* fire at multiples of the period since the epoch */

/* Whether p, a struct TYPE the core filled (it starts with its size),
 * covers field, one added after ABI 1.0 (e.g. TT_HAS(tt_conn, conn,
 * rtt_us), TT_HAS(tt_settings, st, tcp_health)): a plugin built against
 * this header may be loaded by an older tcptrack of the same major, whose
 * structs end earlier. */
#define TT_HAS(type, p, field) \
	((p)->size >= offsetof(struct type, field) + sizeof((p)->field))
/* Whether the host table has function fn, one added after ABI 1.0 (e.g.
 * TT_HOST_HAS(host, set_events)).  Check it once, in create, before calling
 * such a function. */
#define TT_HOST_HAS(host, fn) TT_HAS(tt_host, host, fn)

/*
 * The core's services, a table of function pointers handed to create();
 * owned by the core, valid until destroy() returns.  Plugins need no symbol
 * of the executable.  Call them only from the event-loop thread, from
 * within a callback (create through destroy); none of them calls back into
 * the plugin.  Check size before using a function added after ABI x.0
 * (TT_HOST_HAS).
 */
struct tt_host {
	uint32_t size;           /* sizeof the table the core gives */
	uint32_t abi_major;      /* the core's TT_ABI_MAJOR */
	uint32_t abi_minor;      /* the core's TT_ABI_MINOR */
	/* One message line (no newline needed) on stderr, prefixed with
	 * "tcptrack: " and the instance name; TT_LOG_ERR adds "error: ", and
	 * makes the run's exit status 74 (keep it for work the output failed
	 * to do, such as rows lost; a peer that is away is a warning).  While a
	 * terminal output runs, messages are kept and printed once the terminal
	 * is restored.  Every level is printed.  For the operator, not for
	 * data: never once per packet.  ctx may be NULL (the prefix is then
	 * "plugin"). */
	void (*log)(struct tt_ctx *ctx, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Ask the core to stop at the next turn of its loop (e.g. key q): the
	 * end of the lifecycle follows (REMOVED events, final snapshot, flush,
	 * stop, destroy) as after SIGTERM. */
	void (*request_quit)(struct tt_ctx *ctx);
	/* Receive on_snapshot every period_us of the capture clock (0 = no more
	 * periodic snapshots).  flags: TT_INTERVAL_ALIGNED.  Call it in start
	 * or later (snapshots go only to started outputs); a new call replaces
	 * the previous period.  Before the first packet the first deadline is
	 * set when the clock starts.  Returns 0, or -EINVAL for a negative
	 * period. */
	int (*set_interval)(struct tt_ctx *ctx, int64_t period_us, unsigned flags);
	/* Ask for one snapshot (flag TT_SNAP_ASKED), sent at the next turn of
	 * the core's loop (before the next packet that advances the capture
	 * clock), never from within the current callback. */
	void (*snapshot)(struct tt_ctx *ctx);
	/* Have on_fd called when fd is ready for events (POLLIN, POLLOUT, as in
	 * poll(2)); a second call for the same fd changes its events, events 0
	 * stops watching it (do that before closing it).  The fd stays the
	 * plugin's: the core never reads, writes or closes it.  Up to 16 fds
	 * per instance; returns 0 or -ENOSPC.  Watched fds are polled only
	 * between start and stop. */
	int (*watch_fd)(struct tt_ctx *ctx, int fd, short events);
	/* The capture clock now, microseconds since the epoch (0 before the
	 * clock starts: the first packet of a file, the first turn of the live
	 * loop). */
	int64_t (*now)(struct tt_ctx *ctx);
	/* Canonical text of an address (inet_ntop(3)) into buf of len bytes (46
	 * are always enough); family is tt_conn.family (4 or 6), not AF_*.
	 * Returns buf, holding "?" when it does not fit.  Callable any time. */
	const char *(*format_addr)(int family, const uint8_t *addr, char *buf, size_t len);
	/* "SYN_SENT", "SYN|ACK-ACK", "ESTABLISHED", "CLOSING", "CLOSED",
	 * "RESET", or "?" for an unknown state: a static string of the core,
	 * valid while the plugin is loaded.  Callable any time. */
	const char *(*state_name)(unsigned state);
	/* The core's settings; see struct tt_settings (filled before open). */
	const struct tt_settings *(*settings)(struct tt_ctx *ctx);
	/* Statistics now, for a plugin between snapshots: a pointer to the
	 * core's copy, refreshed at each call; read it before returning. */
	const struct tt_stats *(*stats)(struct tt_ctx *ctx);

	/* ---- ABI 1.1: check TT_HOST_HAS(host, fn) before calling these ---- */

	/* The TT_EV_* events this instance receives, in place of
	 * tt_plugin.events (the default, for every instance that does not call
	 * it): an instance of a plugin that handles every event may want fewer
	 * (a rule on connection counts, no state changes).  The core makes an
	 * event only when some instance wants it.  Call it in create,
	 * configure, check, open or start; a later call replaces the earlier
	 * one.  Returns 0, or -EBUSY once start has returned: the choice is
	 * final then, and nothing changes.  Bits the core does not know are
	 * kept and match no event. */
	int (*set_events)(struct tt_ctx *ctx, uint32_t events);
	/* The TT_CAP_* capabilities of this instance, in place of
	 * tt_plugin.caps (the default).  TT_CAP_NO_RATES: an instance that
	 * reads no rate sets it, and when every running instance has it the
	 * core samples no rate.  TT_CAP_STDOUT (ABI 1.3): an instance that
	 * will write standard output sets it in check at the latest.
	 * TT_CAP_TERMINAL is the plugin's for the whole run (the core chooses
	 * how to read a file and holds its messages from it before open): caps
	 * must carry it exactly when tt_plugin.caps does.  Call it in create,
	 * configure, check, open or start.  Returns 0; -EINVAL when caps has
	 * a bit the core does not know or differs from tt_plugin.caps in
	 * TT_CAP_TERMINAL; -EBUSY after start returned (nothing changes in
	 * either case). */
	int (*set_caps)(struct tt_ctx *ctx, uint32_t caps);
	/* The parsers the core reads its own keys with, so that a plugin's
	 * keys take the same spellings.  A number is plain decimal (no sign,
	 * hex or exponent) with an optional fraction, then its unit; blanks
	 * around it are allowed.  Each returns 0 with the value in *out, or
	 * -1 with *why set to a static string of the core that says what is
	 * wrong (for configure's err; valid while the plugin is loaded) and
	 * *out unspecified.  Callable any time; they touch only their
	 * arguments.
	 *   parse_duration: microseconds; units us, ms, s, m, h, d (bare: s):
	 *     "500ms", "5m", "1.5s"
	 *   parse_size: units k, M, G (powers of 1000), Ki, Mi, Gi (of 1024),
	 *     bare: units: "10M", "64Ki", "1500"
	 *   parse_bool: yes, no, true, false, on, off, 1, 0 (any case, no
	 *     blanks)
	 *   parse_double: a number without a unit: "0.5", "2" */
	int (*parse_duration)(const char *s, int64_t *out, const char **why);
	int (*parse_size)(const char *s, uint64_t *out, const char **why);
	int (*parse_bool)(const char *s, int *out, const char **why);
	int (*parse_double)(const char *s, double *out, const char **why);
	/* The text of a tt_event.reason, as the csv plugin writes it in its
	 * `end` column: "closed" (TT_RM_LINGER), "syn_timeout", "fin_timeout",
	 * "idle", "evicted", "reused", "exit"; "" for TT_RM_NONE and for a
	 * reason the core does not know.  A static string of the core, valid
	 * while the plugin is loaded.  Callable any time. */
	const char *(*reason_name)(unsigned reason);

	/* ---- ABI 1.2: check TT_HOST_HAS(host, fn) before calling these ---- */

	/* The host name of an address (family 4 or 6, as tt_conn), copied into
	 * buf (len bytes; 254 are always enough) with its length returned, or
	 * 0 with buf untouched when no name is known (yet): show the address
	 * then.  Names come from DNS answers seen on the wire (the name the
	 * client looked up) and reverse lookups that the core
	 * sends on a miss, never waiting for them ([core] names_*): a later
	 * call may have a name where this one had none.  Lower case, printable
	 * ASCII, no final dot.  Call it for what is shown, not at packet rate. */
	size_t (*name_of)(struct tt_ctx *ctx, int family, const uint8_t *addr,
	                  char *buf, size_t len);
	/* The service name of a TCP port from the system's services(5)
	 * ("https" for 443), or NULL.  A string of the core, valid while the
	 * plugin is loaded. */
	const char *(*service_of)(struct tt_ctx *ctx, uint16_t port);
	/* The process that owns the local end of conn (its client's end when
	 * both are local), as it was when the connection was first seen: out
	 * (whose size the plugin sets to sizeof *out first) is filled and 1
	 * returned; 0 when there is none (the connection neither begins nor
	 * ends on this host, another network namespace's, not found yet, or
	 * no privilege to see it: [core] processes).  The process may have
	 * exited since.  A socket whose process is hidden (another user's,
	 * privileges dropped) still has the owner the kernel tells: to a
	 * plugin whose size covers known (ABI 1.4), 1 with known =
	 * TT_PROC_OWNER, pid 0 and comm ""; to an older one, 0. */
	int (*process_of)(struct tt_ctx *ctx, const struct tt_conn *conn,
	                  struct tt_process *out);
};

/* tt_plugin.caps */
#define TT_CAP_TERMINAL 0x01 /* takes over the terminal: at most one such output;
                              * a file is then replayed at replay_speed, core
                              * messages are held while it runs, it is
                              * stopped after the other outputs, and its
                              * stop is also called on a fatal error */
#define TT_CAP_STDOUT 0x04   /* writes standard output (ABI 1.3; set per
                              * instance, host->set_caps, by check): the
                              * core refuses two such outputs, whose lines
                              * would mix, and one beside a terminal
                              * output, which draws there */
#define TT_CAP_NO_RATES 0x02 /* never reads the c2s_rate and s2c_rate of a
                              * struct tt_conn: when every output says so
                              * (tt_plugin.caps, or host->set_caps for one
                              * instance), the core does not sample each
                              * connection's rate (the snapshot's totals are
                              * kept) and those fields are 0 */

/*
 * The one exported symbol of a plugin: a const object of the plugin, read
 * by the core for as long as the plugin is loaded.  Every callback gets the
 * state that create() set, and is called by the core on its event-loop
 * thread (see the top of this file).  A callback's err buffer (errlen bytes,
 * owned by the core) takes one line without a newline, NUL-terminated (use
 * snprintf); the core adds the file, line, key or output name.
 */
struct tt_plugin {
	uint32_t abi_major;      /* TT_ABI_MAJOR */
	uint32_t abi_minor;      /* TT_ABI_MINOR */
	uint32_t size;           /* sizeof(struct tt_plugin) */
	uint32_t caps;           /* TT_CAP_*: every instance's, unless it calls
	                          * host->set_caps (ABI 1.1) */
	uint32_t events;         /* TT_EV_* bits the plugin wants (0: none):
	                          * every instance's, unless it calls
	                          * host->set_events (ABI 1.1) */
	const char *name;        /* e.g. "csv": required; used in messages */
	const char *description; /* one line */
	const char *const *keys; /* NULL-terminated config keys it accepts (NULL:
	                          * none); the core refuses any other key, and
	                          * handles `plugin` itself */

	/* Make an instance, at start-up (also under --check-config), before
	 * the capture is opened.  host and ctx: keep them for host calls.
	 * instance: the output's NAME ([output NAME], or the plugin's name for
	 * -o).  Allocate the state, set *state, return 0.  Failure (e.g.
	 * -ENOMEM): tcptrack exits with status 78.  Required. */
	int (*create)(const struct tt_host *host, struct tt_ctx *ctx,
	              const char *instance, void **state);
	/* One key of the output's section, after create, in the order of the
	 * file (or of the -o option); each key at most once, only keys listed
	 * in keys[].  key and value are the core's, valid during the call:
	 * copy what you keep (from a file, the value is stripped of blanks and
	 * of an inline " ;comment"; it may be empty).  A bad value: the
	 * reason into err (no file or key name: the core adds them), return
	 * -EINVAL; tcptrack exits with status 78.  Only parse here: no files,
	 * no sockets (see "Only a full run"). */
	int (*configure)(void *state, const char *key, const char *value,
	                 char *err, size_t errlen);
	/* Called once after the last configure (also when no key was given):
	 * check that the keys are consistent and complete, fill in defaults
	 * that depend on other keys.  Failure: the reason into err, a negative
	 * errno; tcptrack exits with status 78 (a reason that starts with a
	 * key's name is told with that key's line).  With --check-config,
	 * tcptrack exits after check. */
	int (*check)(void *state, char *err, size_t errlen);
	/* Open files and sockets, once the capture is open and host->settings
	 * is filled, while tcptrack may still be root (before -Z and chroot):
	 * open what needs privileges here.  Failure: the reason into err, a
	 * negative errno; tcptrack exits with status 73, without stop or
	 * destroy. */
	int (*open)(void *state, char *err, size_t errlen);
	/* Privileges are dropped: begin work (host->set_interval,
	 * host->watch_fd).  Events, snapshots and fd readiness come only after
	 * start returned 0.  Failure: a message is logged and this output is
	 * disabled (no more calls but destroy: not even stop, so undo what
	 * start did before failing); the others go on. */
	int (*start)(void *state);
	/* An event of a type the instance wants (tt_plugin.events, or
	 * host->set_events), as it happens in packet order; ev and ev->conn
	 * are valid during the call.  Keep it short: it runs at packet rate.
	 * A negative return counts as a failure: after 10 failed calls in a
	 * row (of on_event, on_snapshot, on_fd, reopen, flush) the output is
	 * disabled, the others go on. */
	int (*on_event)(void *state, const struct tt_event *ev);
	/* A snapshot (see struct tt_snapshot for when); snap is valid during
	 * the call.  Failures count as for on_event. */
	int (*on_snapshot)(void *state, const struct tt_snapshot *snap);
	/* A descriptor registered with host->watch_fd is ready; revents as
	 * poll(2) sets them (POLLHUP, POLLERR too).  Read or write without
	 * blocking (O_NONBLOCK).  Failures count as for on_event. */
	int (*on_fd)(void *state, int fd, short revents);
	/* SIGHUP (log rotation): write out what is buffered, close and reopen
	 * the files by name.  Privileges may have been dropped since open.
	 * Failures count as for on_event; tracking goes on. */
	int (*reopen)(void *state);
	/* Write out everything buffered: called once at the end, after the
	 * REMOVED events of reason TT_RM_EXIT and the TT_SNAP_FINAL snapshot,
	 * before stop.  Failures count as for on_event. */
	int (*flush)(void *state);
	/* The end of the run, for every output whose start returned 0 (even
	 * when it was disabled since): stop watching fds, close files and sockets,
	 * restore the terminal.  No more calls follow but destroy. */
	void (*stop)(void *state);
	/* Free the state and everything the plugin allocated.  Called once for
	 * every instance created, after every output's stop, on a full run
	 * only (see "Only a full run"); host, ctx and the instance name are
	 * invalid after it returns. */
	void (*destroy)(void *state);
};

#ifdef __cplusplus
}
#endif

#endif /* TCPTRACK_PLUGIN_H */
