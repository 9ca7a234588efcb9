#!/bin/sh
# Live on the loopback: alerts of real traffic to rsyslogd, while tcpdump
# records the same traffic; then -T of that recording gives the same alerts
# (same events, keys and levels, times within one evaluation period): the
# rules run on the capture clock.
. "$TESTS_SRCDIR/lib.sh"
need_root
need_cmd tcpdump
need_cmd socat
. "$TESTS_SRCDIR/plugins/syslog/syslog_lib.sh"
rs_start

PORT=$(free_port) || skip "no free port"
while [ "$PORT" = "$RS_UDP" ] || [ "$PORT" = "$RS_TCP" ]; do PORT=$(free_port); done
socat -u TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr OPEN:/dev/null &
SINK=$!
stop_sink() { kill "$SINK" 2>/dev/null; wait "$SINK" 2>/dev/null; }
add_cleanup stop_sink

rules() { # NAME
	printf '[output %s]\nplugin = syslog\nmetric = conn_rate\nserver_port = %s\n' "$1" "$PORT"
	printf 'warning = 100k\ncritical = 5M\ntarget = @TCP@\n\n'
	printf '[output %s-total]\nplugin = syslog\nmetric = total_rate\nwarning = 100k\n' "$1"
	printf 'for = 1s\ntarget = @TCP@\n'
}
rules live | sl_conf "$TMP/live.conf"
rules replay | sl_conf "$TMP/replay.conf"

tcpdump -i lo -s 96 -U -w "$TMP/live.pcap" "tcp port $PORT" 2>"$TMP/tcpdump.err" &
DUMP=$!
timeout 120 "$TCPTRACK" -i lo -c "$TMP/live.conf" "port $PORT" 2>"$TMP/live.err" &
TT_PID=$!
stop_all() { kill "$DUMP" "$TT_PID" 2>/dev/null; }
add_cleanup stop_all
# ready: tcpdump says it listens; tcptrack has connected to its target,
# which it does once its capture is open
wait_for 20 grep -q "listening on" "$TMP/tcpdump.err" || fail "tcpdump did not start"
wait_for 20 sh -c "ss -Htnp state established '( dport = :$RS_TCP )' | grep -q '\"tcptrack\"'" ||
	fail "tcptrack did not connect to its target"

# 3 s at about 500 kB/s, then 3 s at about 10 kB/s, then close
{
	for _ in $(seq 1 30); do head -c 50000 /dev/zero; sleep 0.1; done
	for _ in $(seq 1 30); do head -c 1000 /dev/zero; sleep 0.1; done
} | socat -u - TCP:127.0.0.1:$PORT || fail "the traffic did not go"
rs_wait live 2 10 || true
kill -INT "$DUMP"
wait "$DUMP"
kill "$TT_PID"
wait "$TT_PID" || fail "tcptrack live exited $?: $(cat "$TMP/live.err")"

tt -c "$TMP/replay.conf" -T "$TMP/live.pcap" 2>"$TMP/replay.err" ||
	fail "tcptrack -T exited $?: $(cat "$TMP/replay.err")"
rs_wait replay 2 || true
rs_wait replay-total 2 || true

# the time (seconds of the day), event, level, client and server of each
# message of rule $1
facts() {
	rs_rule "$1" | awk -F'|' '{
		split($6, a, "T"); split(a[2], b, ":"); t = b[1] * 3600 + b[2] * 60 + int(b[3])
		n = split("event level client client_port server server_port", k, " ")
		out = t
		for (i = 1; i <= n; i++)
			if (match($7, " " k[i] "=\"[^\"]*\""))
				out = out substr($7, RSTART, RLENGTH)
		print out }'
}
for r in "" -total; do
	facts live$r > "$TMP/live$r.facts"
	facts replay$r > "$TMP/replay$r.facts"
	if [ ! -s "$TMP/live$r.facts" ]; then
		fail "live$r: no alert from live traffic"
	elif ! grep -q 'event="fire"' "$TMP/live$r.facts" || ! grep -q 'event="recover"' "$TMP/live$r.facts"; then
		fail "live$r: expected an alarm and its recovery:"
		cat "$TMP/live$r.facts"
	elif [ "$(cut -d' ' -f2- "$TMP/live$r.facts")" != "$(cut -d' ' -f2- "$TMP/replay$r.facts")" ]; then
		fail "live$r: live and -T of its recording differ:"
		paste -d'\n' "$TMP/live$r.facts" "$TMP/replay$r.facts"
	elif ! paste -d' ' "$TMP/live$r.facts" "$TMP/replay$r.facts" | awk '{ d = $1 - $(NF / 2 + 1); d += d < -43200 ? 86400 : d > 43200 ? -86400 : 0; if (d < -1 || d > 1) exit 1 }'; then
		fail "live$r: times differ by more than 1 s:"
		paste -d'\n' "$TMP/live$r.facts" "$TMP/replay$r.facts"
	else
		pass "live$r: -T of the recording gives the same $(wc -l < "$TMP/live$r.facts") alerts as the live traffic"
	fi
done
finish
