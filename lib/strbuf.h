/*
 * strbuf: text built in a buffer of the caller's, of fixed size.  What does
 * not fit is cut, and the buffer always holds a NUL-terminated string: a
 * message or a list for an error line is better cut than lost.
 */
#ifndef TT_STRBUF_H
#define TT_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *p;
	size_t len;  /* of the text in p */
	size_t cap;  /* of p, NUL included: at least 1 */
	int cut;     /* something did not fit */
};

/* An empty text in buf of cap bytes (cap at least 1). */
void strbuf_init(struct strbuf *b, char *buf, size_t cap);
void strbuf_put(struct strbuf *b, const char *s, size_t n);
void strbuf_str(struct strbuf *b, const char *s);
void strbuf_u64(struct strbuf *b, uint64_t v);
/* v with dec decimals (0 to 6), the trailing zeros cut when trim; never in
 * the locale's notation (the text is read by programs), not finite as 0,
 * at most 1e18. */
void strbuf_fixed(struct strbuf *b, double v, int dec, int trim);

#endif
