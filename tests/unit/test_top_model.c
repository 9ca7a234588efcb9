/* The top view's model without a terminal: units, endpoints, layout,
 * filter, sorting and selection of the visible window. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "top_model.h"
#include "tap.h"

/* the host's names of the states (tt_host.state_name) */
static const char *state_name(unsigned s)
{
	static const char *const names[] = {
		"SYN_SENT", "SYN|ACK-ACK", "ESTABLISHED", "CLOSING", "CLOSED", "RESET",
	};
	return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static struct tt_conn conn4(uint64_t id, const char *c, uint16_t cp, const char *s, uint16_t sp)
{
	struct tt_conn v;
	memset(&v, 0, sizeof v);
	v.size = sizeof v;
	v.id = id;
	v.family = strchr(c, ':') ? 6 : 4;
	inet_pton(v.family == 6 ? AF_INET6 : AF_INET, c, v.client);
	inet_pton(v.family == 6 ? AF_INET6 : AF_INET, s, v.server);
	v.client_port = cp;
	v.server_port = sp;
	v.state = TT_ESTABLISHED;
	return v;
}

static const char *rate(double bps, int bits)
{
	static char b[32];
	top_fmt_rate(b, sizeof b, bps, bits);
	return b;
}

static void test_units(void)
{
	CHECK(!strcmp(rate(0, 0), "0 B/s"), "%s", rate(0, 0));
	CHECK(!strcmp(rate(999, 0), "999 B/s"), "%s", rate(999, 0));
	CHECK(!strcmp(rate(1000, 0), "1.00 kB/s"), "%s", rate(1000, 0));
	CHECK(!strcmp(rate(1024, 0), "1.02 kB/s"), "%s", rate(1024, 0));
	CHECK(!strcmp(rate(1000000, 0), "1.00 MB/s"), "%s", rate(1000000, 0));
	CHECK(!strcmp(rate(1048576, 0), "1.05 MB/s"), "%s", rate(1048576, 0));
	CHECK(!strcmp(rate(150e6, 0), "150 MB/s"), "%s (tcptrack 1.x said LUDICROUS)", rate(150e6, 0));
	/* 100 Gbit/s, and far beyond: no overflow, no word instead of a number */
	CHECK(!strcmp(rate(12.5e9, 0), "12.5 GB/s"), "%s", rate(12.5e9, 0));
	CHECK(!strcmp(rate(12.5e9, 1), "100 Gb/s"), "%s", rate(12.5e9, 1));
	CHECK(!strcmp(rate(1e18, 0), "1.00 EB/s"), "%s", rate(1e18, 0));
	/* bytes: powers of 1000, as the syslog messages and their rules */
	CHECK(strlen(rate(1e30, 0)) <= TOP_RATE_W, "%s", rate(1e30, 0));
	CHECK(!strcmp(rate(-5, 0), "0 B/s"), "negative: %s", rate(-5, 0));
	/* bits: powers of 1000 too, as iperf3 reports */
	CHECK(!strcmp(rate(1e6, 1), "8.00 Mb/s"), "%s", rate(1e6, 1));
	CHECK(!strcmp(rate(100, 1), "800 b/s"), "%s", rate(100, 1));
	CHECK(!strcmp(rate(125, 1), "1.00 kb/s"), "%s", rate(125, 1));
	CHECK(!strcmp(rate(1249999, 1), "10.0 Mb/s"), "%s", rate(1249999, 1));
	/* every value fits the column */
	for (double v = 0.5; v < 1e20; v *= 1.37) {
		CHECK(strlen(rate(v, 0)) <= TOP_RATE_W, "%g: %s", v, rate(v, 0));
		CHECK(strlen(rate(v, 1)) <= TOP_RATE_W, "%g: %s", v, rate(v, 1));
	}

	char b[32];
	top_fmt_size(b, sizeof b, 0);
	CHECK(!strcmp(b, "0 B"), "%s", b);
	top_fmt_size(b, sizeof b, 123456789);
	CHECK(!strcmp(b, "123 MB"), "%s", b);
	top_fmt_size(b, sizeof b, UINT64_MAX);
	CHECK(!strcmp(b, "18.4 EB"), "%s", b);
	for (uint64_t v = 1; v < UINT64_MAX / 3; v *= 3) {
		top_fmt_size(b, sizeof b, v);
		CHECK(strlen(b) <= TOP_SIZE_W, "%llu: %s", (unsigned long long)v, b);
		top_fmt_count(b, sizeof b, v);
		CHECK(strlen(b) <= TOP_COUNT_W, "%llu: %s", (unsigned long long)v, b);
	}
	top_fmt_count(b, sizeof b, 999999);
	CHECK(!strcmp(b, "999999"), "%s", b);
	top_fmt_count(b, sizeof b, 1234567);
	CHECK(!strcmp(b, "1.23M"), "%s", b);

	top_fmt_idle(b, sizeof b, 0);
	CHECK(!strcmp(b, "0s"), "%s", b);
	top_fmt_idle(b, sizeof b, 59999999);
	CHECK(!strcmp(b, "59s"), "%s", b);
	top_fmt_idle(b, sizeof b, 61000000);
	CHECK(!strcmp(b, "1m"), "%s", b);
	top_fmt_idle(b, sizeof b, 7200000000LL);
	CHECK(!strcmp(b, "2h"), "%s", b);
	top_fmt_idle(b, sizeof b, -5);
	CHECK(!strcmp(b, "0s"), "a packet after the snapshot: %s", b);
	top_fmt_idle(b, sizeof b, 999 * 86400 * 1000000LL);
	CHECK(!strcmp(b, "999d"), "%s", b);
	top_fmt_idle(b, sizeof b, 1465 * 86400 * 1000000LL);
	CHECK(!strcmp(b, "4y"), "1465 days: %s", b);
	top_fmt_idle(b, sizeof b, INT64_MAX);
	CHECK(!strcmp(b, "999y") && strlen(b) <= TOP_IDLE_W, "%s", b);
}

static const char *rtt(int64_t us)
{
	static char b[32];
	top_fmt_rtt(b, sizeof b, us);
	return b;
}

static const char *retr(uint64_t n, uint64_t of)
{
	static char b[32];
	top_fmt_retrans(b, sizeof b, n, of);
	return b;
}

/* The health columns' text: round trips and the share retransmitted. */
static void test_health_units(void)
{
	static const struct {
		int64_t us;
		const char *want;
	} rt[] = {
		{-1, "-"}, {0, "0us"}, {812, "812us"}, {999, "999us"}, {1000, "1.0ms"},
		{1234, "1.2ms"}, {9949, "9.9ms"}, {9950, "10ms"}, {40300, "40ms"},
		{812000, "812ms"}, {999499, "999ms"}, {999500, "1.00s"}, {1200000, "1.20s"},
		{9994999, "9.99s"}, {9995000, "10.0s"}, {12345678, "12.3s"}, {123456789, "123s"},
		{999499999, "999s"}, {999500000, ">999s"}, {INT64_MAX, ">999s"},
	};
	for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++)
		CHECK(!strcmp(rtt(rt[i].us), rt[i].want), "rtt %lld: %s, want %s", (long long)rt[i].us,
		      rtt(rt[i].us), rt[i].want);
	int fits = 1;
	for (double v = 1; v < 1e13; v *= 1.013)
		fits &= strlen(rtt((int64_t)v)) <= TOP_RTT_W;
	CHECK(fits, "every round trip fits %d columns", TOP_RTT_W);

	static const struct {
		uint64_t n, of;
		const char *want;
	} re[] = {
		{0, 0, ""}, {0, 10, "0%"}, {1, 10000, "<.1%"}, {5, 10000, "0.1%"}, {1, 250, "0.4%"},
		{994, 10000, "9.9%"}, {995, 10000, "10%"}, {1, 10, "10%"}, {10, 10, "100%"},
		{UINT64_MAX, 1, "999%"},
	};
	for (size_t i = 0; i < sizeof re / sizeof re[0]; i++)
		CHECK(!strcmp(retr(re[i].n, re[i].of), re[i].want), "retrans %llu of %llu: '%s', want '%s'",
		      (unsigned long long)re[i].n, (unsigned long long)re[i].of, retr(re[i].n, re[i].of), re[i].want);
	fits = 1;
	for (uint64_t of = 1; of < 100000; of = of * 3 + 1)
		for (uint64_t n = 0; n <= of; n += of / 7 + 1)
			fits &= strlen(retr(n, of)) <= TOP_RETR_W;
	CHECK(fits, "every share fits %d columns", TOP_RETR_W);
}

static void test_endpoints(void)
{
	char b[TOP_ENDPOINT_MAX], s[TOP_ENDPOINT_MAX];
	struct tt_conn v = conn4(1, "2001:db8:0:0:0:0:0:1", 51000, "2001:db8::2", 443);
	top_fmt_endpoint(b, 6, v.client, v.client_port);
	CHECK(!strcmp(b, "[2001:db8::1]:51000"), "IPv6 compressed: %s", b);
	struct tt_conn w = conn4(1, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "1.2.3.4", 1);
	size_t n = top_fmt_endpoint(b, 6, w.client, w.client_port);
	CHECK(n == TOP_ADDR_MAX - 1, "longest endpoint in numbers: %zu", n);
	struct tt_conn x = conn4(1, "192.168.100.200", 54321, "1.2.3.4", 80);
	top_fmt_endpoint(b, 4, x.client, x.client_port);
	CHECK(!strcmp(b, "192.168.100.200:54321"), "%s", b);

	/* the same text as inet_ntop, for any address */
	const char *special[] = {"::", "::1", "1::", "1::2", "::ffff:1.2.3.4", "::1.2.3.4", "1:0:0:2::3",
	                         "1:0:2:0:0:3:0:0", "0:1:0:1:0:1:0:1", "fe80::1:0:0:1", "64:ff9b::9765:798c",
	                         "2001:db8:0:1::", "::ffff:0:1.2.3.4"};
	srand(7);
	int mismatch = 0;
	for (int i = 0; i < 20000; i++) {
		uint8_t a[16];
		char want[64], exp[80];
		if (i < (int)(sizeof special / sizeof special[0])) {
			inet_pton(AF_INET6, special[i], a);
		} else {
			/* words drawn from a few values: many zero runs */
			for (int k = 0; k < 16; k += 2) {
				int r = rand() % 5;
				a[k] = r == 4 ? (uint8_t)rand() : 0;
				a[k + 1] = r == 0 ? 0 : r == 1 ? 1 : r == 2 ? 0xff : (uint8_t)rand();
			}
		}
		inet_ntop(AF_INET6, a, want, sizeof want);
		snprintf(exp, sizeof exp, "[%s]:%d", want, i % 65536);
		top_fmt_endpoint(b, 6, a, (uint16_t)(i % 65536));
		if (strcmp(b, exp)) {
			mismatch = 1;
			CHECK(0, "IPv6 %s: %s", exp, b);
			break;
		}
	}
	CHECK(!mismatch, "20000 IPv6 endpoints as inet_ntop writes them");

	/* shortened visibly, the port whole */
	top_shorten(s, "192.168.100.200:54321", 21);
	CHECK(!strcmp(s, "192.168.100.200:54321"), "fits: %s", s);
	n = top_shorten(s, "192.168.100.200:54321", 16);
	CHECK(n == 16 && !strcmp(s, "192.1~.200:54321"), "%s", s);
	n = top_shorten(s, "[2a00:1450:4001:80b::200e]:443", 20);
	CHECK(n == 20 && strchr(s, '~') && !strcmp(s + n - 4, ":443") && s[0] == '[', "%s", s);
	for (size_t wd = 0; wd < 40; wd++) {
		n = top_shorten(s, "[2a00:1450:4001:80b::200e]:443", wd);
		CHECK(n <= wd && strlen(s) == n, "width %zu: %s", wd, s);
	}
}

static void test_layout(void)
{
	struct top_layout l;
	/* 80 columns, IPv4: tcptrack 1.x's columns */
	top_layout_make(&l, 80, 21, 21, 1);
	CHECK(top_layout_has(&l, TOP_COL_STATE) && top_layout_has(&l, TOP_COL_IDLE) &&
	      top_layout_has(&l, TOP_COL_ACT) && top_layout_has(&l, TOP_COL_RATE), "80: 1.x columns");
	CHECK(!top_layout_has(&l, TOP_COL_PACKETS) && !top_layout_has(&l, TOP_COL_BYTES), "80: no room for totals");
	CHECK(!l.shortened, "80: IPv4 whole");
	/* 120: everything */
	top_layout_make(&l, 120, 21, 21, 1);
	CHECK(l.ncols == TOP_NCOLS - 1 && !l.shortened && !top_layout_has(&l, TOP_COL_PROC),
	      "120: all %d columns but Process (no processes)", l.ncols);
	/* with processes, Process last; the layout still fits */
	top_layout_make(&l, 160, 21, 21, TOP_SHOW_HEALTH | TOP_SHOW_PROCS);
	CHECK(l.ncols == TOP_NCOLS && l.cols[l.ncols - 1].id == TOP_COL_PROC &&
	      l.cols[l.ncols - 1].x + l.cols[l.ncols - 1].w <= 160, "160 with processes: all %d columns", l.ncols);
	top_layout_make(&l, 80, 21, 21, TOP_SHOW_HEALTH | TOP_SHOW_PROCS);
	CHECK(!top_layout_has(&l, TOP_COL_PROC) && top_layout_has(&l, TOP_COL_RATE),
	      "80 with processes: Process goes before Rate");
	/* packets go before bytes, bytes before the directions */
	top_layout_make(&l, 104, 21, 21, 1);
	CHECK(!top_layout_has(&l, TOP_COL_PACKETS) && top_layout_has(&l, TOP_COL_BYTES), "104: bytes stay");
	top_layout_make(&l, 95, 21, 21, 1);
	CHECK(!top_layout_has(&l, TOP_COL_BYTES) && top_layout_has(&l, TOP_COL_C2S) &&
	      top_layout_has(&l, TOP_COL_S2C), "95: directions stay");
	/* narrow: columns dropped, then addresses shortened */
	top_layout_make(&l, 60, 21, 21, 1);
	CHECK(top_layout_has(&l, TOP_COL_RATE) && top_layout_has(&l, TOP_COL_STATE), "60: essentials");
	CHECK(!top_layout_has(&l, TOP_COL_IDLE), "60: idle dropped");
	CHECK(l.shortened, "60: shortened");
	/* IPv6 on one row, never wider than the terminal */
	for (int w = 0; w <= 250; w++) {
		int nc = w % 2 ? 47 : 21, ns = w % 3 ? 30 : 12;
		top_layout_make(&l, w, nc, ns, w % 4 != 1);
		int last = l.ncols ? l.cols[l.ncols - 1].x + l.cols[l.ncols - 1].w : 0;
		CHECK(last <= w || w < 4, "width %d: line ends at %d", w, last);
		for (int i = 1; i < l.ncols; i++)
			CHECK(l.cols[i].x > l.cols[i - 1].x + l.cols[i - 1].w - 1, "width %d: overlap", w);
		struct top_row r;
		memset(&r, 0, sizeof r);
		r.family = 6;
		memset(r.client, 0xab, 16);
		memset(r.server, 0xcd, 16);
		r.cport = 65535;
		r.sport = 443;
		r.c2s_rate = 1e12;
		r.c2s_payload = UINT64_MAX / 2;
		r.packets = UINT64_MAX;
		r.retrans = UINT64_MAX / 3;
		r.rtt_us = 123456789;
		struct top_fmt_opts o = {.bits = 0, .now_us = 10, .active_us = 1};
		char buf[300];
		top_format_row(&l, &r, &o, buf);
		CHECK((int)strlen(buf) == w, "width %d: row of %zu", w, strlen(buf));
		top_format_header(&l, buf);
		CHECK((int)strlen(buf) == w, "width %d: header of %zu", w, strlen(buf));
		struct top_status st = {.offset = 99999, .shown = 200, .matched = 100000, .in_table = 100001,
		                        .filter = "10.77.0.0/16 443", .hide_closed = 1, .drops = 123456,
		                        .evicted = 77, .sort = TOP_SORT_PACKETS, .reverse = 1};
		top_format_status(&st, w, buf);
		CHECK((int)strlen(buf) == w, "width %d: status of %zu", w, strlen(buf));
	}
}

/* Columns are dropped in this order as the terminal narrows: a column of
 * the list is shown only while every one after it is. */
static void test_health_layout(void)
{
	static const enum top_col order[] = {
		TOP_COL_RETR, TOP_COL_RTT, TOP_COL_PACKETS, TOP_COL_BYTES, TOP_COL_C2S, TOP_COL_IDLE,
		TOP_COL_ACT, TOP_COL_STATE, TOP_COL_RATE,
	};
	struct top_layout l;
	top_layout_make(&l, 120, 21, 21, 1);
	CHECK(l.ncols == TOP_NCOLS - 1 && l.cols[l.ncols - 2].id == TOP_COL_RTT && l.cols[l.ncols - 1].id == TOP_COL_RETR,
	      "120 with health: RTT and Retr last");
	CHECK(l.cols[l.ncols - 1].x + l.cols[l.ncols - 1].w == 120, "120: the line is full");
	top_layout_make(&l, 120, 21, 21, 0);
	CHECK(l.ncols == TOP_NCOLS - 3 && !top_layout_has(&l, TOP_COL_RTT) && !top_layout_has(&l, TOP_COL_RETR) &&
	      top_layout_has(&l, TOP_COL_PACKETS), "120 without health: the columns before them, all");
	/* Retr goes first, then RTT, and only then Packets */
	top_layout_make(&l, 119, 21, 21, 1);
	CHECK(!top_layout_has(&l, TOP_COL_RETR) && top_layout_has(&l, TOP_COL_RTT), "119: Retr dropped, RTT stays");
	top_layout_make(&l, 115, 21, 21, 1);
	CHECK(top_layout_has(&l, TOP_COL_RTT) && top_layout_has(&l, TOP_COL_PACKETS), "115: RTT stays");
	top_layout_make(&l, 114, 21, 21, 1);
	CHECK(!top_layout_has(&l, TOP_COL_RTT) && top_layout_has(&l, TOP_COL_PACKETS), "114: RTT dropped, Packets stays");
	top_layout_make(&l, 109, 21, 21, 1);
	CHECK(top_layout_has(&l, TOP_COL_PACKETS), "109: Packets stays, as without health");
	top_layout_make(&l, 108, 21, 21, 1);
	CHECK(!top_layout_has(&l, TOP_COL_PACKETS) && top_layout_has(&l, TOP_COL_BYTES), "108: Packets dropped");
	/* the same layout without health as with it, once they are gone */
	for (int w = 0; w <= 114; w++) {
		struct top_layout a, b;
		top_layout_make(&a, w, 21, 30, 1);
		top_layout_make(&b, w, 21, 30, 0);
		CHECK(!memcmp(&a, &b, sizeof a), "width %d: as without health", w);
	}
	for (int w = 0; w <= 250; w++) {
		int nc = w % 3 ? 21 : 47, ns = w % 5 ? 18 : 47;
		top_layout_make(&l, w, nc, ns, 1);
		for (size_t i = 1; i < sizeof order / sizeof order[0]; i++)
			if (top_layout_has(&l, order[i - 1]) && !top_layout_has(&l, order[i]))
				CHECK(0, "width %d (%d, %d): column %d shown without column %d", w, nc, ns,
				      order[i - 1], order[i]);
	}
	CHECK(1, "columns drop in order: Retr, RTT, Packets, Bytes, the directions, Idle, A, State, Rate");
}

static void test_rows_text(void)
{
	struct top_rows rows = {.state_name = state_name};
	top_rows_clear(&rows, 10000000);
	struct tt_conn v = conn4(7, "10.0.0.1", 55212, "173.194.116.30", 80);
	v.c2s_rate = 1000;
	v.s2c_rate = 1048576;
	v.c2s.payload = 2048;
	v.s2c.payload = 1024 * 1024 * 3;
	v.c2s.packets = 10;
	v.s2c.packets = 20;
	v.last_seen_us = 9500000;
	v.rtt_us = 40300;
	v.c2s_retrans = 2;
	v.s2c_retrans = 1;
	CHECK(top_rows_add(&rows, &v) == 0, "add");
	struct top_layout l;
	top_layout_make(&l, 120, 21, 21, 1);
	struct top_fmt_opts o = {.bits = 0, .now_us = 10000000, .active_us = 1000000};
	char buf[200];
	top_format_header(&l, buf);
	CHECK(strstr(buf, " Client ") == buf && strstr(buf, "Server") && strstr(buf, "State") &&
	      strstr(buf, "Idle") && strstr(buf, " A ") && strstr(buf, "Rate") && strstr(buf, "C->S") &&
	      strstr(buf, "S->C") && strstr(buf, "Payload") && strstr(buf, "Packets"), "header: %s", buf);
	top_format_row(&l, &rows.v[0], &o, buf);
	CHECK(strstr(buf, " 10.0.0.1:55212 ") == buf, "client first: %s", buf);
	CHECK(strstr(buf, "173.194.116.30:80 "), "server: %s", buf);
	CHECK(strstr(buf, "ESTABLISHED"), "state: %s", buf);
	CHECK(strstr(buf, " 0s *"), "idle and activity: %s", buf);
	CHECK(strstr(buf, "1.05 MB/s"), "rate: %s", buf);
	CHECK(strstr(buf, "1.00 kB/s"), "c2s: %s", buf);
	CHECK(strstr(buf, "1.00 kB/s 1.05 MB/s"), "s2c after c2s: %s", buf);
	CHECK(strstr(buf, "3.15 MB"), "payload: %s", buf);
	CHECK(strstr(buf, " 30"), "packets: %s", buf);
	CHECK(strstr(buf, " 30  40ms  10%") && strlen(buf) == 120, "RTT and Retr last: %s", buf);
	top_format_header(&l, buf);
	CHECK(strstr(buf, "Packets   RTT Retr") && strlen(buf) == 120, "header ends with RTT Retr: %s", buf);
	top_format_row(&l, &rows.v[0], &o, buf);
	/* the mark goes after active_us */
	o.now_us = 10600000;
	top_format_row(&l, &rows.v[0], &o, buf);
	CHECK(!strstr(buf, "*"), "no activity mark: %s", buf);
	o.bits = 1;
	top_format_row(&l, &rows.v[0], &o, buf);
	CHECK(strstr(buf, "8.40 Mb/s"), "bits: %s", buf);

	struct top_select s = {0};
	const struct top_row *out[4];
	size_t off = 0;
	struct top_view_opts vo = {.sort = TOP_SORT_NONE};
	top_select(&s, &rows, &vo, &off, 4, out);
	const char *notes[] = {"many.pcap: end of file reached", "end of file", "EOF", NULL};
	top_format_total(&l, &s, &o, notes, buf);
	CHECK(strstr(buf, " TOTAL ") == buf && strstr(buf, "many.pcap: end of file reached") &&
	      strstr(buf, "8.40 Mb/s"), "total: %s", buf);
	CHECK(strlen(buf) == 120 && !strcmp(buf + 120 - 18, "     30" " " "     " " " " 10%"),
	      "total: retransmissions of all, no RTT: %s", buf);
	/* narrow: the note that fits */
	top_layout_make(&l, 40, 14, 14, 1);
	top_format_total(&l, &s, &o, notes, buf);
	CHECK(strstr(buf, " TOTAL ") == buf && strstr(buf, " end of file ") && strlen(buf) == 40, "total: %s", buf);
	top_select_free(&s);
	/* a view of ABI 1.0 has no health: no round trip, nothing retransmitted */
	v.size = (uint32_t)offsetof(struct tt_conn, handshake_us);
	top_rows_add(&rows, &v);
	const struct top_row *old = &rows.v[rows.n - 1];
	CHECK(old->rtt_us == -1 && old->retrans == 0 && old->packets == 30, "ABI 1.0 view: rtt %lld, retrans %llu",
	      (long long)old->rtt_us, (unsigned long long)old->retrans);
	top_rows_free(&rows);
}

/* ---- sorting and selection ---- */

/* processes by connection id: names alike in their first bytes, an empty
 * one, pids that tie and do not; none for some */
static int proc_of(void *arg, const struct tt_conn *c, int32_t *pid, char *comm, size_t len)
{
	(void)arg;
	static const char *const names[] = {"zzclientB", "zzclientA", "aaclient", "zzclientC", "zzclient",
	                                    "sshd", "", "zzclientAA"};
	unsigned k = (unsigned)(c->id % 9);
	if (k == 8)
		return 0;
	snprintf(comm, len, "%s", names[k]);
	*pid = (int32_t)(c->id * 31 % 5 + 1);
	return 1;
}

/* (filled in place: a row points at its table's text) */
static void make_rows(struct top_rows *rows, size_t n, unsigned seed)
{
	static const struct top_lookup lk = {.process_of = proc_of, .procs = 1};
	memset(rows, 0, sizeof *rows);
	rows->lk = &lk;
	top_rows_clear(rows, 1000000000);
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		char c[64], s[64];
		int v6 = rand() % 4 == 0;
		if (v6) {
			snprintf(c, sizeof c, "2001:db8::%x", rand() % 50);
			snprintf(s, sizeof s, "2001:db8:1::%x", rand() % 50);
		} else {
			snprintf(c, sizeof c, "10.0.%d.%d", rand() % 3, rand() % 250);
			snprintf(s, sizeof s, "192.0.2.%d", rand() % 20);
		}
		struct tt_conn v = conn4(1000 + i * 7 % n, c, (uint16_t)(1024 + rand() % 5), s,
		                         (uint16_t)(rand() % 3 ? 443 : 80));
		v.id = i * 7919 % 100003 + 1; /* unique, not in table order */
		v.state = (uint8_t)(rand() % TT_NSTATES);
		/* many ties: rates and totals from a few values */
		v.c2s_rate = (rand() % 5) * 1000.0;
		v.s2c_rate = (rand() % 3) * 10.0;
		v.c2s.payload = (uint64_t)(rand() % 4) * 100;
		v.s2c.payload = (uint64_t)(rand() % 4);
		v.c2s.packets = (uint64_t)(rand() % 6);
		v.last_seen_us = 999000000 + (rand() % 10) * 1000;
		/* health: round trips missing for some, ties; no packets for some */
		v.rtt_us = rand() % 5 == 0 ? -1 : (rand() % 4) * 1000;
		v.c2s_retrans = v.c2s.packets ? (uint64_t)rand() % (v.c2s.packets + 1) / 2 : 0;
		top_rows_add(rows, &v);
	}
}

static enum top_sort g_sort;
static int g_rev;

static int ucmp(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int dcmp(double a, double b)
{
	return a < b ? -1 : a > b;
}

static int ep_cmp(const struct top_row *a, const struct top_row *b, int server)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int d = memcmp(server ? a->server : a->client, server ? b->server : b->client, 16);
	if (d)
		return d < 0 ? -1 : 1;
	return ucmp(server ? a->sport : a->cport, server ? b->sport : b->cport);
}

static double share(const struct top_row *r)
{
	return (double)r->retrans / (double)r->packets;
}

/* Whether a row has no value for the order: last, reversed or not. */
static int missing(const struct top_row *r)
{
	return (g_sort == TOP_SORT_RTT && r->rtt_us < 0) || (g_sort == TOP_SORT_RETRANS && !r->packets) ||
	       (g_sort == TOP_SORT_PROCESS && !r->proc);
}

/* The order the view promises, written plainly. */
static int ref_cmp(const void *pa, const void *pb)
{
	const struct top_row *a = *(const struct top_row *const *)pa, *b = *(const struct top_row *const *)pb;
	int d = 0;
	if (missing(a) != missing(b))
		return missing(a) ? 1 : -1;
	switch (missing(a) ? TOP_SORT_NONE : g_sort) {
	case TOP_SORT_NONE: break;
	case TOP_SORT_CLIENT: d = ep_cmp(a, b, 0); if (!d) d = ep_cmp(a, b, 1); break;
	case TOP_SORT_SERVER: d = ep_cmp(a, b, 1); if (!d) d = ep_cmp(a, b, 0); break;
	case TOP_SORT_STATE: d = ucmp(a->state, b->state); break;
	case TOP_SORT_IDLE: d = -ucmp((uint64_t)a->last_us, (uint64_t)b->last_us); break;
	case TOP_SORT_RATE: d = -dcmp(a->c2s_rate + a->s2c_rate, b->c2s_rate + b->s2c_rate); break;
	case TOP_SORT_C2S: d = -dcmp(a->c2s_rate, b->c2s_rate); break;
	case TOP_SORT_S2C: d = -dcmp(a->s2c_rate, b->s2c_rate); break;
	case TOP_SORT_BYTES: d = -ucmp(a->c2s_payload + a->s2c_payload, b->c2s_payload + b->s2c_payload); break;
	case TOP_SORT_PACKETS: d = -ucmp(a->packets, b->packets); break;
	case TOP_SORT_RTT: d = -ucmp((uint64_t)a->rtt_us, (uint64_t)b->rtt_us); break;
	case TOP_SORT_RETRANS: d = -dcmp(share(a), share(b)); break;
	case TOP_SORT_PROCESS:
		d = strcmp(top_row_text(a, a->proc), top_row_text(b, b->proc));
		d = d ? (d < 0 ? -1 : 1) : ucmp((uint64_t)a->pid, (uint64_t)b->pid);
		break;
	default: break;
	}
	if (!d)
		d = ucmp(a->id, b->id);
	return g_rev ? -d : d;
}

static void test_sorting(void)
{
	size_t n = 3000;
	struct top_rows rows;
	make_rows(&rows, n, 42);
	const struct top_row **ref = malloc(n * sizeof *ref);
	const struct top_row *out[50];
	struct top_select s = {0};
	for (int sort = 0; sort < TOP_NSORTS; sort++)
		for (int rev = 0; rev < 2; rev++) {
			g_sort = (enum top_sort)sort;
			g_rev = rev;
			for (size_t i = 0; i < n; i++)
				ref[i] = &rows.v[i];
			qsort(ref, n, sizeof *ref, ref_cmp);
			const size_t offs[] = {0, 1, 17, 1500, 2950, 2999, 5000};
			for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
				size_t off = offs[k];
				struct top_view_opts vo = {.sort = (enum top_sort)sort, .reverse = rev};
				CHECK(top_select(&s, &rows, &vo, &off, 50, out) == 0, "select");
				size_t want_off = offs[k] > n - 50 ? n - 50 : offs[k];
				CHECK(off == want_off, "%s: offset %zu clamped to %zu", top_sort_key(g_sort), off, want_off);
				CHECK(s.shown == 50 && s.matched == n, "shown %zu of %zu", s.shown, s.matched);
				int same = 1;
				for (size_t i = 0; i < s.shown; i++)
					same &= out[i] == ref[off + i];
				CHECK(same, "%s%s at offset %zu: the window is the sorted list's", top_sort_key(g_sort),
				      rev ? " reversed" : "", off);
			}
		}
	/* the `s` key cycles as tcptrack 1.x, with idle */
	CHECK(top_sort_cycle(TOP_SORT_NONE, 0, 0) == TOP_SORT_RATE, "s 1");
	CHECK(top_sort_cycle(TOP_SORT_RATE, 0, 0) == TOP_SORT_BYTES, "s 2");
	CHECK(top_sort_cycle(TOP_SORT_BYTES, 0, 0) == TOP_SORT_IDLE, "s 3");
	CHECK(top_sort_cycle(TOP_SORT_IDLE, 0, 0) == TOP_SORT_NONE, "s 4");
	/* and through the health columns where they are shown */
	CHECK(top_sort_cycle(TOP_SORT_NONE, 1, 0) == TOP_SORT_RATE, "s 1 with health");
	CHECK(top_sort_cycle(TOP_SORT_IDLE, 1, 0) == TOP_SORT_RTT, "s 4 with health: RTT");
	CHECK(top_sort_cycle(TOP_SORT_RTT, 1, 0) == TOP_SORT_RETRANS, "s 5 with health: retransmissions");
	CHECK(top_sort_cycle(TOP_SORT_RETRANS, 1, 0) == TOP_SORT_NONE, "s 6 with health: unsorted");
	CHECK(top_sort_cycle(TOP_SORT_RTT, 0, 0) == TOP_SORT_NONE, "s from RTT without health: unsorted");
	/* < and > through the columns, the health ones only where shown */
	CHECK(top_sort_step(TOP_SORT_NONE, -1, 0, 0) == TOP_SORT_PACKETS, "< from unsorted: packets");
	CHECK(top_sort_step(TOP_SORT_NONE, -1, 1, 0) == TOP_SORT_RETRANS, "< from unsorted with health: retrans");
	CHECK(top_sort_step(TOP_SORT_RETRANS, -1, 1, 0) == TOP_SORT_RTT, "< from retrans: RTT");
	CHECK(top_sort_step(TOP_SORT_RTT, -1, 1, 0) == TOP_SORT_PACKETS, "< from RTT: packets");
	CHECK(top_sort_step(TOP_SORT_PACKETS, 1, 1, 0) == TOP_SORT_RTT, "> from packets with health: RTT");
	CHECK(top_sort_step(TOP_SORT_PACKETS, 1, 0, 0) == TOP_SORT_NONE, "> from packets: unsorted");
	CHECK(top_sort_step(TOP_SORT_RETRANS, 1, 1, 0) == TOP_SORT_NONE, "> from retrans: unsorted");
	CHECK(top_sort_step(TOP_SORT_NONE, 1, 0, 0) == TOP_SORT_CLIENT, "> from unsorted: client");
	/* on a screen too narrow for some columns, the keys offer only the
	 * orders of the columns it shows */
	{
		struct top_layout nl;
		top_layout_make(&nl, 80, 21, 21, TOP_SHOW_HEALTH);
		unsigned shown = top_layout_cols(&nl);
		CHECK(!top_layout_has(&nl, TOP_COL_RETR) && !top_layout_has(&nl, TOP_COL_RTT) &&
		      top_layout_has(&nl, TOP_COL_RATE), "80 wide: no RTT or Retr (the case below)");
		for (int i = 0; i < TOP_NSORTS; i++)
			for (int dir = -1; dir <= 1; dir += 2) {
				enum top_sort to = top_sort_step((enum top_sort)i, dir, TOP_SHOW_HEALTH, shown);
				CHECK(to != TOP_SORT_RTT && to != TOP_SORT_RETRANS, "%s %c: not to a column not shown",
				      top_sort_key((enum top_sort)i), dir < 0 ? '<' : '>');
			}
		CHECK(top_sort_step(TOP_SORT_NONE, -1, TOP_SHOW_HEALTH, shown) == TOP_SORT_RATE &&
		              top_sort_step(TOP_SORT_RATE, 1, TOP_SHOW_HEALTH, shown) == TOP_SORT_NONE,
		      "< from unsorted: the rightmost column shown (rate), > from it: unsorted");
		CHECK(top_sort_cycle(TOP_SORT_IDLE, TOP_SHOW_HEALTH, shown) == TOP_SORT_NONE,
		      "s from idle: unsorted, not RTT off the screen");
		top_layout_make(&nl, 200, 21, 21, TOP_SHOW_HEALTH);
		shown = top_layout_cols(&nl);
		CHECK(top_sort_step(TOP_SORT_NONE, -1, TOP_SHOW_HEALTH, shown) == TOP_SORT_RETRANS &&
		      top_sort_cycle(TOP_SORT_IDLE, TOP_SHOW_HEALTH, shown) == TOP_SORT_RTT,
		      "200 wide: retrans and RTT offered");
	}
	CHECK(top_sort_parse("rtt") == TOP_SORT_RTT && top_sort_parse("retrans") == TOP_SORT_RETRANS &&
	      !strcmp(top_sort_label(TOP_SORT_RTT), "Sorted by RTT"), "rtt, retrans");
	CHECK(!strcmp(top_sort_label(TOP_SORT_RATE), "Sorted by rate"), "label");
	CHECK(!strcmp(top_sort_label(TOP_SORT_NONE), "Unsorted"), "label");
	CHECK(top_sort_parse("bytes") == TOP_SORT_BYTES && top_sort_parse("unsorted") == TOP_SORT_NONE &&
	      top_sort_parse("nope") == -1, "parse");

	/* by RTT: the slowest first, rows without one last, reversed too */
	struct top_rows three = {0};
	top_rows_clear(&three, 0);
	const int64_t rtts[] = {-1, 5000, 100};
	for (int i = 0; i < 3; i++) {
		struct tt_conn v = conn4((uint64_t)i + 1, "10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 80);
		v.rtt_us = rtts[i];
		top_rows_add(&three, &v);
	}
	for (int rev = 0; rev < 2; rev++) {
		size_t o3 = 0;
		struct top_view_opts v3 = {.sort = TOP_SORT_RTT, .reverse = rev};
		top_select(&s, &three, &v3, &o3, 3, out);
		CHECK(out[0]->rtt_us == (rev ? 100 : 5000) && out[1]->rtt_us == (rev ? 5000 : 100) && out[2]->rtt_us == -1,
		      "by RTT%s: %lld %lld %lld", rev ? " reversed" : "", (long long)out[0]->rtt_us,
		      (long long)out[1]->rtt_us, (long long)out[2]->rtt_us);
	}
	top_rows_free(&three);

	/* fewer rows than lines */
	size_t off = 10;
	struct top_rows few;
	make_rows(&few, 5, 1);
	struct top_view_opts vo = {.sort = TOP_SORT_RATE};
	top_select(&s, &few, &vo, &off, 50, out);
	CHECK(off == 0 && s.shown == 5 && s.matched == 5, "few: off %zu shown %zu", off, s.shown);
	/* none */
	struct top_rows none = {0};
	top_select(&s, &none, &vo, &off, 50, out);
	CHECK(s.shown == 0 && s.matched == 0, "empty");
	/* no lines at all */
	top_select(&s, &rows, &vo, &off, 0, out);
	CHECK(s.shown == 0 && s.matched == n, "zero lines");
	top_rows_free(&few);
	top_select_free(&s);
	top_rows_free(&rows);
	free(ref);
}

/* a lookup that names 173.194.116.30 and port 443, as the host would */
static size_t name_of(void *arg, int family, const uint8_t *addr, char *buf, size_t len)
{
	(void)arg;
	if (family != 4 || addr[0] != 173 || addr[1] != 194)
		return 0;
	return (size_t)snprintf(buf, len, "www.example.com");
}

static const char *service_of(void *arg, uint16_t port)
{
	(void)arg;
	return port == 443 ? "https" : NULL;
}

static void test_filter(void)
{
	struct top_lookup lk = {.name_of = name_of, .service_of = service_of, .names = 1};
	struct top_rows rows = {.state_name = state_name, .lk = &lk};
	top_rows_clear(&rows, 0);
	struct tt_conn a = conn4(1, "10.77.0.1", 40000, "10.77.0.2", 5201);
	struct tt_conn b = conn4(2, "10.0.0.1", 55212, "173.194.116.30", 443);
	b.state = TT_RESET;
	struct tt_conn c = conn4(3, "2001:db8::1", 51000, "2001:db8:1::2", 443);
	c.state = TT_CLOSED;
	struct tt_conn d = conn4(4, "192.0.2.10", 443, "192.0.2.80", 8080);
	top_rows_add(&rows, &a);
	top_rows_add(&rows, &b);
	top_rows_add(&rows, &c);
	top_rows_add(&rows, &d);
	struct top_filter f;
	struct {
		const char *text;
		const char *want; /* ids that match */
	} cases[] = {
		{"", "1234"},
		{"443", "234"},         /* a port, either side */
		{":5201", "1"},
		{"44", ""},             /* a port is whole */
		{"10.77.", "1"},        /* part of an address */
		{"10.0.0.0/8", "12"},   /* a prefix */
		{"10.77.0.2", "1"},     /* an address */
		{"2001:db8::/32", "3"},
		{"db8:1", "3"},
		{"[2001:db8::1]:51000", "3"},
		{"reset", "2"},         /* a state */
		{"CLOSED", "3"},
		{"estab", "14"},
		{"443 estab", "4"},     /* all terms */
		{"10.77.0.1:40000", "1"},
		{"nothing", ""},
		{"10.0.0.0/99", ""},
		/* names and services, as shown with n, whether shown or not */
		{"example.com", "2"},
		{"com:https", "2"},
		{"https", "234"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		top_filter_set(&f, cases[i].text);
		char got[8] = "";
		size_t n = 0;
		for (size_t k = 0; k < rows.n; k++)
			if (top_filter_match(&f, &rows.v[k]))
				got[n++] = (char)('0' + rows.v[k].id);
		got[n] = 0;
		CHECK(!strcmp(got, cases[i].want), "filter '%s': %s, want %s", cases[i].text, got, cases[i].want);
	}
	/* more terms than are kept: the view is told, to say so */
	top_filter_set(&f, "1 2 3 4 5 6 7 8 zzzz");
	CHECK(f.nterms == TOP_FILTER_TERMS && f.dropped, "9 terms: %d kept, dropped %d", f.nterms, f.dropped);
	top_filter_set(&f, "1 2 3 4 5 6 7 8");
	CHECK(f.nterms == 8 && !f.dropped, "8 terms: %d kept, dropped %d", f.nterms, f.dropped);
	/* selection counts only what passes */
	struct top_select s = {0};
	const struct top_row *out[10];
	size_t off = 0;
	top_filter_set(&f, "443");
	struct top_view_opts vo = {.sort = TOP_SORT_NONE, .filter = &f};
	top_select(&s, &rows, &vo, &off, 10, out);
	CHECK(s.matched == 3 && s.shown == 3 && out[0]->id == 2, "filtered: %zu", s.matched);
	vo.hide_closed = 1;
	top_select(&s, &rows, &vo, &off, 10, out);
	CHECK(s.matched == 1 && out[0]->id == 4, "closed and reset hidden: %zu", s.matched);
	top_select_free(&s);
	top_rows_free(&rows);
}

/* a lookup with a host name longer than an IPv6 endpoint */
#define LONG_NAME "server-13-224-12-34.fra56.r.cloudfront.net"
static size_t long_name_of(void *arg, int family, const uint8_t *addr, char *buf, size_t len)
{
	(void)arg;
	(void)family;
	return addr[3] == 31 ? (size_t)snprintf(buf, len, "%s", LONG_NAME) : 0;
}

/* the longest process cell: a 7-digit pid (pid_max 4194304) and a
 * command name of 15 */
static int long_proc_of(void *arg, const struct tt_conn *c, int32_t *pid, char *comm, size_t len)
{
	(void)arg;
	(void)c;
	*pid = 4194303;
	snprintf(comm, len, "abcdefghijklmno");
	return 1;
}

static void test_long_names(void)
{
	struct top_lookup lk = {.name_of = long_name_of, .service_of = service_of, .names = 1,
	                        .process_of = long_proc_of, .procs = 1};
	struct top_rows rows = {.state_name = state_name, .lk = &lk};
	top_rows_clear(&rows, 0);
	struct tt_conn a = conn4(1, "10.0.0.1", 55212, "173.194.116.31", 443);
	top_rows_add(&rows, &a);
	char ep[TOP_ENDPOINT_MAX], buf[400];
	size_t n = top_fmt_row_endpoint(ep, &rows.v[0], 1, 1);
	CHECK(!strcmp(ep, LONG_NAME ":https") && n == strlen(ep), "the name whole: %s", ep);
	/* a wide terminal shows it whole; a narrow column shortens it in its
	 * middle, the service kept */
	struct top_fmt_opts o = {.names = 1, .now_us = 1, .active_us = 1};
	struct top_layout l;
	top_layout_make(&l, 250, 21, (int)n, 1);
	top_format_row(&l, &rows.v[0], &o, buf);
	CHECK(strstr(buf, " " LONG_NAME ":https ") != NULL, "250 columns: %s", buf);
	top_layout_make(&l, 80, 21, (int)n, 1);
	top_format_row(&l, &rows.v[0], &o, buf);
	const char *t = strchr(buf, '~');
	CHECK(t && strstr(t, ".net:https ") && !strstr(buf, LONG_NAME), "80 columns: shortened: %s", buf);
	top_layout_make(&l, 250, 21, (int)n, TOP_SHOW_HEALTH | TOP_SHOW_PROCS);
	top_format_row(&l, &rows.v[0], &o, buf);
	CHECK(strstr(buf, " 4194303 abcdefghijklmno"), "the process whole: %s", buf);
	/* the filter sees the whole name */
	struct top_filter f;
	top_filter_set(&f, "cloudfront.net");
	CHECK(top_filter_match(&f, &rows.v[0]), "filter 'cloudfront.net' matches " LONG_NAME);
	top_filter_set(&f, "cloudfront.net:https");
	CHECK(top_filter_match(&f, &rows.v[0]), "filter 'cloudfront.net:https' matches");
	top_rows_free(&rows);
}

static void test_status(void)
{
	char buf[300];
	struct top_status st = {.offset = 0, .shown = 27, .matched = 126, .in_table = 126};
	top_format_status(&st, 100, buf);
	CHECK(strstr(buf, " Connections 1-27 of 126  Unpaused  Unsorted") == buf, "%s", buf);
	CHECK(strstr(buf, "h: help"), "%s", buf);
	st.paused = 1;
	st.sort = TOP_SORT_BYTES;
	st.drops = 3;
	st.evicted = 5;
	st.filter = "443";
	st.matched = 40;
	st.shown = 27;
	st.offset = 13;
	top_format_status(&st, 160, buf);
	CHECK(strstr(buf, "Connections 14-40 of 40  (126 in table)  Paused  Dropped: 3  Evicted: 5  "
	                  "Sorted by bytes  Filter: 443"), "%s", buf);
	/* narrow: the count and pause stay */
	top_format_status(&st, 40, buf);
	CHECK(strstr(buf, "Connections 14-40 of 40  Paused"), "%s", buf);
	st.shown = 0;
	st.matched = 0;
	top_format_status(&st, 80, buf);
	CHECK(strstr(buf, "Connections 0-0 of 0"), "%s", buf);
}

int main(void)
{
	test_units();
	test_health_units();
	test_endpoints();
	test_layout();
	test_health_layout();
	test_rows_text();
	test_sorting();
	test_filter();
	test_long_names();
	test_status();
	DONE();
}
