/*
 * fmt: numbers, times and addresses as text, without printf, and an id map.
 */
#include "fmt.h"

#include <errno.h>
#include <stdlib.h>
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

/* the last digits of v, two at a time, ending at q */
static void digits_back(char *q, uint64_t v)
{
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100);
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

size_t fmt_u64(char *p, uint64_t v)
{
	/* written in place, two digits per division: a million-row log is
	 * mostly numbers */
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
	unsigned f = (unsigned)((uint64_t)us % 1000000);
	memcpy(p + n, digit_pairs + 2 * (f / 10000), 2);
	memcpy(p + n + 2, digit_pairs + 2 * (f / 100 % 100), 2);
	memcpy(p + n + 4, digit_pairs + 2 * (f % 100), 2);
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

/* ---- idmap ---- */

static size_t slot_of(uint64_t id, size_t mask)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return (size_t)id & mask;
}

int idmap_init(struct idmap *m, size_t rec_size)
{
	memset(m, 0, sizeof *m);
	m->rec_size = rec_size;
	m->mask = 255;
	m->keys = calloc(m->mask + 1, sizeof *m->keys);
	m->recs = calloc(m->mask + 1, rec_size);
	return m->keys && m->recs ? 0 : -ENOMEM;
}

void *idmap_get(const struct idmap *m, uint64_t id)
{
	for (size_t i = slot_of(id, m->mask);; i = (i + 1) & m->mask) {
		if (m->keys[i] == id)
			return m->recs + i * m->rec_size;
		if (!m->keys[i])
			return NULL;
	}
}

static int grow(struct idmap *m)
{
	struct idmap n;
	n.rec_size = m->rec_size;
	n.mask = m->mask * 2 + 1;
	n.count = m->count;
	n.keys = calloc(n.mask + 1, sizeof *n.keys);
	n.recs = malloc((n.mask + 1) * n.rec_size);
	if (!n.keys || !n.recs) {
		free(n.keys);
		free(n.recs);
		return -ENOMEM;
	}
	for (size_t i = 0; i <= m->mask; i++) {
		if (!m->keys[i])
			continue;
		size_t j = slot_of(m->keys[i], n.mask);
		while (n.keys[j])
			j = (j + 1) & n.mask;
		n.keys[j] = m->keys[i];
		memcpy(n.recs + j * n.rec_size, m->recs + i * m->rec_size, m->rec_size);
	}
	free(m->keys);
	free(m->recs);
	*m = n;
	return 0;
}

void *idmap_put(struct idmap *m, uint64_t id)
{
	void *r = idmap_get(m, id);
	if (r)
		return r;
	if ((m->count + 1) * 2 > m->mask + 1 && grow(m) < 0)
		return NULL;
	size_t i = slot_of(id, m->mask);
	while (m->keys[i])
		i = (i + 1) & m->mask;
	m->keys[i] = id;
	m->count++;
	r = m->recs + i * m->rec_size;
	memset(r, 0, m->rec_size);
	return r;
}

void idmap_del(struct idmap *m, uint64_t id)
{
	size_t i = slot_of(id, m->mask);
	while (m->keys[i] != id) {
		if (!m->keys[i])
			return;
		i = (i + 1) & m->mask;
	}
	/* backward-shift deletion */
	size_t j = i;
	for (;;) {
		j = (j + 1) & m->mask;
		if (!m->keys[j])
			break;
		size_t home = slot_of(m->keys[j], m->mask);
		int stay = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!stay) {
			m->keys[i] = m->keys[j];
			memcpy(m->recs + i * m->rec_size, m->recs + j * m->rec_size, m->rec_size);
			i = j;
		}
	}
	m->keys[i] = 0;
	m->count--;
}

void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->recs);
	memset(m, 0, sizeof *m);
}
