/*
 * Bounded text (lib/strbuf): pieces append, what does not fit is cut and
 * said, the text always ends in a NUL; fixed-point numbers round and trim
 * as the alert messages print them, whatever the locale.
 */
#include <locale.h>
#include <stdint.h>
#include <string.h>

#include "strbuf.h"
#include "tap.h"

static const char *fixed(double v, int dec, int trim)
{
	static char t[64];
	struct strbuf b;
	strbuf_init(&b, t, sizeof t);
	strbuf_fixed(&b, v, dec, trim);
	return t;
}

int main(void)
{
	char t[8];
	struct strbuf b;
	strbuf_init(&b, t, sizeof t);
	CHECK(b.len == 0 && t[0] == 0 && !b.cut, "empty");
	strbuf_str(&b, "abc");
	strbuf_u64(&b, 42);
	CHECK(!strcmp(t, "abc42") && b.len == 5 && !b.cut, "appended: %s", t);
	strbuf_str(&b, "defgh");
	CHECK(!strcmp(t, "abc42de") && b.len == 7 && b.cut, "cut at the size, NUL kept: %s", t);
	strbuf_str(&b, "x");
	strbuf_put(&b, "yz", 2);
	CHECK(!strcmp(t, "abc42de") && b.len == 7, "a full buffer takes nothing more: %s", t);
	char one[1];
	strbuf_init(&b, one, 1);
	strbuf_str(&b, "anything");
	CHECK(one[0] == 0 && b.cut, "a buffer of one byte holds the empty text");

	strbuf_init(&b, t, sizeof t);
	strbuf_u64(&b, UINT64_MAX);
	CHECK(!strcmp(t, "1844674") && b.cut, "a number is cut like text: %s", t);

	CHECK(!strcmp(fixed(1.5, 0, 0), "2"), "%s", fixed(1.5, 0, 0));
	CHECK(!strcmp(fixed(2.25, 1, 0), "2.3") || !strcmp(fixed(2.25, 1, 0), "2.2"), "%s", fixed(2.25, 1, 0));
	CHECK(!strcmp(fixed(1234.5678, 2, 0), "1234.57"), "%s", fixed(1234.5678, 2, 0));
	CHECK(!strcmp(fixed(3.100, 3, 1), "3.1"), "trailing zeros trimmed: %s", fixed(3.100, 3, 1));
	CHECK(!strcmp(fixed(3.0, 3, 1), "3"), "and the point: %s", fixed(3.0, 3, 1));
	CHECK(!strcmp(fixed(3.0, 3, 0), "3.000"), "untrimmed: %s", fixed(3.0, 3, 0));
	CHECK(!strcmp(fixed(0.05, 2, 1), "0.05"), "leading zeros of the fraction: %s", fixed(0.05, 2, 1));
	CHECK(!strcmp(fixed(-2.5, 1, 1), "-2.5"), "negative: %s", fixed(-2.5, 1, 1));
	CHECK(!strcmp(fixed(1.0 / 0.0, 2, 1), "0"), "not finite: %s", fixed(1.0 / 0.0, 2, 1));
	CHECK(!strcmp(fixed(1e300, 0, 0), "1000000000000000000"), "bounded: %s", fixed(1e300, 0, 0));
	/* a locale with a decimal comma changes nothing */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
		CHECK(!strcmp(fixed(1.25, 2, 0), "1.25"), "under a decimal comma: %s", fixed(1.25, 2, 0));
	DONE();
}
