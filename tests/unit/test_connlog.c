/* lib/connlog: the text of a row's cells, in CSV and in JSON (RFC 8259
 * strings: escapes, UTF-8 kept when it is well formed, U+FFFD otherwise). */
#include <string.h>

#include "connlog.h"
#include "tap.h"

static char out[CONNLOG_CELL_MAX + 1];

static const char *cell(const struct connlog_cell *c, int json)
{
	size_t n = connlog_put_cell(out, c, json);
	out[n] = 0;
	return out;
}

static const char *str(const char *s, size_t len)
{
	struct connlog_cell c = {.kind = CONNLOG_STR, .len = (uint16_t)len, .v.s = s};
	return cell(&c, 1);
}

int main(void)
{
	struct connlog_cell c = {.kind = CONNLOG_NONE};
	CHECK(!strcmp(cell(&c, 0), ""), "empty in CSV: '%s'", out);
	CHECK(!strcmp(cell(&c, 1), "null"), "null in JSON: '%s'", out);
	c.kind = CONNLOG_U64;
	c.v.u = 18446744073709551615ull;
	CHECK(!strcmp(cell(&c, 1), "18446744073709551615"), "u64: '%s'", out);
	c.kind = CONNLOG_TIME;
	c.v.t = 1700000000000017;
	CHECK(!strcmp(cell(&c, 1), "1700000000.000017"), "time: '%s'", out);
	c.kind = CONNLOG_SECONDS;
	c.v.t = 300000000;
	CHECK(!strcmp(cell(&c, 1), "300"), "whole seconds: '%s'", out);
	c.v.t = 1500000;
	CHECK(!strcmp(cell(&c, 0), "1.500000"), "seconds and a part: '%s'", out);

	uint8_t a4[16] = {10, 0, 0, 1};
	uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	c.kind = CONNLOG_ADDR;
	c.family = 4;
	c.v.addr = a4;
	CHECK(!strcmp(cell(&c, 0), "10.0.0.1"), "IPv4 in CSV: '%s'", out);
	CHECK(!strcmp(cell(&c, 1), "\"10.0.0.1\""), "IPv4 in JSON: '%s'", out);
	c.family = 6;
	c.v.addr = a6;
	CHECK(!strcmp(cell(&c, 1), "\"2001:db8::1\""), "IPv6 in JSON: '%s'", out);

	c.kind = CONNLOG_STR;
	c.v.s = "SYN|ACK-ACK";
	c.len = 11;
	CHECK(!strcmp(cell(&c, 0), "SYN|ACK-ACK"), "a string in CSV: '%s'", out);
	CHECK(!strcmp(cell(&c, 1), "\"SYN|ACK-ACK\""), "a string in JSON: '%s'", out);
	CHECK(!strcmp(str("a\"b\\c", 5), "\"a\\\"b\\\\c\""), "quote and backslash: '%s'", out);
	CHECK(!strcmp(str("\n\t\x01\x1f\x7f", 5), "\"\\u000a\\u0009\\u0001\\u001f\\u007f\""),
	      "control characters and DEL: '%s'", out);
	CHECK(!strcmp(str("x\0y", 3), "\"x\\u0000y\""), "a NUL within the length: '%s'", out);
	/* é, €, U+1D11E: kept as they are */
	CHECK(!strcmp(str("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", 9), "\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\""),
	      "well-formed UTF-8 kept: '%s'", out);
	/* a lone continuation, an overlong NUL, a surrogate, a cut sequence,
	 * past U+10FFFF, 0xff: each byte that starts no valid sequence is U+FFFD */
	CHECK(!strcmp(str("\x80", 1), "\"\\ufffd\""), "lone continuation: '%s'", out);
	CHECK(!strcmp(str("\xc0\x80", 2), "\"\\ufffd\\ufffd\""), "overlong: '%s'", out);
	CHECK(!strcmp(str("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\""), "surrogate: '%s'", out);
	CHECK(!strcmp(str("\xe2\x82", 2), "\"\\ufffd\\ufffd\""), "cut short: '%s'", out);
	CHECK(!strcmp(str("\xf4\x90\x80\x80", 4), "\"\\ufffd\\ufffd\\ufffd\\ufffd\""), "past U+10FFFF: '%s'", out);
	CHECK(!strcmp(str("a\xffz", 3), "\"a\\ufffdz\""), "0xff: '%s'", out);
	/* the longest string a cell takes, all escaped, fits CONNLOG_CELL_MAX */
	char many[64];
	memset(many, 1, sizeof many);
	CHECK(strlen(str(many, sizeof many)) == 2 + 6 * sizeof many, "64 escaped bytes: %zu", strlen(out));

	/* the column names the two outputs share */
	CHECK(!strcmp(connlog_conn_cols[0], "first_seen") && !strcmp(connlog_conn_cols[13], "end") &&
	      !strcmp(connlog_conn_cols[CONNLOG_CONN_NCOLS - 1], "s2c_retrans_bytes") &&
	      !connlog_conn_cols[CONNLOG_CONN_NCOLS], "connection columns");
	CHECK(!strcmp(connlog_int_cols[13], "active") && !strcmp(connlog_int_cols[14], "opened") &&
	      !strcmp(connlog_int_cols[CONNLOG_INT_NCOLS - 1], "if_drops") && !connlog_int_cols[CONNLOG_INT_NCOLS],
	      "interval columns");
	DONE();
}
