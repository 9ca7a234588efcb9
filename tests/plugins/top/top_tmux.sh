#!/bin/sh
# The top view in a real terminal (tmux, private socket): the final table of
# a shared capture read as fast as possible, every key, resizes, a paced
# replay, and q giving the terminal back.
# TOP_REGEN=1 rewrites the golden screen (tests/plugins/top/*.txt); review its diff.
. "$TESTS_SRCDIR/lib.sh"
need_cmd tmux
need_shared

SOCK_BASE=tttop$$
SOCK=$SOCK_BASE-0
. "$TESTS_SRCDIR/plugins/top/tmux_lib.sh"
# killed by a signal, still clean up (lib.sh's trap is on EXIT)
trap 'exit 130' INT TERM HUP
add_cleanup stop_tmux
GOLDEN=$TESTS_SRCDIR/plugins/top
MP=$SHARED_DIR/pcaps/many-protocols.pcap
# the view as tcptrack 2.0 kept its table (a tuple let go with the view, SYNs for 30 s): the
# screens and the connection log's "exit" rows (the oracle below) were made that way, and the
# capture's one-packet rows from late ACKs give the RTT sort a connection without a round trip
printf '[core]\nreplay_speed = 0\ntime_wait = 0\nsyn_timeout = 30s\n' > "$TMP/fast.conf"

# gone PATTERN: no line matches within 3 s
gone() {
	i=0
	while [ $i -lt 30 ]; do
		screen | grep -Eq -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# key KEYS... then wait for PATTERN: send keys, wait until the screen says so
key() { tm send-keys "$@"; }
status() { screen | tail -1; }
rows() { screen | sed -n '2,$p' | head -n -2; }
# expect NAME PATTERN: a line of the screen matches within 5 s
expect() {
	if wait_for "$2" 5; then pass "$1"; else fail "$1: no line matches '$2'"; screen | sed 's/^/  | /'; fi
}

# ---- a connection log of the same capture is the oracle of the table ----
tt -c "$TMP/fast.conf" -T "$MP" -o "csv:mode=connections,file=$TMP/mp.csv" 2>/dev/null
endcol=$(head -1 "$TMP/mp.csv" | tr ',' '\n' | grep -nx end | cut -d: -f1)
[ -n "$endcol" ] || skip "the connection log has no 'end' column to tell what stays in the table"
# client:port server:port state packets, of what is still in the table at the end
awk -F, -v e="$endcol" 'NR > 1 && ($e == "exit" || $e == "open") {
	print $3 ":" $4, $5 ":" $6, $7, $8 + $11 }' "$TMP/mp.csv" | sort > "$TMP/want"
nwant=$(wc -l < "$TMP/want")
[ "$nwant" -gt 37 ] || fail "oracle: $nwant connections at the end, want more than a screen"
# client:port rtt_us (empty: none) retransmitted segments, packets: the
# health columns' oracle ([core] tcp_health is on by default)
col() { head -1 "$TMP/mp.csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
rttcol=$(col rtt_us) c2sre=$(col c2s_retrans) s2cre=$(col s2c_retrans)
[ -n "$rttcol" ] && [ -n "$c2sre" ] && [ -n "$s2cre" ] || fail "the connection log has no health columns"
awk -F, -v e="$endcol" -v r="$rttcol" -v a="$c2sre" -v b="$s2cre" 'NR > 1 && ($e == "exit" || $e == "open") {
	print $3 ":" $4, ($r == "" ? "-" : $r), $a + $b, $8 + $11 }' "$TMP/mp.csv" | sort > "$TMP/health"

# ---- the final table, whole, in a tall terminal sorted by client ----
view 120 $((nwant + 10)) -c "$TMP/fast.conf" -o top:sort=client -T "$MP"
if wait_for "end of file reached" 20; then pass "reading a file as fast as possible ends on its final table"; else
	fail "no view of the file's end"; screen | sed 's/^/  | /'; finish; fi
expect "footer counts every connection" "^ Connections 1-$nwant of $nwant  Unpaused  Sorted by client"
rows | awk 'NF >= 10 { print $1, $2, $3, $(NF - 2) }' | sort > "$TMP/got"
if cmp -s "$TMP/want" "$TMP/got"; then
	pass "the final table has each connection of the capture, with its state and packets"
else
	fail "final table differs from the connection log"; diff "$TMP/want" "$TMP/got" | head -20
fi
# RTT and Retr as the log has them, to their rounding: a round trip to 5%,
# a share to 0.05 points (under 10%) or 0.5 (above)
rows | awk 'NF >= 10 { print $1, $(NF - 1), $NF }' | sort | join - "$TMP/health" | awk '
	function us(t) {
		if (t ~ /us$/) return t + 0
		if (t ~ /ms$/) return t * 1000
		return t * 1000000
	}
	{
		if ($2 == "-" || $4 == "-") { if ($2 != $4) bad = bad " " $0 }
		else { d = us($2) - $4; if (d < 0) d = -d; if (d > 0.05 * $4) bad = bad " " $0 }
		share = $6 ? $5 * 100 / $6 : 0
		if ($3 == "<.1%") { if (!$5 || share >= 0.1) bad = bad " " $0 }
		else { d = $3 - share; if (d < 0) d = -d; if (d > (share < 9.95 ? 0.05 : 0.5)) bad = bad " " $0 }
		n++
	}
	END { if (bad != "") print "differ:" bad; exit !(n > 0 && bad == "") }' > "$TMP/hbad" &&
	pass "RTT and Retr of each connection as the connection log has them" ||
	fail "RTT or Retr differ from the connection log: $(cat "$TMP/hbad")"
screen | awk -v w=120 'length($0) > w { bad = 1 } END { exit bad }' && pass "no line wider than the terminal" ||
	fail "a line is wider than the terminal"

# ---- the golden 120x40 screen, unsorted as tcptrack 1.x starts ----
view 120 40 -c "$TMP/fast.conf" -T "$MP"
wait_for "end of file reached" 20
screen > "$TMP/screen"
if [ "${TOP_REGEN:-}" = 1 ]; then
	cp "$TMP/screen" "$GOLDEN/many-protocols.120x40.txt"
	echo "regenerated $GOLDEN/many-protocols.120x40.txt"
fi
if diff -u "$GOLDEN/many-protocols.120x40.txt" "$TMP/screen"; then
	pass "120x40 screen of many-protocols.pcap as expected"
else
	fail "120x40 screen differs from $GOLDEN/many-protocols.120x40.txt"
fi
head -1 "$TMP/screen" | grep -Eq '^ Client +Server +State +Idle A +Rate +C->S +S->C +Payload +Packets +RTT +Retr$' &&
	pass "header: Client Server State Idle A Rate C->S S->C Payload Packets RTT Retr" || fail "header: $(head -1 "$TMP/screen")"
expect "TOTAL with the file's end" "^ TOTAL +many-protocols.pcap: end of file reached +[0-9.]+ [kMGTPE]?B/s"
expect "footer as tcptrack 1.x" "^ Connections 1-37 of $nwant  Unpaused  Unsorted +h: help$"

# ---- s cycles the sort orders ----
key s; expect "s: by rate" "Sorted by rate"
key s; expect "s: by bytes" "Sorted by bytes"
top=$(awk -F, -v e="$endcol" 'NR > 1 && ($e == "exit" || $e == "open") {
	print $10 + $13, $3 ":" $4 }' "$TMP/mp.csv" | sort -n | tail -1 | cut -d' ' -f2)
rows | head -1 | grep -q "^ $top " && pass "by bytes: the biggest connection first" ||
	fail "by bytes: first row is not $top: $(rows | head -1)"
key s; expect "s: by idle" "Sorted by idle"
rows | awk '{ print $4 }' | grep -q '^0s$' && [ "$(rows | head -1 | awk '{ print $4 }')" = 0s ] &&
	pass "by idle: the most recent first" || fail "by idle: $(rows | head -1)"
key s; expect "s: by RTT" "Sorted by RTT"
slowest=$(awk '$2 != "-"' "$TMP/health" | sort -k2 -n | tail -1 | cut -d' ' -f1)
rows | head -1 | grep -q "^ $slowest " && pass "by RTT: the slowest first ($slowest)" ||
	fail "by RTT: first row is not $slowest: $(rows | head -1)"
if grep -q ' - ' "$TMP/health"; then
	key End
	wait_for "^ Connections $((nwant - 36))-$nwant of $nwant " 5
	rows | tail -1 | awk '{ exit $(NF - 1) != "-" }' && pass "by RTT: a connection without one last" ||
		fail "by RTT: the last row has a round trip: $(rows | tail -1)"
	key r; expect "r: RTT reversed" "Sorted by RTT, reversed"
	key End
	wait_for "^ Connections $((nwant - 36))-$nwant of $nwant " 5
	rows | tail -1 | awk '{ exit $(NF - 1) != "-" }' && pass "by RTT reversed: without one still last" ||
		fail "by RTT reversed: the last row has a round trip: $(rows | tail -1)"
	key r Home
else
	fail "many-protocols.pcap: every connection has a round trip: nothing to sort last"
fi
key s; expect "s: by retransmissions" "Sorted by retransmissions"
most=$(awk '{ print $3 / $4, $1 }' "$TMP/health" | sort -g | tail -1 | cut -d' ' -f2)
rows | head -1 | grep -q "^ $most " && pass "by retransmissions: the largest share first ($most)" ||
	fail "by retransmissions: first row is not $most: $(rows | head -1)"
key s; expect "s: unsorted again" "Unsorted"
key '<'; expect "<: the sort column moves left (wraps to retransmissions)" "Sorted by retransmissions"
key '<'; expect "<: then RTT" "Sorted by RTT"
key '<'; expect "<: then packets" "Sorted by packets"
maxp=$(sort -k4 -n "$TMP/want" | tail -1 | cut -d' ' -f4)
rows | head -1 | awk -v p="$maxp" '{ exit $(NF - 2) != p }' && pass "by packets: most packets first ($maxp)" ||
	fail "by packets: $(rows | head -1)"
key r; expect "r: reversed" "Sorted by packets, reversed"
minp=$(sort -k4 -n "$TMP/want" | head -1 | cut -d' ' -f4)
rows | head -1 | awk -v p="$minp" '{ exit $(NF - 2) != p }' && pass "reversed: fewest packets first ($minp)" ||
	fail "reversed: $(rows | head -1)"
key r '>'; expect ">: the sort column moves right (RTT)" "Sorted by RTT"
key '>' '>'; expect ">: past retransmissions it wraps to unsorted" "Unsorted"

# ---- scrolling ----
key Down; expect "Down" "^ Connections 2-38 of $nwant "
key Up; expect "Up" "^ Connections 1-37 of $nwant "
key End; expect "End" "^ Connections $((nwant - 36))-$nwant of $nwant "
key Up; expect "Up from the end" "^ Connections $((nwant - 37))-$((nwant - 1)) of $nwant "
key Home; expect "Home" "^ Connections 1-37 of $nwant "
key NPage; expect "PgDn" "^ Connections 37-73 of $nwant |^ Connections $((nwant - 36))-$nwant of $nwant "
key PPage; expect "PgUp" "^ Connections 1-37 of $nwant "

# ---- help ----
key h; expect "h: help" "tcptrack keys"
expect "help lists the filter key" "filter: address, port, name, state, process"
expect "help tells the RTT column" "RTT +round trip, client to server and back"
key x
gone "tcptrack keys" && pass "any key closes the help" || fail "any key closes the help"
key '?'; expect "?: help" "tcptrack keys"
key Escape; gone "tcptrack keys"
# taller than 80x24: it scrolls, and says so
tm resize-window -x 80 -y 24
expect "80x24" "^ Connections 1-21 of $nwant "
key h; expect "80x24: the help says which of its lines show" "tcptrack keys \\(1-[0-9]+ of [0-9]+\\)"
expect "80x24: the help says how to scroll it" "PgUp PgDn scroll; any other key closes"
screen | grep -q "Retr +share of segments" && fail "80x24: the help's last line shows before scrolling"
key NPage; expect "80x24: PgDn shows the help's last line" "Retr +share of segments retransmitted"
key Up; expect "80x24: Up scrolls the help, it stays" "tcptrack keys \\([2-9]-"
key x; gone "tcptrack keys" && pass "80x24: another key closes the help" || fail "80x24: the help stays after x"
tm resize-window -x 120 -y 40
expect "back to 120x40" "^ Connections 1-37 of $nwant "

# ---- the display filter ----
n443=$(awk '$1 ~ /:443$/ || $2 ~ /:443$/' "$TMP/want" | wc -l)
key / 4 4; expect "typing a filter shows it" "^ Filter: 44 "
key 3; expect "the filter applies as it is typed" "$n443 of $nwant match"
key Enter; expect "Enter keeps the filter" "^ Connections 1-$n443 of $n443  \\($nwant in table\\)  Unpaused  Unsorted  Filter: 443"
bad=$(rows | grep -v '^ *$' | grep -vc ':443 ')
[ "$bad" = 0 ] && pass "every row shown has port 443" || fail "$bad rows without port 443"
key / z z z; expect "filter being typed" "^ Filter: 443zzz"
key Escape; expect "Esc cancels the edit" "^ Connections 1-$n443 of $n443 .*Filter: 443 "
key / C-u Enter
expect "an empty filter shows all" "^ Connections 1-37 of $nwant  Unpaused  Unsorted +h: help"
key / e s t a b Enter
nest=$(grep -c ESTABLISHED "$TMP/want")
expect "a state filters" "^ Connections 1-[0-9]+ of $nest .*Filter: estab"
key / C-u 1 0 . 0 . 0 . 0 / 8 Enter
expect "a prefix filters" "^ Connections 1-37 of $nwant .*Filter: 10.0.0.0/8"
key / C-u Enter

# ---- units ----
key b; wait_for ' b/s' 3
screen | grep -q ' b/s' && ! screen | grep -q ' B/s' && pass "b: rates in bits" || fail "b: $(screen | sed -n 2p)"
key b; wait_for ' B/s' 3
screen | grep -q ' B/s' && ! screen | grep -q ' b/s' && pass "b again: rates in bytes" || fail "b: $(screen | sed -n 2p)"

# ---- pause (the file is at its end: only the words change here) ----
key p; expect "p: Paused" "^ Connections 1-37 of $nwant  Paused  "
key p; expect "p: Unpaused" "^ Connections 1-37 of $nwant  Unpaused  "

# ---- o on a file: no processes; the status line says so until the next key ----
key o; expect "o on a file says why it does not sort" "Unpaused  No processes when reading a file: not sorted  Unsorted"
key C-l; gone "No processes" && pass "the next key clears the note" || fail "the note stays after ^L"

# ---- resize: columns go by priority, nothing wraps, nothing stays behind ----
screen > "$TMP/before"
tm resize-window -x 80 -y 40
expect "80 columns: tcptrack 1.x's columns" '^ Client +Server +State +Idle A +Rate$'
screen | awk 'length($0) > 80 { bad = 1 } END { exit bad }' && pass "80: no line wider" || fail "80: a line is wider"
# the sort keys offer only the columns on the screen
key '<'; expect "80: < from unsorted goes to Rate, the last column shown" "Sorted by rate"
key '>'; expect "80: > from Rate wraps to unsorted" "Unsorted"
key s s; expect "80: s to bytes, as tcptrack 1.x, no column for it either" "Sorted by bytes"
key s; expect "80: s to idle" "Sorted by idle"
key s; expect "80: s from idle goes back to unsorted, not to RTT off the screen" "Unsorted"
tm resize-window -x 60 -y 20
expect "60 columns: essentials" '^ Client +Server +State +A +Rate$'
expect "60x20: the rows follow the height" "^ Connections 1-17 of $nwant "
screen | awk 'length($0) > 60 { bad = 1 } END { exit bad }' && pass "60: no line wider" || fail "60: a line is wider"
tm resize-window -x 36 -y 12
expect "36 columns: addresses shortened visibly, ports whole" '^ [0-9.]+~[0-9.]+:[0-9]+ +[0-9.]+~[0-9.]+:[0-9]+ +[0-9.]+ [kMG]?B/s$'
screen | awk 'length($0) > 36 { bad = 1 } END { exit bad }' && pass "36: no line wider" || fail "36: a line is wider"
[ "$(rows | grep -Ec '^ [0-9.~]+:[0-9]+ +[0-9.~]+:[0-9]+ ')" = 9 ] && pass "36x12: one line per connection" || fail "36x12: rows: $(rows)"
tm resize-window -x 120 -y 40
i=0; while ! screen | cmp -s "$TMP/before" - && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
if screen | cmp -s "$TMP/before" -; then pass "back to 120x40: the same screen, no garbage"; else
	fail "after resizes the screen differs"; screen | diff "$TMP/before" - | head; fi

# ---- q gives the terminal back ----
key q
i=0; while [ ! -s "$EXIT" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$EXIT" 2>/dev/null)" = 0 ] && pass "q quits with status 0" || fail "q: exit status $(cat "$EXIT" 2>/dev/null)"
[ "$(tm display -p '#{alternate_on}')" = 0 ] && pass "q leaves the alternate screen" || fail "still on the alternate screen"
expect "the summary is printed on the restored terminal" "^tcptrack: [0-9]+ packets read"

# ---- closed connections and IPv6 on one row (6in4tunnel.pcap) ----
T6=$SHARED_DIR/pcaps/6in4tunnel.pcap
tt -c "$TMP/fast.conf" -T "$T6" -o "csv:mode=connections,file=$TMP/t6.csv" 2>/dev/null
awk -F, -v e="$endcol" 'NR > 1 && ($e == "exit" || $e == "open") {
	c = $3 ~ /:/ ? "[" $3 "]" : $3; s = $5 ~ /:/ ? "[" $5 "]" : $5
	print c ":" $4, s ":" $6, $7 }' "$TMP/t6.csv" | sort > "$TMP/want6"
n6=$(wc -l < "$TMP/want6")
nclosed=$(grep -Ec ' (CLOSED|RESET)$' "$TMP/want6")
view 120 30 -c "$TMP/fast.conf" -T "$T6"
wait_for "end of file reached" 20
rows | awk 'NF >= 3 { print $1, $2, $3 }' | sort > "$TMP/got6"
if cmp -s "$TMP/want6" "$TMP/got6"; then pass "IPv6 connections compressed, one row each"; else
	fail "IPv6 rows"; diff "$TMP/want6" "$TMP/got6"; fi
if [ "$nclosed" -gt 0 ]; then
	key c
	expect "c hides closed connections" "^ Connections 1-$((n6 - nclosed)) of $((n6 - nclosed))  \\($n6 in table\\) .*Closed hidden"
	rows | grep -Eq 'CLOSED|RESET' && fail "closed rows still shown" || pass "no CLOSED or RESET row shown"
	key c
	expect "c shows them again" "^ Connections 1-$n6 of $n6  Unpaused"
else
	fail "6in4tunnel.pcap: no closed connection left at its end to hide"
fi
key q

# ---- a paced replay (replay_speed 2): progress, pause, then the end held ----
printf '[core]\nreplay_speed = 2\n' > "$TMP/paced.conf"
view 120 30 -c "$TMP/paced.conf" -T "$SHARED_DIR/pcaps/reddit.pcap"
expect "paced replay shows its progress" "Reading reddit.pcap: [0-9]+%"
sleep 1.5
key p
expect "paused during the replay" "  Paused  "
rows > "$TMP/p1"
screen | tail -2 | head -1 > "$TMP/t1"
sleep 2
rows > "$TMP/p2"
screen | tail -2 | head -1 > "$TMP/t2"
status | grep -q "Paused" && cmp -s "$TMP/p1" "$TMP/p2" && pass "paused: the rows stay as they were" ||
	fail "paused rows changed"
# the total line too, its note of the file's progress with its sums
cmp -s "$TMP/t1" "$TMP/t2" && pass "paused: the total line stays: $(tr -s ' ' < "$TMP/t2")" ||
	fail "paused: the total line moved: $(cat "$TMP/t1" "$TMP/t2")"
key p
sleep 1
rows > "$TMP/p3"
cmp -s "$TMP/p2" "$TMP/p3" && fail "unpaused: rows still frozen" || pass "unpaused: the rows are current again"
expect "the end of the file is reached and said" "reddit.pcap: end of file reached"
sleep 1
[ ! -e "$EXIT" ] && pass "the final table stays until q" || fail "tcptrack exited at the end of the file"
key q
i=0; while [ ! -s "$EXIT" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$EXIT" 2>/dev/null)" = 0 ] && pass "q after the end: status 0" || fail "q after the end"

# ---- a paced replay of a pcapng of three link types (libpcap stops at the
# second; the view replayed through it, and called the file damaged) ----
printf '[core]\nreplay_speed = 1000\n' > "$TMP/paced-fast.conf"
view 120 20 -c "$TMP/paced-fast.conf" -T "$SHARED_DIR/pcaps/many_interfaces-1.pcapng"
expect "pcapng of three link types, paced: read to its end" "^ TOTAL +(many_interfaces-1.pcapng: )?end of file"
expect "pcapng of three link types, paced: its two connections" "^ Connections 1-2 of 2 "
key q
i=0; while [ ! -s "$EXIT" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$EXIT" 2>/dev/null)" = 0 ] && pass "pcapng of three link types, paced: status 0" ||
	fail "pcapng of three link types, paced: status $(cat "$EXIT" 2>/dev/null)"

# ---- a file cut short: the view says it was read up to the damage ----
head -c 1000000 "$MP" >"$TMP/cut.pcap"
view 120 20 -c "$TMP/fast.conf" -T "$TMP/cut.pcap"
expect "a damaged file is said so in the view" "cut.pcap: damaged, read up to the damage"
key q
i=0; while [ ! -s "$EXIT" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$EXIT" 2>/dev/null)" = 65 ] && pass "q after a damaged file: status 65" ||
	fail "q after a damaged file: status $(cat "$EXIT" 2>/dev/null)"

# ---- the columns stay while rows of other widths (IPv6) come and go ----
view 150 12 -c "$TMP/paced.conf" -o top:sort=rate -T "$SHARED_DIR/pcaps/reddit.pcap"
wait_for "Reading reddit.pcap" 10
: >"$TMP/heads"
for _ in $(seq 16); do screen | head -1 | tr -s ' ' >>"$TMP/heads"; sleep 0.5; done
# a header changes as wider endpoints first come, never back
changes=$(uniq "$TMP/heads" | wc -l)
distinct=$(sort -u "$TMP/heads" | wc -l)
[ "$changes" -eq "$distinct" ] &&
	pass "the columns stay as rows scroll by ($distinct header(s) in 16 frames)" ||
	fail "the columns came and went: $(uniq -c "$TMP/heads" | tr '\n' '|')"
key q

# ---- a full table: evictions are said ----
printf '[core]\nreplay_speed = 0\nmax_connections = 16\n' > "$TMP/small.conf"
tt -c "$TMP/small.conf" -T "$MP" -o "csv:mode=connections,file=$TMP/small.csv" 2>/dev/null
nev=$(awk -F, -v e="$endcol" '$e == "evicted"' "$TMP/small.csv" | wc -l)
view 120 30 -c "$TMP/small.conf" -T "$MP"
wait_for "end of file reached" 20
if [ "$nev" -gt 0 ]; then
	expect "the footer counts the evictions" "^ Connections 1-16 of 16  Unpaused  Evicted: $nev  Unsorted"
else
	fail "max_connections = 16 evicted nothing"
fi
key q

# ---- no terminal, bad keys ----
tt -o top -T "$MP" > "$TMP/out" 2> "$TMP/err"
st=$?
[ $st = 73 ] && grep -q "not a terminal" "$TMP/err" && pass "top on a file: refused, exit 73" ||
	fail "top on a non-terminal: exit $st: $(cat "$TMP/err")"
tt -o top:sort=sideways -T "$MP" > "$TMP/out" 2> "$TMP/err"
st=$?
[ $st = 78 ] && grep -q "sort" "$TMP/err" && pass "bad sort key: exit 78" || fail "bad sort: exit $st: $(cat "$TMP/err")"
printf '[core]\ntcp_health = no\n' > "$TMP/nohealth.conf"
tt -c "$TMP/nohealth.conf" -o top:sort=rtt -T "$MP" > "$TMP/out" 2> "$TMP/err"
st=$?
[ $st = 78 ] && grep -q "sort = rtt needs the TCP health measurement" "$TMP/err" &&
	pass "sort = rtt without tcp_health: exit 78" || fail "sort = rtt without health: exit $st: $(cat "$TMP/err")"

# ---- without TCP health: no RTT and Retr columns, nor their orders ----
printf '[core]\nreplay_speed = 0\ntcp_health = no\n' > "$TMP/nohealth.conf"
view 120 40 -c "$TMP/nohealth.conf" -T "$MP"
wait_for "end of file reached" 20
expect "tcp_health = no: the columns end with Packets" '^ Client +Server +State +Idle A +Rate +C->S +S->C +Payload +Packets$'
key s s s; expect "tcp_health = no: s to idle" "Sorted by idle"
key s; expect "tcp_health = no: s from idle goes back to unsorted" "Unsorted"
key '<'; expect "tcp_health = no: < from unsorted goes to packets" "Sorted by packets"
key h; expect "tcp_health = no: help" "tcptrack keys"
gone "RTT +round trip" && pass "tcp_health = no: the help leaves RTT out" || fail "tcp_health = no: the help tells RTT"
key q

# ---- the end of a file: a closed connection's rate goes to 0 ----
# one connection at 100 kB/s for 3 s, closed by FINs at the end; it stays
# shown (-r 60) after the file ends, at rate 0, as the TOTAL line
python3 "$TESTS_SRCDIR/make-rate.py" "$TMP/rate.pcap" 100000 10 3
view 120 10 -c "$TMP/fast.conf" -r 60 -T "$TMP/rate.pcap"
if wait_for "end of file reached" 20; then
	row=$(rows | grep ' CLOSED ')
	tot=$(screen | grep 'TOTAL')
	if echo "$row" | grep -Eq ' CLOSED +[0-9]+s [ *] +0 B/s +0 B/s +0 B/s ' &&
		echo "$tot" | grep -Eq ' 0 B/s +0 B/s +0 B/s '; then
		pass "at the end of the file, the closed connection's rates are 0"
	else
		fail "closed connection at the end of the file keeps a rate: $row / $tot"
	fi
else
	fail "rate.pcap: no end of file"
fi
key q
finish
