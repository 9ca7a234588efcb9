/*
 * health: round-trip times and retransmissions of one TCP connection, as the
 * capture point sees them.  Pure: a state per connection, updated by each of
 * its segments; no allocation, no globals.
 *
 * Retransmissions follow Wireshark's TCP analysis (tshark 4.0): a segment
 * counts when tshark flags it a retransmission, fast or spurious
 * retransmission or out-of-order segment.  Round trips are split at the
 * capture point: data sent by the client and acknowledged by the server
 * times the server side, the other way round the client side.
 */
#ifndef TT_HEALTH_H
#define TT_HEALTH_H

#include <stdint.h>

#include "decode.h"
#include "tcptrack/plugin.h"

/* Samples this long or longer are not round trips (an answer minutes
 * later) and are left out; it also keeps 8 x SRTT in 32 bits. */
#define HEALTH_RTT_MAX (1u << 29) /* us, about 537 s */

/*
 * One connection: [0] is the client to server direction (or the client
 * side), [1] the other.  Sequence numbers as on the wire; times are the low
 * 32 bits of the capture clock in microseconds, so differences up to 71
 * minutes are right.
 */
struct health {
	uint32_t base[2];   /* the highest sequence number sent + 1 (tshark's
	                     * nextseq, "nxt") less the payload counted so far:
	                     * constant while the data comes in order */
	uint32_t ack[2];    /* the latest acknowledgment field sent, while it
	                     * covers data of the peer not seen (else 0) */
	uint32_t rsegs[2];  /* retransmitted segments (saturating) */
	uint32_t rbytes[2]; /* their payload bytes (saturating) */
	uint32_t srtt8[2];  /* per side: smoothed round trip x 8 (RFC 6298) */
	uint32_t rmin[2];   /* per side: the smallest sample; UINT32_MAX: none */
	uint32_t tend;      /* the segment being timed: its end, */
	uint32_t tsent;     /* and when it was seen */
	uint32_t hs;        /* the latest SYN's time, then the handshake's length */
	uint16_t flags;     /* HEALTH_F_* (health.c) */
	uint16_t spare;
};

_Static_assert(sizeof(struct health) <= 64, "health state: 64 bytes a connection at most");

/* A fresh state: a connection that nothing was seen of. */
void health_init(struct health *h);

/* Take segment p going in direction dir (0: client to server) at time now
 * (microseconds); pl: the TCP payload bytes counted in each direction, p's
 * included (the connection's own counters).  Returns 1 when it is a
 * retransmission, else 0. */
int health_packet(struct health *h, const struct pkt *p, int dir, int64_t now, const uint64_t pl[2]);

/* Fill the health fields of view v (handshake_us to s2c_retrans_bytes);
 * h NULL: the measurement is off (no values). */
void health_view(const struct health *h, struct tt_conn *v);

#endif
