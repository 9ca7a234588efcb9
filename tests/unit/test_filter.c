/*
 * The connection filter (lib/filter): prefixes of either family with any
 * length, lists of ports and ranges, the reasons given for bad lists, and
 * which connections pass.
 */
#include <arpa/inet.h>
#include <string.h>

#include "filter.h"
#include "tap.h"

static struct tt_conn conn(const char *c, uint16_t cp, const char *s, uint16_t sp)
{
	struct tt_conn v;
	memset(&v, 0, sizeof v);
	v.family = strchr(c, ':') ? 6 : 4;
	inet_pton(v.family == 6 ? AF_INET6 : AF_INET, c, v.client);
	inet_pton(v.family == 6 ? AF_INET6 : AF_INET, s, v.server);
	v.client_port = cp;
	v.server_port = sp;
	return v;
}

static int in(const char *prefix, const char *addr)
{
	struct filter_prefix p;
	uint8_t a[16] = {0};
	int fam = strchr(addr, ':') ? 6 : 4;
	inet_pton(fam == 6 ? AF_INET6 : AF_INET, addr, a);
	return filter_prefix_parse(&p, prefix) == 0 && filter_prefix_match(&p, fam, a);
}

static void test_prefixes(void)
{
	CHECK(in("10.0.0.0/8", "10.200.3.4"), "/8");
	CHECK(!in("10.0.0.0/8", "11.0.0.1"), "/8 out");
	CHECK(in("192.168.4.0/22", "192.168.7.255") && !in("192.168.4.0/22", "192.168.8.0"), "/22: a part byte");
	CHECK(in("192.0.2.7", "192.0.2.7") && !in("192.0.2.7", "192.0.2.8"), "an address alone");
	CHECK(in("0.0.0.0/0", "203.0.113.9"), "/0: all of the family");
	CHECK(!in("0.0.0.0/0", "2001:db8::1"), "not the other family");
	CHECK(in("2001:db8::/32", "2001:db8:ffff::1") && !in("2001:db8::/32", "2001:db9::1"), "IPv6 /32");
	CHECK(in("2001:db8::/33", "2001:db8:7fff::1") && !in("2001:db8::/33", "2001:db8:8000::1"), "IPv6 /33");
	CHECK(in("::1/128", "::1"), "IPv6 /128");
	struct filter_prefix p;
	CHECK(filter_prefix_parse(&p, "10.0.0.0/33") == FILTER_BAD_LEN, "longer than the address");
	CHECK(filter_prefix_parse(&p, "10.0.0.0/8.5") == FILTER_BAD_LEN, "not whole");
	CHECK(filter_prefix_parse(&p, "10.0.0.0/") == FILTER_BAD_LEN, "no length");
	CHECK(filter_prefix_parse(&p, "10.0.0.0/x") == FILTER_BAD_LEN, "no number");
	CHECK(filter_prefix_parse(&p, "2001:db8::/129") == FILTER_BAD_LEN, "IPv6 longer than 128");
	CHECK(filter_prefix_parse(&p, "10.0.0/8") == FILTER_BAD_ADDR, "no address");
	CHECK(filter_prefix_parse(&p, "estab") == FILTER_BAD_ADDR, "text");
	CHECK(filter_prefix_parse(&p, "") == FILTER_BAD_ADDR, "empty");
}

static void test_lists(void)
{
	struct filter f;
	char err[128];
	memset(&f, 0, sizeof f);
	CHECK(!filter_active(&f), "an empty filter");
	struct tt_conn c = conn("10.1.2.3", 40000, "192.0.2.80", 8080);
	CHECK(filter_match(&f, &c), "an empty filter passes all");
	CHECK(filter_set_ports(&f, "80,443 8000-8100", err, sizeof err) == 0 && f.nports == 3, "ports: %s", err);
	/* '+' too: an -o value cannot hold a comma */
	CHECK(filter_set_ports(&f, "80+443+8000-8100", err, sizeof err) == 0 && f.nports == 3 &&
	          f.ports[2].lo == 8000 && f.ports[2].hi == 8100,
	      "ports with +: %s", err);
	CHECK(filter_active(&f) && filter_match(&f, &c), "8080 in 8000-8100");
	c.server_port = 8101;
	CHECK(!filter_match(&f, &c), "8101 out");
	c.server_port = 443;
	CHECK(filter_match(&f, &c), "443");
	c.client_port = 80;
	c.server_port = 22;
	CHECK(!filter_match(&f, &c), "the server's port only");
	CHECK(filter_set_ports(&f, "22", err, sizeof err) == 0 && f.nports == 1 && filter_match(&f, &c),
	      "a list replaces the previous one");

	CHECK(filter_set_ports(&f, "0", err, sizeof err) < 0 &&
	      !strcmp(err, "'0': not a port (1-65535) or a range (8000-8100)"), "port 0: %s", err);
	CHECK(filter_set_ports(&f, "80,9000-8000", err, sizeof err) < 0 && strstr(err, "'9000-8000'"), "%s", err);
	CHECK(filter_set_ports(&f, "65536", err, sizeof err) < 0, "too high");
	CHECK(filter_set_ports(&f, "8x", err, sizeof err) < 0 && strstr(err, "'8x'"), "%s", err);
	CHECK(filter_set_ports(&f, " , ", err, sizeof err) < 0 && !strcmp(err, "empty"), "%s", err);
	CHECK(filter_set_ports(&f, "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", err, sizeof err) < 0 &&
	      !strcmp(err, "at most 16 ports or ranges"), "%s", err);

	memset(&f, 0, sizeof f);
	CHECK(filter_set_servers(&f, "192.0.2.0/24, 2001:db8::/32", err, sizeof err) == 0 && f.nservers == 2,
	      "servers: %s", err);
	CHECK(filter_set_clients(&f, "10.0.0.0/8", err, sizeof err) == 0, "clients: %s", err);
	c = conn("10.1.2.3", 40000, "192.0.2.80", 80);
	CHECK(filter_match(&f, &c), "server and client in");
	c = conn("11.1.2.3", 40000, "192.0.2.80", 80);
	CHECK(!filter_match(&f, &c), "client out");
	c = conn("10.1.2.3", 40000, "198.51.100.1", 80);
	CHECK(!filter_match(&f, &c), "server out");
	CHECK(filter_set_servers(&f, "10.0.0.0/99", err, sizeof err) < 0 && !strcmp(err, "'10.0.0.0/99': bad prefix length"),
	      "%s", err);
	CHECK(filter_set_servers(&f, "10.0.0/8", err, sizeof err) < 0 &&
	      !strcmp(err, "'10.0.0': not an IPv4 or IPv6 address"), "%s", err);
}

int main(void)
{
	test_prefixes();
	test_lists();
	DONE();
}
