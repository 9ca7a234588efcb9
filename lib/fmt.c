/*
 * fmt: numbers, times and addresses as text, without printf.
 */
#include "fmt.h"

#include <string.h>

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static unsigned ndigits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
	};
	/* log10 from the bit length (1233/4096 ~ log10(2)), then one correction */
	uint64_t w = v | 1; /* 0 has one digit; no power of 10 is odd */
	unsigned bits = 64 - (unsigned)__builtin_clzll(w);
	unsigned n = (bits * 1233) >> 12;
	return n + 1 - (w < pow10[n]);
}

/* The four digits of v < 10000 at p, with its leading zeros. */
static inline void four_digits(char *p, uint32_t v)
{
	uint32_t hi = v / 100;
	memcpy(p, digit_pairs + 2 * hi, 2);
	memcpy(p + 2, digit_pairs + 2 * (v - hi * 100), 2);
}

/* The last digits of v, ending at q, for a value of 32 bits, whose
 * divisions are cheaper: the last four digits first, apart from the rest
 * (no loop to mispredict for the microseconds and byte counts a log is
 * full of), then two at a time. */
static void digits_back32(char *q, uint32_t v)
{
	if (v >= 10000) {
		uint32_t hi = v / 10000;
		q -= 4;
		four_digits(q, v - hi * 10000);
		v = hi;
	}
	while (v >= 100) {
		uint32_t d = v % 100;
		v /= 100;
		q -= 2;
		memcpy(q, digit_pairs + 2 * d, 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, digit_pairs + 2 * v, 2);
	} else {
		*--q = (char)('0' + v);
	}
}

/* the same for any v: two digits at a time until the rest fits 32 bits */
static void digits_back(char *q, uint64_t v)
{
	while (v > UINT32_MAX) {
		unsigned d = (unsigned)(v % 100);
		v /= 100;
		q -= 2;
		memcpy(q, digit_pairs + 2 * d, 2);
	}
	digits_back32(q, (uint32_t)v);
}

/* The one to four digits of v < 10000 at p, forwards; returns how many. */
static inline __attribute__((always_inline)) size_t small4(char *p, uint32_t v)
{
	if (v < 100) {
		if (v < 10) {
			*p = (char)('0' + v);
			return 1;
		}
		memcpy(p, digit_pairs + 2 * v, 2);
		return 2;
	}
	uint32_t hi = v / 100, lo = v - hi * 100;
	size_t n = 2;
	if (hi < 10)
		*p = (char)('0' + hi), n = 1;
	else
		memcpy(p, digit_pairs + 2 * hi, 2);
	memcpy(p + n, digit_pairs + 2 * lo, 2);
	return n + 2;
}

/* The next pair of digits at p, from f: the fraction of a number that they
 * begin, in 32 bits (rounded up by less than one unit of its last digit):
 * the integer part of f x 100.  Returns the fraction that is left. */
static inline __attribute__((always_inline)) uint32_t next_pair(char *p, uint32_t f)
{
	uint64_t x = (uint64_t)f * 100;
	memcpy(p, digit_pairs + 2 * (x >> 32), 2);
	return (uint32_t)x;
}

/* The first one or two digits of a number, hi (1 to 99), at p; returns how
 * many. */
static inline __attribute__((always_inline)) size_t lead(char *p, uint32_t hi)
{
	if (hi < 10) {
		*p = (char)('0' + hi);
		return 1;
	}
	memcpy(p, digit_pairs + 2 * hi, 2);
	return 2;
}

size_t fmt_u64(char *p, uint64_t v)
{
	/* written in place, forwards: a million-row log is mostly numbers,
	 * many of them a single digit (a count of 0), most of the rest below
	 * 10^8 (ports, counts, microseconds): those of 5 to 8 digits as v
	 * over 10^4 or 10^6 in fixed point, by multiplications only (the
	 * scale rounded up, which errs by less than one unit of the last
	 * digit for every v of that length), with no count of digits first */
	if (v < 10000)
		return small4(p, (uint32_t)v);
	if (v < 1000000) {
		uint64_t x = v * 429497u; /* 2^32 / 10^4 */
		size_t n = lead(p, (uint32_t)(x >> 32));
		next_pair(p + n + 2, next_pair(p + n, (uint32_t)x));
		return n + 4;
	}
	if (v < 100000000) {
		uint64_t x = (v * 281474977u) >> 16; /* 2^48 / 10^6 */
		size_t n = lead(p, (uint32_t)(x >> 32));
		next_pair(p + n + 4, next_pair(p + n + 2, next_pair(p + n, (uint32_t)x)));
		return n + 6;
	}
	unsigned n = ndigits(v);
	digits_back(p + n, v);
	return n;
}

size_t fmt_time_us(char *p, int64_t us)
{
	size_t n = 0;
	if (us < 0) {
		p[n++] = '-';
		us = -us;
	}
	n += fmt_u64(p + n, (uint64_t)us / 1000000);
	p[n++] = '.';
	uint32_t f = (uint32_t)((uint64_t)us % 1000000), hi = f / 10000;
	memcpy(p + n, digit_pairs + 2 * hi, 2);
	four_digits(p + n + 2, f - hi * 10000);
	return n + 6;
}

static size_t hex16(char *p, unsigned w)
{
	static const char hx[] = "0123456789abcdef";
	size_t n = 0;
	int started = 0;
	for (int sh = 12; sh >= 0; sh -= 4) {
		unsigned d = (w >> sh) & 15;
		if (d || started || sh == 0) {
			p[n++] = hx[d];
			started = 1;
		}
	}
	return n;
}

static size_t fmt_v4(char *p, const uint8_t *a)
{
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		unsigned b = a[i];
		if (i)
			p[n++] = '.';
		if (b >= 100) {
			p[n++] = (char)('0' + b / 100);
			memcpy(p + n, digit_pairs + 2 * (b % 100), 2);
			n += 2;
		} else if (b >= 10) {
			memcpy(p + n, digit_pairs + 2 * b, 2);
			n += 2;
		} else {
			p[n++] = (char)('0' + b);
		}
	}
	p[n] = 0;
	return n;
}

/* The text inet_ntop() gives (RFC 5952: the longest run of two or more zero
 * groups, the first of equals, becomes ::; IPv4-mapped and -compatible
 * addresses end in dotted quad), without its trip through sprintf. */
size_t fmt_addr(char *p, int family, const uint8_t *a)
{
	if (family == 4)
		return fmt_v4(p, a);
	unsigned w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	int best = -1, blen = 0;
	for (int i = 0; i < 8;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !w[j])
			j++;
		if (j - i > blen && j - i >= 2)
			best = i, blen = j - i;
		i = j;
	}
	size_t n = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			p[n++] = ':';
			if (i + blen == 8)
				p[n++] = ':';
			i += blen - 1;
			continue;
		}
		if (i)
			p[n++] = ':';
		if (i == 6 && best == 0 && (blen == 6 || (blen == 5 && w[5] == 0xffff)))
			return n + fmt_v4(p + n, a + 12);
		n += hex16(p + n, w[i]);
	}
	p[n] = 0;
	return n;
}

size_t fmt_csv_field(char *p, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		size_t n = strlen(s);
		memcpy(p, s, n);
		return n;
	}
	size_t n = 0;
	p[n++] = '"';
	for (; *s; s++) {
		if (*s == '"')
			p[n++] = '"';
		p[n++] = *s;
	}
	p[n++] = '"';
	return n;
}
