#!/bin/bash
# The prometheus plugin on file replays (-T): the final /metrics of every
# oracle capture equals the sums of the CSV log of the same run (IP bytes
# and packets by direction, connections opened), every connection is closed
# by then, the server series sum to the selected servers' rows with the
# rest in the overflow series, promtool finds the text clean, and no
# counter goes down between scrapes while connections leave the table.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/prometheus/prom_lib.sh"
need_shared
need_cmd promtool
P=$SHARED_DIR/pcaps

# run CAPTURE OUTFILE [KEYS]: replay it, scraping until tcptrack exits:
# linger holds the end until a scrape has fetched the final figures, so the
# last scrape that answered holds them; KEYS select the servers (default:
# ports 80 and 443, three series at most)
run() {
	rm -f "$TMP/err" "$2"
	tt -T "$1" -o "prometheus:listen=127.0.0.1:0,linger=20s,${3:-server_ports=80 443,max_servers=3}" \
		-o "csv:file=$TMP/conns.csv" 2>"$TMP/err" &
	local pid=$! port
	port=$(prom_port "$TMP/err") || { kill $pid; wait $pid; return 1; }
	while kill -0 $pid 2>/dev/null; do
		curl -sf "http://127.0.0.1:$port/metrics" -o "$TMP/scrape" && mv "$TMP/scrape" "$2"
		sleep 0.1
	done
	wait $pid
}
# sel_sums: c2s and s2c IP bytes and rows of the selected servers (ports
# 80, 443) in the CSV log
sel_sums() {
	awk -F, 'NR > 1 && ($6 == 80 || $6 == 443) { a += $9; b += $12; n++ } END { printf "%d %d %d\n", a, b, n }' "$TMP/conns.csv"
}

n=0
while IFS=$'\t' read -r folder file _ _ _ _ _ _ _ _ _ oracle; do
	[ "$oracle" = yes ] || continue
	cap=$P/$file
	[ -f "$cap" ] || continue
	if ! run "$cap" "$TMP/final"; then
		fail "$file: tcptrack: $(cat "$TMP/err")"
		continue
	fi
	got=$(expo_sums "$TMP/final")
	want=$(csv_sums "$TMP/conns.csv")
	closed=$(awk '$1 ~ /^tcptrack_connections_closed_total/ { s += $2 } END { print s + 0 }' "$TMP/final")
	open=$(awk '$1 ~ /^tcptrack_connections\{/ { s += $2 } END { print s + 0 }' "$TMP/final")
	sel=$(sel_sums)
	ssum=$(awk '$1 ~ /^tcptrack_server_ip_bytes_total/ && /c2s/ { a += $2 } $1 ~ /^tcptrack_server_ip_bytes_total/ && /s2c/ { b += $2 }
		$1 ~ /^tcptrack_server_connections_opened_total/ { n += $2 } END { printf "%d %d %d\n", a, b, n }' "$TMP/final")
	series=$(grep -c '^tcptrack_server_connections_opened_total{' "$TMP/final")
	over=$(metric "$TMP/final" 'tcptrack_server_connections_opened_total{address="other",port="other"}')
	hits=$(metric "$TMP/final" 'tcptrack_server_overflow_total')
	if [ "$got" = "$want" ] && [ "$closed" = "${want##* }" ] && [ "$open" = 0 ] && [ "$ssum" = "$sel" ] &&
		[ "$series" -le 4 ] && [ "$over" = "$hits" ]; then
		n=$((n + 1))
	else
		fail "$file: metrics '$got' (closed $closed, open $open), CSV '$want'; servers '$ssum' in $series series, CSV '$sel'; overflow $over, hits $hits"
	fi
	if ! promtool check metrics < "$TMP/final" > "$TMP/lint" 2>&1; then
		fail "$file: promtool check metrics: $(head -n 5 "$TMP/lint")"
	fi
done < "$P/MANIFEST.tsv"
[ $n -ge 10 ] && pass "$n captures: the final metrics equal the CSV log's sums; promtool clean" ||
	fail "only $n captures agreed"

# the overflow series has work on the big capture: 3 servers get a series,
# the other servers' connections are summed and counted
run "$P/many-protocols.pcap" "$TMP/final" || fail "tcptrack: $(cat "$TMP/err")"
hits=$(metric "$TMP/final" 'tcptrack_server_overflow_total')
[ "$hits" -gt 0 ] && [ "$(grep -c '^tcptrack_server_connections{' "$TMP/final")" -eq 4 ] &&
	pass "max_servers = 3: three series and the overflow, $hits connections in it" ||
	fail "overflow: $hits connections, series: $(grep '^tcptrack_server_connections{' "$TMP/final")"

# max_servers = 0: no server has a series of its own, the selected
# servers' connections are all in the overflow series
run "$P/many-protocols.pcap" "$TMP/final" "server_ports=80 443,max_servers=0" || fail "tcptrack: $(cat "$TMP/err")"
o='address="other",port="other"'
got="$(metric "$TMP/final" "tcptrack_server_ip_bytes_total{$o,direction=\"c2s\"}")"
got="$got $(metric "$TMP/final" "tcptrack_server_ip_bytes_total{$o,direction=\"s2c\"}")"
got="$got $(metric "$TMP/final" "tcptrack_server_connections_opened_total{$o}")"
want=$(sel_sums)
hits=$(metric "$TMP/final" 'tcptrack_server_overflow_total')
[ "$got" = "$want" ] && [ "$hits" = "${want##* }" ] && [ "${want##* }" -gt 0 ] &&
	[ "$(grep -c '^tcptrack_server_connections{' "$TMP/final")" -eq 1 ] &&
	pass "max_servers = 0: the overflow series alone, the selected servers' $got (bytes, connections)" ||
	fail "max_servers = 0: overflow '$got' ($hits counted), CSV '$want': $(grep '^tcptrack_server_connections{' "$TMP/final")"

# the connections by state are those shown, whether a collection walks the
# table (for server series) or takes the core's totals: two outputs of one
# run, one with server series, asked for figures at the same moment, half
# way through the capture (the tuples of connections closed by then are
# held, no longer shown)
cat > "$TMP/two.conf" <<EOF
[output totals]
plugin = prometheus
listen = 127.0.0.1:0
[output walk]
plugin = prometheus
listen = 127.0.0.1:0
server_ports = 1-65535
EOF
feed_half "$P/many-protocols.pcap" -c "$TMP/two.conf"
tport=$(prom_port "$TMP/err" totals) && wport=$(prom_port "$TMP/err" walk) || fail "no port: $(cat "$TMP/err")"
# the loop waits for the rest of a packet: both ask, and collect once the
# next packets came (later scrapes get those figures)
curl -s "http://127.0.0.1:$tport/metrics" -o /dev/null & ask=$!
curl -s "http://127.0.0.1:$wport/metrics" -o /dev/null
wait $ask
tail -c +$((feed_size / 2 + 1)) "$P/many-protocols.pcap" | head -c $((feed_size / 4)) >&3
sleep 0.5
for o in totals walk; do
	[ $o = totals ] && p=$tport || p=$wport
	curl -sf "http://127.0.0.1:$p/metrics" > "$TMP/scrape.$o" || fail "scrape of $o"
	grep -E '^tcptrack_connections(\{|_opened_total )' "$TMP/scrape.$o" > "$TMP/states.$o"
done
feed_close
wait $FEED_PID
shown=$(awk '/^tcptrack_connections\{/ { s += $2 } END { print s + 0 }' "$TMP/states.totals")
[ "$shown" -gt 0 ] && cmp -s "$TMP/states.totals" "$TMP/states.walk" &&
	pass "the same connections by state ($shown shown) with and without the walk of server series" ||
	fail "connections by state, without and with the walk: $(diff "$TMP/states.totals" "$TMP/states.walk" | grep '^[<>]' | tr '\n' ' ')"
# every server has a series there: they sum to the connections shown, not
# counting the tuples only held
per_server=$(awk '/^tcptrack_server_connections\{/ { s += $2 } END { print s + 0 }' "$TMP/scrape.walk")
[ "$per_server" = "$shown" ] &&
	pass "the per-server connections sum to those shown ($per_server)" ||
	fail "per-server connections sum to $per_server, $shown shown"

# counters never go down: the capture arrives in eight parts through a
# pipe, with scrapes between them, while its connections leave the table
rm -f "$TMP/feed"
mkfifo "$TMP/feed"
tt -T - -o "prometheus:listen=127.0.0.1:0,linger=20s" 2>"$TMP/err" < "$TMP/feed" &
pid=$!
exec 3>"$TMP/feed"
size=$(stat -c %s "$P/many-protocols.pcap")
for i in $(seq 0 7); do
	tail -c +$((i * size / 8 + 1)) "$P/many-protocols.pcap" | head -c $((size / 8 + (i == 7 ? 8 : 0))) >&3
	# the capture is open once its header came: the output then serves
	[ $i -eq 0 ] && { port=$(prom_port "$TMP/err") || fail "no port: $(cat "$TMP/err")"; }
	sleep 0.5
	curl -sf "http://127.0.0.1:$port/metrics" -o "$TMP/s$i" || fail "scrape $i"
done
exec 3>&-
while kill -0 $pid 2>/dev/null; do
	curl -sf "http://127.0.0.1:$port/metrics" -o "$TMP/scrape" && mv "$TMP/scrape" "$TMP/s8"
	sleep 0.1
done
wait $pid
down=$(python3 - "$TMP"/s[0-8] <<'PY'
import re, sys
prev, bad, values = {}, [], set()
for f in sys.argv[1:]:
    types, cur = {}, {}
    for line in open(f):
        m = re.match(r'# TYPE (\S+) (\S+)', line)
        if m:
            types[m.group(1)] = m.group(2)
        elif line[0] != '#':
            k, v = line.split()
            base = re.sub(r'\{.*', '', k)
            fam = re.sub(r'_(bucket|sum|count)$', '', base)
            if types.get(base) == 'counter' or types.get(fam) == 'histogram':
                cur[k] = float(v)
    for k, v in cur.items():
        if v < prev.get(k, 0):
            bad.append(f"{k}: {prev[k]} -> {v} in {f}")
    prev = cur
    values.add(cur.get('tcptrack_ip_bytes_total{direction="s2c"}'))
print(len(values), len(prev), "; ".join(bad[:5]))
PY
)
set -- $down
if [ "$#" -eq 2 ] && [ "$1" -ge 4 ] && [ "$2" -gt 40 ]; then
	pass "9 scrapes, $1 distinct totals, none of $2 counter samples went down"
else
	fail "counters: $down"
fi

# a pipe gone quiet (tcpdump -w - on a quiet link): what was read is served
# while tcptrack waits for more (the loop waited in the read, and every
# scrape had zeros)
rm -f "$TMP/feed"
mkfifo "$TMP/feed"
tt -T - -o "prometheus:listen=127.0.0.1:0" 2>"$TMP/err" < "$TMP/feed" &
pid=$!
exec 3>"$TMP/feed"
cat "$P/many-protocols.pcap" >&3
port=$(prom_port "$TMP/err") || fail "no port: $(cat "$TMP/err")"
sleep 1
curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" -o "$TMP/quiet"
exec 3>&-
wait $pid
read_n=$(metric "$TMP/quiet" 'tcptrack_packets_read_total')
[ "$read_n" = 4709 ] && pass "a quiet pipe: the scrape has the 4709 packets read" ||
	fail "a quiet pipe: the scrape says $read_n packets read, want 4709"

# a stop signal while the final figures linger is the stop asked for; the
# same signal again within a second too (timeout(1) signals the child, then
# its group), but asked again later it ends the wait at once (the files
# were written out before): 128 + the signal's number
# ($! must be tcptrack's own pid, not a subshell's running tt)
"$TCPTRACK" -T "$P/many-protocols.pcap" -o "prometheus:listen=127.0.0.1:0,linger=30s" \
	-o "csv:file=$TMP/linger.csv" 2>"$TMP/err" &
pid=$!
# (the log is whole once the file was read and the outputs are stopping;
# the summary line comes after they stopped)
for _ in $(seq 200); do [ "$(cat "$TMP/linger.csv" 2>/dev/null | wc -l)" -eq 127 ] && break; sleep 0.1; done
sleep 0.5
kill -TERM $pid
kill -TERM $pid
sleep 1
kill -0 $pid 2>/dev/null && pass "two SIGTERMs at once during the linger: still serving" ||
	fail "two SIGTERMs at once ended the linger: $(cat "$TMP/err")"
sleep 1.2
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
rows=$(tail -n +2 "$TMP/linger.csv" | wc -l)
[ $rc -eq 143 ] && [ $ms -lt 2000 ] && [ "$rows" -eq 126 ] && grep -q "stopped again: exiting without waiting" "$TMP/err" &&
	pass "SIGTERM again 2 s later: exit $rc after $ms ms, the log whole ($rows rows)" ||
	fail "SIGTERM again during the linger: exit $rc after $ms ms, $rows rows: $(cat "$TMP/err")"
finish
