#!/bin/bash
# The csv plugin: time-named files each start with a header, rollups sum to
# the per-connection rows, append keeps what a file held, SIGHUP starts a
# new file after a rename, and nothing counted is lost on the way.
. "$TESTS_SRCDIR/lib.sh"
need_shared
P=$SHARED_DIR/pcaps
CAP=$P/many-protocols.pcap   # about 3 minutes of traffic
export TZ=UTC

sum_cols() { # file: total packets and payload of all rows
	awk -F, 'NR > 1 { p += $8 + $11; b += $10 + $13 } END { print p + 0, b + 0 }' "$@"
}

tt -T "$CAP" -o "csv:mode=connections,file=$TMP/one.csv" 2>/dev/null
want=$(sum_cols "$TMP/one.csv")

# strftime patterns in the name follow the capture clock: one file a minute
# (the capture spans two)
mkdir "$TMP/min"
tt -T "$CAP" -o "csv:mode=intervals,interval=10s,file=$TMP/min/%H%M.csv" 2>/dev/null
n=$(ls "$TMP/min" | wc -l)
bad=0
for f in "$TMP"/min/*.csv; do head -n 1 "$f" | grep -q '^interval_start,' || bad=1; done
got=$(awk -F, 'FNR > 1 { p += $8 + $11; b += $10 + $13 } END { print p + 0, b + 0 }' "$TMP"/min/*.csv)
if [ "$n" -ge 2 ] && [ $bad -eq 0 ] && [ "$got" = "$want" ]; then
	pass "time-named files: $n files, each with its header, totals $got"
else
	fail "time-named files: $n files, headers ok=$((1 - bad)), totals $got, want $want"
fi

# a run shorter than its first interval, rows rolled up by server: the
# open interval's rows go to the file of its time, which nothing opened
# before the end
mkdir "$TMP/short"
SHORT=$P/reddit.pcap # 14 s
tt -T "$SHORT" -o "csv:mode=connections,file=$TMP/short.csv" 2>/dev/null
want_short=$(sum_cols "$TMP/short.csv")
tt -T "$SHORT" -o "csv:mode=intervals,interval=5m,group_by=server,file=$TMP/short/s-%F.csv" 2>"$TMP/err"
rc=$?
set -- "$TMP"/short/*.csv
got=$(awk -F, 'FNR > 1 { p += $8 + $11; b += $10 + $13 } END { print p + 0, b + 0 }' "$@" 2>/dev/null)
[ $rc -eq 0 ] && [ $# -eq 1 ] && [ -f "$1" ] && [ "$got" = "$want_short" ] && [ "$got" != "0 0" ] &&
	pass "a run shorter than an interval, group_by = server: its rows in ${1##*/}, totals $got" ||
	fail "a run shorter than an interval, group_by = server: exit $rc, files $*, totals $got, want $want_short: $(head -c 300 "$TMP/err")"

# patterns in the directory: each directory is made when its first file is
tt -T "$CAP" -o "csv:mode=intervals,interval=10s,file=$TMP/hours/%H/%M/log.csv" 2>"$TMP/err"
rc=$?
got=$(awk -F, 'FNR > 1 { p += $8 + $11; b += $10 + $13 } END { print p + 0, b + 0 }' "$TMP"/hours/*/*/log.csv)
nd=$(ls -d "$TMP"/hours/*/* | wc -l)
[ $rc -eq 0 ] && [ "$nd" -ge 2 ] && [ "$got" = "$want" ] && [ ! -s "$TMP/err" -o "$(grep -c error "$TMP/err")" = 0 ] &&
	pass "patterns in the directory: $nd directories made, totals $got" ||
	fail "patterns in the directory: exit $rc, $nd directories, totals $got, want $want: $(head -c 300 "$TMP/err")"
# ... and where they cannot be made (a file in the way): told once a file
# name, not once a row, and the run ends with 74
: >"$TMP/afile"
tt -T "$CAP" -o "csv:mode=connections,file=$TMP/afile/%M/log.csv" 2>"$TMP/err"
rc=$?
nopen=$(grep -c "open $TMP/afile/.*: Not a directory" "$TMP/err")
[ $rc -eq 74 ] && [ "$nopen" -ge 1 ] && [ "$nopen" -le 4 ] &&
	pass "directories that cannot be made: $nopen messages (one a name), exit 74" ||
	fail "directories that cannot be made: exit $rc, $nopen open messages: $(head -c 300 "$TMP/err")"
# a time-named file that cannot be opened (a directory in its way): its
# rows are lost and counted, not written to the file of the minute before
mkdir "$TMP/ref" "$TMP/gap"
tt -T "$CAP" -o "csv:mode=connections,file=$TMP/ref/%H%M.csv" 2>/dev/null
set -- $(ls "$TMP/ref")
if [ $# -ge 3 ]; then
	mkdir "$TMP/gap/$2"
	tt -T "$CAP" -o "csv:mode=connections,file=$TMP/gap/%H%M.csv" 2>"$TMP/err"
	rc=$?
	rows() { [ -f "$1" ] && tail -n +2 "$1" | wc -l || echo none; }
	lost=$(sed -n 's/.* \([0-9]*\) rows could not be written to the files of .*/\1/p' "$TMP/err")
	if [ $rc -eq 74 ] && [ "$(rows "$TMP/gap/$1")" = "$(rows "$TMP/ref/$1")" ] &&
		[ "$(rows "$TMP/gap/$3")" = "$(rows "$TMP/ref/$3")" ] && [ "$lost" = "$(rows "$TMP/ref/$2")" ]; then
		pass "a file that cannot be opened: its $lost rows counted lost, the minutes around it whole"
	else
		fail "a file that cannot be opened: exit $rc; rows $1 $(rows "$TMP/gap/$1") (want $(rows "$TMP/ref/$1")), $3 $(rows "$TMP/gap/$3") (want $(rows "$TMP/ref/$3")), lost '$lost' (want $(rows "$TMP/ref/$2")): $(head -c 400 "$TMP/err")"
	fi
else
	fail "the connection log of $CAP spans $# minutes, want 3 or more"
fi
# a log removed while written (rm, a rotation that sent no SIGHUP): made
# anew, with its header, and every row after the removal in it
half=$(($(stat -c %s "$CAP") / 2))
{ head -c $half "$CAP"; sleep 2; tail -c +$((half + 1)) "$CAP"; } |
	tt -T - -o "csv:mode=connections,file=$TMP/rm.csv" 2>"$TMP/rm.err" &
pid=$!
sleep 1
cp "$TMP/rm.csv" "$TMP/rm.before"
rm "$TMP/rm.csv"
wait $pid
rc=$?
before=$(tail -n +2 "$TMP/rm.before" | wc -l)
after=$(tail -n +2 "$TMP/rm.csv" 2>/dev/null | wc -l)
total=$(tail -n +2 "$TMP/one.csv" | wc -l)
if [ $rc -eq 0 ] && [ "$before" -gt 0 ] && [ $((before + after)) -eq "$total" ] &&
	head -n 1 "$TMP/rm.csv" | grep -q '^first_seen,' && grep -q "rm.csv was removed while written: made anew" "$TMP/rm.err"; then
	pass "a log removed while written: made anew ($before rows before, $after after, of $total)"
else
	fail "a log removed while written: exit $rc, $before + $after rows of $total: $(cat "$TMP/rm.err")"
fi
# every row of a file lies in the minute the file is named after
for f in "$TMP"/min/*.csv; do
	m=$(basename "$f" .csv)
	awk -F, -v m="$m" 'NR > 1 { t = int($1); hm = strftime("%H%M", t, 1); if (hm != m) { print FILENAME ": " $1; exit 1 } }' "$f" ||
		fail "rows outside their file's minute in $f"
done 2>/dev/null

# intervals are aligned and the counts are per interval
tt -T "$CAP" -o "csv:mode=intervals,interval=60s,file=$TMP/int.csv" 2>/dev/null
unaligned=$(awk -F, 'NR > 1 && int($1) % 60 != 0' "$TMP/int.csv" | wc -l)
[ "$unaligned" -eq 0 ] && [ "$(sum_cols "$TMP/int.csv")" = "$want" ] &&
	pass "intervals aligned to 60 s, totals equal" || fail "intervals: $unaligned unaligned rows, totals $(sum_cols "$TMP/int.csv")"

# rollups: the sum of each interval's rows per key
for g in server server_addr server_port client; do
	tt -T "$CAP" -o "csv:mode=intervals,interval=60s,group_by=$g,file=$TMP/g-$g.csv" 2>/dev/null
	conns=$(awk -F, 'NR > 1 { c += $14 } END { print c + 0 }' "$TMP/g-$g.csv")
	rows=$(tail -n +2 "$TMP/int.csv" | wc -l)
	dup=$(awk -F, 'NR > 1 { k = $1 "|" $3 "|" $5 "|" $6; if (seen[k]++) { print k; exit } }' "$TMP/g-$g.csv")
	if [ "$(sum_cols "$TMP/g-$g.csv")" = "$want" ] && [ "$conns" -eq "$rows" ] && [ -z "$dup" ]; then
		pass "group_by=$g: totals equal, $conns connection-intervals, one row per key and interval"
	else
		fail "group_by=$g: totals $(sum_cols "$TMP/g-$g.csv") want $want, $conns vs $rows rows, dup '$dup'"
	fi
done
# server_port: one row per port per interval, the port's own sum
p80=$(awk -F, 'NR > 1 && $6 == 80 { p += $8 + $11 } END { print p + 0 }' "$TMP/int.csv")
g80=$(awk -F, 'NR > 1 && $6 == 80 { p += $8 + $11 } END { print p + 0 }' "$TMP/g-server_port.csv")
[ "$p80" = "$g80" ] && [ "$p80" -gt 0 ] && pass "group_by=server_port: port 80 sums to $p80 packets" ||
	fail "group_by=server_port: port 80 $g80, want $p80"

# a new run empties the file; append = yes keeps it
tt -T "$CAP" -o "csv:file=$TMP/one.csv" 2>/dev/null
[ "$(sum_cols "$TMP/one.csv")" = "$want" ] && pass "a new run starts the file afresh" || fail "file not emptied"
first=$(grep -vc '^first_seen' "$TMP/one.csv")
tt -T "$CAP" -o "csv:file=$TMP/one.csv,append=yes" 2>/dev/null
headers=$(grep -c '^first_seen' "$TMP/one.csv")
rows=$(grep -vc '^first_seen' "$TMP/one.csv")
[ "$headers" -eq 1 ] && [ "$rows" -eq $((2 * first)) ] &&
	pass "append = yes: one header, rows of both runs ($rows)" ||
	fail "append: $headers headers, $rows rows, want 1 and $((2 * first))"

# append = yes to a file of other columns (the columns or the mode changed
# since it was written): its rows and the new ones could not be told apart.
# Left alone and said: a fixed name at start (73); a time-named file, opened
# at the first row, loses its rows, counted (74)
cp "$TMP/one.csv" "$TMP/before.csv"
tt -T "$CAP" -o "csv:file=$TMP/one.csv,append=yes,columns=process" 2>"$TMP/err"
rc=$?
[ $rc -eq 73 ] && cmp -s "$TMP/one.csv" "$TMP/before.csv" && grep -q "one.csv: it holds rows of other columns" "$TMP/err" &&
	pass "append = yes to a file of other columns: left alone, exit 73" ||
	fail "append to a file of other columns: exit $rc: $(cat "$TMP/err")"
mkdir "$TMP/day"
tt -T "$CAP" -o "csv:file=$TMP/day/%Y.csv,append=yes" 2>/dev/null
before=$(cat "$TMP"/day/*.csv | cksum)
tt -T "$CAP" -o "csv:file=$TMP/day/%Y.csv,append=yes,mode=intervals" 2>"$TMP/err"
rc=$?
[ $rc -eq 74 ] && [ "$(cat "$TMP"/day/*.csv | cksum)" = "$before" ] && grep -q "it holds rows of other columns" "$TMP/err" &&
	grep -q "rows could not be written" "$TMP/err" &&
	pass "append = yes to a time-named file of other columns: left alone, the rows counted lost, exit 74" ||
	fail "append to a time-named file of other columns: exit $rc: $(cat "$TMP/err")"

# SIGHUP after a rename: the old file is complete, the new one starts with
# its header, and together they hold every connection
feed_half "$CAP" -o "csv:mode=connections,file=$TMP/rot.csv"
sleep 1
mv "$TMP/rot.csv" "$TMP/rot.csv.1"
kill -HUP $FEED_PID
sleep 1
feed_rest
wait $FEED_PID
rc=$?
h1=$(head -n 1 "$TMP/rot.csv.1" | grep -c '^first_seen'); h2=$(head -n 1 "$TMP/rot.csv" 2>/dev/null | grep -c '^first_seen')
total=$(awk -F, 'FNR > 1 { p += $8 + $11; b += $10 + $13 } END { print p + 0, b + 0 }' "$TMP/rot.csv.1" "$TMP/rot.csv")
if [ $rc -eq 0 ] && [ "$h1" = 1 ] && [ "$h2" = 1 ] && [ "$total" = "$want" ]; then
	pass "SIGHUP: new file with its header, totals across both equal ($total)"
else
	fail "SIGHUP: exit $rc, headers $h1 $h2, totals $total want $want: $(cat "$TMP/err")"
fi

# SIGTERM in the middle: every connection seen so far gets its row
feed_half "$CAP" -o "csv:mode=connections,file=$TMP/term.csv"
sleep 1
kill -TERM $FEED_PID
wait $FEED_PID
rc=$?
feed_close
head -c $(($(stat -c %s "$CAP") / 2)) "$CAP" > "$TMP/half.pcap"
tt -T "$TMP/half.pcap" -o "csv:mode=connections,file=$TMP/half.csv" 2>/dev/null
if [ $rc -eq 0 ] && [ "$(sum_cols "$TMP/term.csv")" = "$(sum_cols "$TMP/half.csv")" ]; then
	pass "SIGTERM: every connection read so far is logged ($(sum_cols "$TMP/term.csv"))"
else
	fail "SIGTERM: exit $rc, $(sum_cols "$TMP/term.csv") vs $(sum_cols "$TMP/half.csv")"
fi
# the interval log's columns: active (the connections a row covers), opened (first seen in the
# interval), the first interval from the first packet with its real length, the drops (0 from
# a file).  One connection: from +0.001 s to +140 s, aligned intervals of 60 s (the first
# boundary is +40 s).
tt -T "$TESTS_SRCDIR/golden/ident_half_close_quiet.pcap" -o "csv:mode=intervals,interval=60s,file=$TMP/iv.csv" 2>/dev/null
got=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ printf "%s %s %s %s %s %s;", $1, $2, $(col["active"]), $(col["opened"]), $(col["kernel_drops"]), $(col["if_drops"]) }' "$TMP/iv.csv")
want="1700000000.001000 39.999000 1 1 0 0;1700000040.000000 60 1 0 0 0;1700000100.000000 60 1 0 0 0;"
[ "$got" = "$want" ] && pass "intervals: the first from the first packet (39.999 s), active, opened, drops" ||
	fail "intervals: got '$got', want '$want'"
tt -T "$TESTS_SRCDIR/golden/ident_half_close_quiet.pcap" -o "csv:mode=intervals,interval=60s,group_by=server_port,file=$TMP/ivg.csv" 2>/dev/null
got=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ printf "%s %s %s %s;", $1, $2, $(col["active"]), $(col["opened"]) }' "$TMP/ivg.csv")
want="1700000000.001000 39.999000 1 1;1700000040.000000 60 1 0;1700000100.000000 60 1 0;"
[ "$got" = "$want" ] && pass "intervals, group_by: the same spans, active and opened summed" ||
	fail "intervals, group_by: got '$got', want '$want'"

# a capture with quiet stretches longer than a closed connection is kept
# (alexa-app: 10 s and more without a packet): each interval holds the
# packets of its own seconds, as tshark times them (TCP quoted in ICMP is
# not a connection's), its rows in time order, every connection opened
# once
if command -v tshark >/dev/null 2>&1; then
	Q=$P/alexa-app.pcapng
	for iv in 1 7 60; do
		tt -T "$Q" -o "csv:mode=intervals,interval=${iv}s,file=$TMP/q$iv.csv" -o "csv:file=$TMP/qc.csv" 2>/dev/null
		tshark -r "$Q" -Y 'tcp && !icmp && !icmpv6' -T fields -e frame.time_epoch 2>/dev/null |
			awk -v I=$iv '{ n[int($1 / I) * I]++ } END { for (k in n) print k, n[k] }' | sort -n >"$TMP/q$iv.want"
		awk -F, -v I=$iv 'NR > 1 { n[int($1 / I) * I] += $8 + $11 } END { for (k in n) print k, n[k] }' \
			"$TMP/q$iv.csv" | sort -n >"$TMP/q$iv.got"
		off=$(diff "$TMP/q$iv.want" "$TMP/q$iv.got" | grep -c '^>')
		[ "$off" = 0 ] && ! cmp -s "$TMP/q$iv.want" "$TMP/q$iv.got" && off=missing
		back=$(awk -F, 'NR > 1 { if ($1 + 0 < last) n++; last = $1 + 0 } END { print n + 0 }' "$TMP/q$iv.csv")
		opened=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next } { n += $(col["opened"]) }
			END { print n + 0 }' "$TMP/q$iv.csv")
		conns=$(($(wc -l <"$TMP/qc.csv") - 1))
		[ "$off" = 0 ] && [ "$back" = 0 ] && [ "$opened" = "$conns" ] &&
			pass "quiet stretches, intervals of $iv s: $(wc -l <"$TMP/q$iv.want") intervals as tshark counts them, in order, $opened opened" ||
			fail "quiet stretches, intervals of $iv s: $off intervals off tshark's, $back rows back in time, $opened opened of $conns"
	done
else
	echo "SKIP: intervals across quiet stretches need tshark"
fi

finish
