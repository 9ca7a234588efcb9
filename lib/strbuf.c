/*
 * strbuf: bounded text building.
 */
#include "strbuf.h"

#include <math.h>
#include <string.h>

#include "fmt.h"

void strbuf_init(struct strbuf *b, char *buf, size_t cap)
{
	b->p = buf;
	b->len = 0;
	b->cap = cap;
	b->cut = 0;
	buf[0] = 0;
}

void strbuf_put(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n >= b->cap) {
		n = b->len + 1 < b->cap ? b->cap - 1 - b->len : 0;
		b->cut = 1;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_put(b, s, strlen(s));
}

void strbuf_u64(struct strbuf *b, uint64_t v)
{
	char t[24];
	strbuf_put(b, t, fmt_u64(t, v));
}

void strbuf_fixed(struct strbuf *b, double v, int dec, int trim)
{
	static const double p10[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6};
	if (dec < 0)
		dec = 0;
	if (dec > 6)
		dec = 6;
	if (!isfinite(v))
		v = 0;
	if (v < 0) {
		strbuf_str(b, "-");
		v = -v;
	}
	if (v > 1e18)
		v = 1e18;
	uint64_t x = (uint64_t)llround(v * p10[dec]);
	uint64_t ip = x / (uint64_t)p10[dec], fp = x % (uint64_t)p10[dec];
	strbuf_u64(b, ip);
	if (!dec)
		return;
	char f[8];
	for (int i = dec - 1; i >= 0; i--) {
		f[i] = (char)('0' + fp % 10);
		fp /= 10;
	}
	int n = dec;
	if (trim)
		while (n > 0 && f[n - 1] == '0')
			n--;
	if (n) {
		strbuf_str(b, ".");
		strbuf_put(b, f, (size_t)n);
	}
}
