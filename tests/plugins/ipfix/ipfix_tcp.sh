#!/bin/bash
# ipfix over TCP: messages as they are (each tells its length; no syslog
# framing), the templates first on the connection, as tshark decodes them;
# and a collector that is away: over TCP the queue keeps the newest
# messages, over UDP the kernel refuses them; the others are counted lost
# and the loss is said at exit.  A UDP collector that restarts while the
# capture is read: the first message the new one receives carries the
# templates, and it decodes every record it gets.
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

# the collector goes away during the second third of the capture, and a new
# one starts on its port before the last: the templates come first to it,
# not only at template_refresh (60 s, past the run)
rec_start "$TMP/before.pcap" udp
rm -f "$TMP/feed"
mkfifo "$TMP/feed"
tt -T - -o "ipfix:target=udp:127.0.0.1:$REC_PORT,active_timeout=200ms" <"$TMP/feed" >/dev/null 2>"$TMP/restart.err" &
tpid=$!
exec 3>"$TMP/feed"
third=$(($(stat -c %s "$CAP") / 3))
head -c "$third" "$CAP" >&3
sleep 1
rec_stop "$TMP/before.json"
tail -c +$((third + 1)) "$CAP" | head -c "$third" >&3
ready_within_5s grep -q "refused" "$TMP/restart.err" || fail "restart: no refusal said: $(cat "$TMP/restart.err")"
rec_start "$TMP/after.pcap" udp "$REC_PORT"
tail -c +$((2 * third + 1)) "$CAP" >&3
exec 3>&-
wait $tpid || fail "restart: tcptrack: exit $?: $(cat "$TMP/restart.err")"
rec_stop "$TMP/after.json"
first=$(tshark -r "$TMP/after.pcap" -d udp.port==4739,cflow -c 1 -T fields -e cflow.flowset_id 2>/dev/null)
undecoded=$(grep -c "no template found" "$TMP/after.json")
records=$(grep -c '"Flow [0-9]*"' "$TMP/after.json")
if [ "${first%%,*}" = 2 ] && [ "$undecoded" = 0 ] && [ "$records" -gt 0 ]; then
	pass "UDP, collector restarted: its first message begins with the templates, its $records records decode"
else
	fail "UDP, collector restarted: first message's sets '$first', $undecoded data sets of no template, $records records decoded"
fi
finish
