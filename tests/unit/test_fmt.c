/*
 * The plugins' formatting helpers give exactly what libc would (numbers as
 * printf, addresses as inet_ntop, times as seconds.micros), and the file
 * writer counts the rows a full disk loses.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "tap.h"
#include "wfile.h"

static void test_u64(void)
{
	char b[32], c[32];
	uint64_t v = 1;
	for (int i = 0; i < 64; i++, v *= 2)
		for (int d = -2; d <= 2; d++) {
			uint64_t x = v + (uint64_t)(int64_t)d;
			b[fmt_u64(b, x)] = 0;
			snprintf(c, sizeof c, "%llu", (unsigned long long)x);
			CHECK(!strcmp(b, c), "fmt_u64(%s) gave %s", c, b);
		}
	v = 1;
	for (int i = 0; i < 20; i++, v *= 10)
		for (int d = -1; d <= 1; d++) {
			uint64_t x = v + (uint64_t)(int64_t)d;
			b[fmt_u64(b, x)] = 0;
			snprintf(c, sizeof c, "%llu", (unsigned long long)x);
			CHECK(!strcmp(b, c), "fmt_u64(%s) gave %s", c, b);
		}
	b[fmt_u64(b, UINT64_MAX)] = 0;
	CHECK(!strcmp(b, "18446744073709551615"), "fmt_u64(max) gave %s", b);
	/* 32-bit values, their last four digits written apart: zeros inside
	 * them and at the ends of each part */
	static const uint64_t mid[] = {10000, 10001, 100000, 100100, 1000005, 1200034, 99990000,
	                               4294967295ull, 4294967296ull, 4000000009ull};
	int bad = 0;
	for (size_t i = 0; i < sizeof mid / sizeof mid[0]; i++) {
		b[fmt_u64(b, mid[i])] = 0;
		snprintf(c, sizeof c, "%llu", (unsigned long long)mid[i]);
		CHECK(!strcmp(b, c), "fmt_u64(%s) gave %s", c, b);
	}
	uint32_t r = 12345;
	for (int i = 0; i < 100000; i++) {
		r = r * 1103515245u + 12345u;
		uint32_t x = r >> (r & 31);
		b[fmt_u64(b, x)] = 0;
		snprintf(c, sizeof c, "%u", x);
		bad += strcmp(b, c) != 0;
	}
	CHECK(!bad, "100,000 values of every length: %d wrong", bad);
	/* 5 to 8 digits are written from a scaled fraction, rounded up: every
	 * value of 5 and 6 digits, and the ends of each 10^4 of 7 and 8 */
	bad = 0;
	for (uint32_t x = 10000; x < 100000000; x = x < 1000000 ? x + 1 : x + (x % 10000 ? 9999 : 1)) {
		b[fmt_u64(b, x)] = 0;
		snprintf(c, sizeof c, "%u", x);
		bad += strcmp(b, c) != 0;
	}
	CHECK(!bad, "values of 5 to 8 digits: %d wrong", bad);
	/* nothing written past the number: each length, and zero */
	bad = 0;
	v = 0;
	for (int i = 0; i <= 20; i++, v = v ? v * 10 : 1)
		for (int d = 0; d <= 1; d++) {
			uint64_t x = d ? (v ? v - 1 : 0) : v;
			memset(b, '#', sizeof b);
			size_t n = fmt_u64(b, x);
			for (size_t k = n; k < sizeof b; k++)
				bad += b[k] != '#';
		}
	CHECK(!bad, "bytes written past the number: %d", bad);
}

static void test_time(void)
{
	static const int64_t tv[] = {0, 1, 999999, 1000000, 1700000000000017LL, -1500000, 123456789012345LL};
	char b[64], c[64];
	for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++) {
		b[fmt_time_us(b, tv[i])] = 0;
		long long s = tv[i] < 0 ? -tv[i] : tv[i];
		snprintf(c, sizeof c, "%s%lld.%06lld", tv[i] < 0 ? "-" : "", s / 1000000, s % 1000000);
		CHECK(!strcmp(b, c), "fmt_time_us gave %s, want %s", b, c);
	}
}

static void test_addr(void)
{
	char b[64], c[64];
	for (int x = 0; x < 256; x++) {
		uint8_t a[16] = {(uint8_t)x, (uint8_t)(255 - x), (uint8_t)(x / 3), (uint8_t)(x % 10)};
		b[fmt_addr(b, 4, a)] = 0;
		inet_ntop(AF_INET, a, c, sizeof c);
		CHECK(!strcmp(b, c), "IPv4 %s gave %s", c, b);
	}
	/* IPv6: random addresses with runs of zeros, IPv4-mapped and
	 * -compatible ones, the unspecified address: as inet_ntop */
	srand(1);
	int bad = 0;
	for (int it = 0; it < 200000 && bad < 5; it++) {
		uint8_t a[16];
		for (int i = 0; i < 16; i++)
			a[i] = rand() % 4 == 0 ? (uint8_t)rand() : 0;
		if (it % 7 == 0)
			memset(a, 0, 10), a[10] = a[11] = 0xff;
		if (it % 11 == 0)
			memset(a, 0, 12);
		if (it % 13 == 0)
			memset(a, 0, 16);
		fmt_addr(b, 6, a);
		inet_ntop(AF_INET6, a, c, sizeof c);
		if (strcmp(b, c)) {
			bad++;
			CHECK(0, "IPv6 %s gave %s", c, b);
		}
	}
}

static void test_csv_field(void)
{
	char b[64];
	b[fmt_csv_field(b, "plain")] = 0;
	CHECK(!strcmp(b, "plain"), "plain field: %s", b);
	b[fmt_csv_field(b, "a,\"b\"")] = 0;
	CHECK(!strcmp(b, "\"a,\"\"b\"\"\""), "quoted field: %s", b);
}

static void test_wfile(void)
{
	struct wfile w;
	int fresh;
	CHECK(wfile_init(&w, 64) == 0, "wfile_init");
	CHECK(wfile_open(&w, "/dev/full", 0, &fresh) == 0, "open /dev/full");
	for (int i = 0; i < 10; i++) {
		char *p = wfile_reserve(&w, 16);
		memcpy(p, "row,of,data\n", 12);
		wfile_commit(&w, 12);
	}
	wfile_flush(&w);
	CHECK(w.rows_lost == 10 && w.failing, "a full disk: %llu rows counted lost", (unsigned long long)w.rows_lost);
	wfile_free(&w);
}

int main(void)
{
	test_u64();
	test_time();
	test_addr();
	test_csv_field();
	test_wfile();
	DONE();
}
