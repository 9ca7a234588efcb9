#!/bin/bash
# ipfix over TCP: messages as they are (each tells its length; no syslog
# framing), the templates first on the connection, as tshark decodes them;
# and a collector that is away: over TCP the queue keeps the newest
# messages, over UDP the kernel refuses them; the others are counted lost
# and the loss is said at exit.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/ipfix/ipfix_lib.sh"
need_shared
need_cmd tshark
need_cmd python3
CAP=$SHARED_DIR/pcaps/many-protocols.pcap

rec_start "$TMP/tcp.pcap" tcp
tt -T "$CAP" -o "ipfix:target=tcp:127.0.0.1:$REC_PORT" -o "csv:mode=connections,file=$TMP/log.csv" \
	>/dev/null 2>"$TMP/err" || fail "tcptrack failed: $(cat "$TMP/err")"
rec_stop "$TMP/tcp.json"
check_sums "TCP, tshark" --csv "$TMP/log.csv" --tshark "$TMP/tcp.json"
first=$(tshark -r "$TMP/tcp.pcap" -d udp.port==4739,cflow -c 1 -T fields -e cflow.flowset_id 2>/dev/null)
[ "$first" = 2 ] && pass "TCP: the connection begins with the templates" ||
	fail "TCP: the first message has sets '$first', not the templates (2)"

# nobody listens: over TCP every message of the run is queued, the queue
# keeps 4; over UDP the datagrams the kernel refuses are counted
for proto in tcp udp; do
	port=$(free_port)
	tt -T "$CAP" -o "ipfix:target=$proto:127.0.0.1:$port,queue=4,drain=200ms" >/dev/null 2>"$TMP/$proto.err" ||
		fail "$proto: tcptrack failed: $(cat "$TMP/$proto.err")"
	sent=$(sed -n 's/.*ipfix: [0-9]* records in \([0-9]*\) messages to .*; \([0-9]*\) messages lost.*/\1 \2/p' "$TMP/$proto.err")
	set -- $sent
	said="queue full"
	[ $proto = udp ] && said="refused (nothing listens)"
	if [ $# = 2 ] && [ "$2" -gt 0 ] && [ "$2" -le "$1" ] && grep -q "$2 messages lost in all" "$TMP/$proto.err" &&
		grep -q "$said" "$TMP/$proto.err"; then
		pass "$proto: collector away: $2 of $1 messages lost, counted and said"
	else
		fail "$proto: collector away: '$sent' (messages, lost): $(cat "$TMP/$proto.err")"
	fi
done
finish
