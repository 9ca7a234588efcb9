#!/bin/sh
# The target goes down and comes back: tcptrack reads the flow capture from
# a pipe in three parts; rsyslogd is stopped after the first (the warning
# is delivered), and started again after the second (the critical and the
# downgrade wait in the queue, or are lost from a queue of 1, counted, and
# reported).  Then a target that stops reading: capture goes on, the queue
# stays bounded, and what could not be delivered is counted.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/syslog/syslog_lib.sh"
need_cmd timeout
rs_start

rule() { # NAME TARGET [KEY = VALUE]
	printf '[output %s]\nplugin = syslog\nmetric = conn_rate\nserver_port = 80\n' "$1"
	printf 'warning = 1M\ncritical = 5M\nclear = 800k\nfor = 2s\ntarget = %s\n' "$2"
	[ -z "${3:-}" ] || printf '%s\n' "$3"
}
{
	rule out-tcp @TCP@
	rule out-unix @UNIX@
	rule out-q1 @TCP@ "queue = 1"
} | sl_conf "$TMP/outage.conf"

mkfifo "$TMP/feed"
# timeout: a guard against a hang, not a measure of speed
timeout 120 "$TCPTRACK" -c "$TMP/outage.conf" -T "$TMP/feed" 2>"$TMP/outage.err" &
TT_PID=$!
stop_tt() { kill "$TT_PID" 2>/dev/null; exec 3>&-; }
add_cleanup stop_tt
exec 3>"$TMP/feed"

# part 1 (to 22:13:31): the warning of 22:13:30 arrives
cat "$SL_DATA/outage-1.pcap" >&3
for r in out-tcp out-unix out-q1; do
	rs_wait $r 1 || fail "$r: no warning before the outage"
done
rs_stop

# part 2 (to 22:13:39): critical at :35, back to warning at :37, target down
cat "$SL_DATA/outage-2.part" >&3
wait_for 20 grep -q "out-q1: target tcp:127.0.0.1:$RS_TCP: queue full (1 messages)" "$TMP/outage.err" ||
	fail "the rule with a queue of 1 did not say its queue was full"
grep -q "out-tcp: target tcp:127.0.0.1:$RS_TCP: connection closed by the target" "$TMP/outage.err" &&
	pass "a closed TCP connection is noticed" || fail "out-tcp did not notice the closed connection"
grep -q "out-unix: target unix:$RS_SOCK: send: Connection refused" "$TMP/outage.err" &&
	pass "a dead unix socket is noticed" || fail "out-unix did not notice the dead socket"
n=$(grep -c "rule=\"out-" "$RS_OUT")
[ "$n" -eq 3 ] && pass "nothing delivered while the target is down" || fail "$n messages while down"

# part 3: the target is back; the recovery at :40 and what waited
rs_start
cat "$SL_DATA/outage-3.part" >&3
exec 3>&-
wait "$TT_PID" && pass "tcptrack ends normally" || fail "tcptrack exited $? (124: it hung)"
rs_wait out-tcp 4
rs_wait out-unix 4
rs_wait out-q1 4
for t in tcp unix; do
	expect "$t: queued messages delivered late, in order, with their capture-clock times" out-$t \
		'\|warning\|2023-11-14T22:13:30\.000000Z\|.*event="fire"' \
		'\|critical\|2023-11-14T22:13:35\.000000Z\|.*event="escalate"' \
		'\|warning\|2023-11-14T22:13:37\.000000Z\|.*event="downgrade"' \
		'\|recovery\|2023-11-14T22:13:40\.000000Z\|.*event="recover"'
done
# 2 delayed, or 3 when the reconnection came after the recovery was queued
grep -Eq "out-tcp: target tcp:127.0.0.1:$RS_TCP: reachable again after [0-9.]+s; [23] messages delayed, 0 lost" \
	"$TMP/outage.err" && pass "the end of the outage is logged" || fail "no end of outage logged"
# a queue of 1: the critical was lost (the downgrade too when the
# reconnection took longer than one packet second); the loss is reported
rs_rule out-q1 > "$TMP/q1"
if sed -n 1p "$TMP/q1" | grep -q 'event="fire"' &&
   ! grep -q 'event="escalate"' "$TMP/q1" &&
   grep -Eq '^imtcp\|4\|daemon\|tcptrack\|lost\|2023-11-14T22:13:[34][0-9]\.[0-9]+Z\|\[tcptrack@32473 rule="out-q1" event="lost" lost="[12]" target="tcp:127\.0\.0\.1:[0-9]+"\]\|out-q1: NOTICE: [12] messages? lost: the queue \(1\) was full while tcp:127\.0\.0\.1:[0-9]+ was unreachable$' "$TMP/q1" &&
   tail -n 1 "$TMP/q1" | grep -q 'event="recover"'; then
	pass "a full queue loses the oldest, counts and reports them"
else
	fail "queue of 1: got"
	sed 's/^/    /' "$TMP/q1"
fi

# ---- a target that stops reading ----
# rsyslogd stopped (SIGSTOP): its unix socket fills up.  A rule per SYN of
# the flood (2000 alarms and 2000 ends) with no rate limit: the file is read
# to its end all the same, the queue stays at 50, the rest is counted.  The
# SYNs end after 30 s (syn_timeout, set here: the default follows Linux's
# 64 s), before the end of the capture.
sl_conf "$TMP/slow.conf" <<'EOF'
[core]
syn_timeout = 30s

[output slow]
plugin = syslog
metric = conn_syn_time
warning = 500ms
max_rate = 0
queue = 50
drain = 300ms
target = @UNIX@
EOF
kill -STOP "$RS_PID"
if timeout 120 "$TCPTRACK" -c "$TMP/slow.conf" -T "$SL_DATA/synflood.pcap" 2>"$TMP/slow.err"; then
	pass "a target that does not read does not stop the capture"
else
	fail "tcptrack with a stuck target exited $?: $(cat "$TMP/slow.err")"
fi
kill -CONT "$RS_PID"
grep -q "packets read" "$TMP/slow.err" && grep -q "slow: target unix:$RS_SOCK: queue full (50 messages): the oldest are lost" "$TMP/slow.err" &&
	grep -Eq "tcptrack: slow: target unix:$RS_SOCK: 50 messages could not be delivered before exit" "$TMP/slow.err" &&
	grep -Eq "slow: [0-9]+ messages lost in all \([0-9]+ delivered\)" "$TMP/slow.err" &&
	pass "the loss is bounded by the queue and counted" || { fail "stuck target: stderr:"; sed 's/^/    /' "$TMP/slow.err"; }
lost=$(sed -n 's/.*slow: \([0-9]*\) messages lost in all (\([0-9]*\) delivered).*/\1 \2/p' "$TMP/slow.err")
set -- $lost
[ $# -eq 2 ] && [ $(( $1 + $2 )) -eq 4000 ] && pass "lost + delivered = every message ($1 + $2)" ||
	fail "lost and delivered: '$lost'"
finish
