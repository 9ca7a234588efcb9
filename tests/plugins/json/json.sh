#!/bin/bash
# The json output beside the csv output in the same run, on every capture
# the manifest marks for the oracle: every line parses (jq, and a strict
# parser), the connection and interval rows are the CSV's rows field for
# field (so their sums are equal), and with events each connection is
# opened, changes state in a chain and is removed with its row's values.
# Then the file: time-named files and SIGHUP, as csv's.
. "$TESTS_SRCDIR/lib.sh"
need_shared
need_cmd jq
need_cmd python3
CHECK="python3 $TESTS_SRCDIR/plugins/json/jsoncheck.py"
P=$SHARED_DIR/pcaps
export TZ=UTC

caps=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "oracle") o = i; next } o && $o == "yes" { print $2 }' "$P/MANIFEST.tsv")
[ -n "$caps" ] || fail "no capture marked for the oracle in MANIFEST.tsv"

ncaps=0
nlines=0
for c in $caps; do
	[ -f "$P/$c" ] || continue
	d=$TMP/$c
	mkdir -p "$d"
	# both outputs in one run, in both modes
	if ! tt -T "$P/$c" -o "csv:mode=connections,file=$d/c.csv" -o "json:events=yes,file=$d/c.jsonl" \
		-o "csv:mode=intervals,interval=10s,file=$d/i.csv" -o "json:mode=intervals,interval=10s,file=$d/i.jsonl" \
		-o "csv:mode=intervals,interval=30s,group_by=server,file=$d/g.csv" \
		-o "json:mode=intervals,interval=30s,group_by=server,file=$d/g.jsonl" 2>"$d/err"; then
		fail "$c: tcptrack failed: $(cat "$d/err")"
		continue
	fi
	ncaps=$((ncaps + 1))
	# jq reads each line on its own: one value a line, and an object
	if ! jq -e -R 'fromjson | type == "object"' "$d/c.jsonl" "$d/i.jsonl" "$d/g.jsonl" > "$d/jq" 2>&1 ||
		grep -qv '^true$' "$d/jq"; then
		fail "$c: a line jq does not parse as one object: $(grep -v '^true$' "$d/jq" | head -n 2)"
	fi
	nlines=$((nlines + $(cat "$d"/*.jsonl | wc -l)))
	out=$($CHECK run "$d" 2>&1) || fail "$c: $out"
done
[ $failures -eq 0 ] && pass "$ncaps captures, $nlines lines: each parses; connection, interval and server rows equal the CSV's; events opened, chained, removed"

# sums, as a shipper would add them up: jq over the lines equals awk over the CSV
CAP=$P/many-protocols.pcap
tt -T "$CAP" -o "csv:file=$TMP/m.csv" -o "json:mode=intervals,interval=5s,group_by=server_port,file=$TMP/m.jsonl" 2>/dev/null
want=$(awk -F, 'NR > 1 { p += $8 + $11; b += $9 + $12; y += $10 + $13 } END { print p + 0, b + 0, y + 0 }' "$TMP/m.csv")
got=$(jq -r -s 'map(select(.type == "interval")) | [(map(.c2s_packets + .s2c_packets) | add), (map(.c2s_bytes + .s2c_bytes) | add), (map(.c2s_payload + .s2c_payload) | add)] | map(tostring) | join(" ")' "$TMP/m.jsonl")
[ "$got" = "$want" ] && pass "intervals by server port sum to the connection log's packets, bytes, payload ($got)" ||
	fail "interval sums $got, want $want"

# tcp_health = no: the health fields are null (CSV: empty), never 0
printf '[core]\ntcp_health = no\n' > "$TMP/nh.conf"
tt -c "$TMP/nh.conf" -T "$P/tcp-retransmit-fast009.pcap" -o "json:file=$TMP/nh.jsonl" 2>/dev/null
nn=$(jq -r 'select(.type == "connection") | [.handshake_us, .rtt_us, .c2s_retrans, .s2c_retrans_bytes] | map(. == null) | all' "$TMP/nh.jsonl" | sort -u)
[ "$nn" = "true" ] && pass "tcp_health = no: health fields null" || fail "tcp_health = no: $(head -c 300 "$TMP/nh.jsonl")"

# time-named files follow the capture clock; together they hold every row
mkdir "$TMP/min"
tt -T "$CAP" -o "json:events=opened,mode=intervals,interval=10s,file=$TMP/min/%H%M.jsonl" 2>/dev/null
n=$(ls "$TMP/min" | wc -l)
got=$(cat "$TMP"/min/*.jsonl | jq -r -s 'map(select(.type == "interval")) | map(.c2s_packets + .s2c_packets) | add')
opened=$(cat "$TMP"/min/*.jsonl | jq -r 'select(.type == "opened") | .id' | sort -u | wc -l)
want_p=${want%% *}
conns=$(tail -n +2 "$TMP/m.csv" | wc -l)
bad=0
for f in "$TMP"/min/*.jsonl; do
	m=$(basename "$f" .jsonl)
	jq -e -r --arg m "$m" 'select(.type == "interval") | (.interval_start | floor | strftime("%H%M")) == $m' "$f" | grep -q false && bad=1
done
if [ "$n" -ge 2 ] && [ "$got" = "$want_p" ] && [ "$opened" = "$conns" ] && [ $bad -eq 0 ]; then
	pass "time-named files: $n files, $got packets, $opened connections opened, each row in its file's minute"
else
	fail "time-named files: $n files, $got packets (want $want_p), $opened opened (want $conns), misplaced=$bad"
fi

# SIGHUP after a rename: both files complete, together every row (tuples
# not held after their close, so that the first half's rows are written in
# the first file)
printf '[core]\ntime_wait = 0\n' > "$TMP/tw0.conf"
feed_half "$CAP" -c "$TMP/tw0.conf" -o "json:file=$TMP/rot.jsonl"
sleep 1
mv "$TMP/rot.jsonl" "$TMP/rot.jsonl.1"
kill -HUP $FEED_PID
sleep 1
feed_rest
wait $FEED_PID
rc=$?
cat "$TMP/rot.jsonl.1" "$TMP/rot.jsonl" > "$TMP/rot.all" 2>/dev/null
tt -c "$TMP/tw0.conf" -T "$CAP" -o "csv:mode=connections,file=$TMP/tw0.csv" 2>/dev/null
out=$($CHECK rows "$TMP/tw0.csv" "$TMP/rot.all" connection 2>&1)
if [ $rc -eq 0 ] && [ -s "$TMP/rot.jsonl.1" ] && [ -s "$TMP/rot.jsonl" ] && [[ $out == *"rows equal"* ]]; then
	pass "SIGHUP: a new file; the two hold every connection ($out)"
else
	fail "SIGHUP: exit $rc, $out: $(cat "$TMP/err")"
fi

# keys that exclude each other, and bad values, are refused before the run
for spec in "json:target=unix:/nonexistent/x,file=/tmp/x" "json:events=opened+closed" "json:target=ftp:x" \
	"json:queue=0" "json:group_by=server"; do
	if tt -T "$CAP" -o "$spec" > /dev/null 2> "$TMP/bad"; then
		fail "accepted: $spec"
	elif ! grep -q "json" "$TMP/bad"; then
		fail "$spec: no message naming the output: $(cat "$TMP/bad")"
	fi
done
[ $failures -eq 0 ] && pass "bad configurations refused with a message"
finish
