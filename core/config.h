/*
 * config: the [core] settings and [output NAME] sections of the INI file,
 * and the outputs given with -o.
 */
#ifndef TT_CONFIG_H
#define TT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct output_kv {
	char *key;
	char *value;
	int line;
};

#define OUTPUT_DEFAULT "(default)"

struct output_cfg {
	char *name;      /* the NAME of [output NAME] */
	char *plugin;    /* a name in the plugin directory, or a path */
	const char *file;/* where it was declared: the config file, "-o", or
	                  * OUTPUT_DEFAULT (none was: the default output) */
	int line;        /* line of the section header (0 for -o) */
	int plugin_line;
	struct output_kv *kv;
	size_t nkv;
};

struct config {
	char *interface;
	char *filter;
	int filter_cmdline;    /* the filter came from the command line */
	char *user;
	char *chroot_dir;
	char *plugin_dir;
	int promiscuous;
	int detect_existing;
	int read_ahead;         /* a file: read ahead by a thread of the reader's own */
	int tcp_health;         /* measure round trips and retransmissions */
	int names_dns;          /* names from DNS answers on the wire */
	int names_ptr;          /* reverse lookups: 1, 0, -1 auto (live only) */
	int processes;          /* owning processes: 1, 0, -1 auto (live only) */
	char *resolver;         /* servers for the reverse lookups; NULL: resolv.conf */
	uint64_t names_cache;
	uint64_t names_ptr_rate;
	uint64_t names_ptr_inflight;
	int64_t names_ptr_timeout_us;
	int64_t names_negative_ttl_us;
	int fast_average;
	int immediate;
	int64_t refresh_us;
	int64_t fast_interval_us;
	int64_t average_us;
	int64_t closed_linger_us;
	int64_t time_wait_us;   /* how long the table keeps a tuple the view let go */
	int64_t time_wait_acked_us; /* the same, after a close seen complete or a reset */
	int64_t syn_timeout_us;
	int64_t fin_timeout_us;
	int64_t idle_timeout_us;
	int64_t read_timeout_us;
	uint64_t max_connections;
	uint64_t snaplen;
	uint64_t buffer_size;
	double replay_speed;
	struct decode_tunnels udp_tunnels; /* the UDP tunnels decoded, by port */
	struct output_cfg *outputs;
	size_t noutputs;
	const char *path; /* the file read, or NULL */
	int filter_line, user_line, chroot_line, interface_line; /* where the
	                  * file set them (0: it did not), for the checks made
	                  * after it is read */
};

/* Defaults: tcptrack 1.x's defs.h, plus the new settings. */
void config_defaults(struct config *c);
/* Read path into c. On failure, err holds "FILE:LINE: key 'K': reason". */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* Parse "-o plugin:key=value,key=value" into a new output. */
int config_add_spec(struct config *c, const char *spec, char *err, size_t errlen);
/* Set one [core] key (also used by the command line). */
int config_set_core(struct config *c, const char *key, const char *value, const char **why);
/* The place of a [core] key in the table, or -1 when it is not one. */
int config_core_index(const char *key);
/* One output's strings (config_free frees them all). */
void config_output_free(struct output_cfg *o);
void config_free(struct config *c);

/* The [core] keys, NULL-terminated (for documentation checks). */
extern const char *const config_core_keys[];

#endif
