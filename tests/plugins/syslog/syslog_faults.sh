#!/bin/bash
# Alerts lost, and said so: a UDP target whose port nothing listens on (the
# host answers ICMP port unreachable), target = syslog on a host without
# /dev/log, a unix target and chroot.  Each loss is counted as what a
# receiver would have had, and told once, not once a message.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/syslog/syslog_lib.sh"
need_shared
CAP=$SHARED_DIR/pcaps/many-protocols.pcap
rs_start

# one alert per connection with a byte
rule() { # TARGET
	printf '[output every]\nplugin = syslog\nmetric = conn_bytes\nwarning = 1\nfor = 0s\ntarget = %s\n' "$1"
}

# ---- UDP: the receiver is there, then it is not ----
rule @UDP@ | sl_conf "$TMP/udp.conf"
golden_run udp-up "$CAP" "$TMP/udp.conf" "$TMP/udp-up.out"
n=$(wc -l < "$TMP/udp-up.out")
if [ "$n" -gt 50 ] && ! grep -q "lost" "$TMP/udp-up.err"; then
	pass "UDP, rsyslogd listening: $n messages delivered, none said lost"
else
	fail "UDP, rsyslogd listening: $n messages: $(cat "$TMP/udp-up.err")"
fi
rs_stop
tt -c "$TMP/udp.conf" -T "$CAP" 2>"$TMP/udp-down.err"
lost=$(sed -n 's/^tcptrack: every: \([0-9]*\) messages lost in all (0 delivered)$/\1/p' "$TMP/udp-down.err")
lines=$(grep -c "target udp:" "$TMP/udp-down.err")
if [ "$lost" = "$n" ] && [ "$lines" -eq 1 ] &&
   grep -q "^tcptrack: every: target udp:127.0.0.1:$RS_UDP: refused" "$TMP/udp-down.err"; then
	pass "UDP, port unreachable: the $n messages counted lost, one line about the target"
else
	fail "UDP, port unreachable: '$lost' lost of $n, $lines lines about the target: $(head -5 "$TMP/udp-down.err")"
fi
finish
