/*
 * A libFuzzer target over the decoder and the connection table.
 *
 * Input: one byte choosing the link type (and with its top bit, -d), then
 * records of [2 bytes length][1 byte time step][length bytes of frame]
 * Each frame is decoded; TCP segments go into a small table (so eviction,
 * reuse and timeouts happen), whose views are built as plugins would see
 * them; the clock advances by the time step and ticks run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"
#include "decode.h"

static const int dlts[] = {1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 9, 50, 51, 10, 11, 104, 105, 117, 127,
                           129, 178, 192, 204, 205, 239, 242};

static uint64_t sink;

static void on_event(void *arg, uint32_t type, const struct conn *c, uint32_t old_state,
                     uint32_t reason, int64_t now)
{
	struct tt_conn v;
	conntab_view(arg ? *(struct conntab **)arg : NULL, c, &v);
	sink += v.c2s.bytes + v.s2c.payload + type + old_state + reason + (uint64_t)now;
}

static int visit(void *arg, const struct conn *c)
{
	(void)arg;
	sink += c->pk[0];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int dlt = dlts[(data[0] & 0x7f) % (sizeof dlts / sizeof dlts[0])];
	int detect_existing = !(data[0] & 0x80);
	data++, size--;
	static struct conntab *tab;
	struct conntab_config cfg = {
		.max_connections = 16, .tick_us = 100000, .window_ticks = 3,
		.syn_timeout_us = 2000000, .fin_timeout_us = 3000000, .linger_us = 500000,
		.idle_timeout_us = 5000000, .detect_existing = detect_existing, .health = 1,
	};
	uint64_t key[4] = {1, 2, 3, 4};
	tab = conntab_new(&cfg, key, on_event, &tab, TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED);
	if (!tab)
		abort();
	int64_t now = 1700000000000000;
	while (size >= 3) {
		size_t len = (size_t)data[0] << 8 | data[1];
		int64_t step = data[2];
		data += 3, size -= 3;
		if (len > size)
			len = size;
		/* the frame in a buffer of its own, so a read past it is caught */
		uint8_t *frame = malloc(len ? len : 1);
		memcpy(frame, data, len);
		struct pkt p;
		if (decode(NULL, dlt, frame, (uint32_t)len, (uint32_t)len + (step & 7), &p) == DECODE_TCP) {
			uint64_t h = conntab_hash(tab, &p);
			conntab_prefetch_slot(tab, h);
			conntab_prefetch_entry(tab, h);
			p.ts = now - (step & 0x40 ? 30000 : 0); /* a frame stamped before the clock too */
			conntab_packet(tab, &p, h, now);
		}
		free(frame);
		data += len, size -= len;
		now += step * 50000;
		if (step & 0x80)
			conntab_tick(tab, now);
	}
	conntab_foreach(tab, INT64_MAX, visit, NULL);
	conntab_drain(tab, now);
	conntab_free(tab);
	tab = NULL;
	return 0;
}
