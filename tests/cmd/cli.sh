#!/bin/bash
# The command line: flags, exit statuses (tcptrack(8)), the filter
# expression, the default output, stdin, and one-line errors.
. "$TESTS_SRCDIR/lib.sh"
need_shared
P=$SHARED_DIR/pcaps

expect_exit() { # status label command...
	want=$1 label=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ $got -ne "$want" ]; then
		fail "$label: exit $got, want $want ($(head -c 300 "$TMP/err"))"
	elif [ "$want" -ne 0 ] && [ "$(wc -l < "$TMP/err")" -ne 1 ]; then
		fail "$label: exit $got but not one line: $(cat "$TMP/err")"
	else
		pass "$label: exit $got"
	fi
}

expect_exit 0 "-h" tt -h
for f in -d -f -p -q -r -c -o -Z -T -i -h -v; do
	grep -q -- "^ *$f" "$TMP/out" || fail "-h does not describe $f"
done
expect_exit 0 "-v" tt -v
grep -q "^tcptrack [0-9]" "$TMP/out" && pass "-v prints the version" || fail "-v: $(cat "$TMP/out")"
expect_exit 64 "unknown flag" tt -X
expect_exit 64 "-T and -i together" tt -T "$P/kday2.pcap" -i lo
expect_exit 66 "missing capture file" tt -T "$TMP/none.pcap"
expect_exit 66 "unreadable capture file" tt -T "$P/pcap-invalid-version-1.pcap"
expect_exit 64 "bad -r" tt -r soon -T "$P/kday2.pcap"
expect_exit 64 "bad filter" tt -T "$P/kday2.pcap" port nonsense-port-name
expect_exit 78 "bad -o" tt -T "$P/kday2.pcap" -o "csv:mode"
# an empty value is no value (-i "$IF" with IF unset must not capture on
# the default interface, -Z "" not keep root)
for f in -i -Z -T -c -o; do
	expect_exit 64 "an empty $f" tt "$f" ""
	grep -q "option $f needs a value" "$TMP/err" || fail "an empty $f: $(cat "$TMP/err")"
done
# the default output, which no -o named: its mistakes do not name an -o
env -u TCPTRACK_PLUGIN_DIR "$TCPTRACK" -T "$P/kday2.pcap" >"$TMP/out" 2>"$TMP/err"
grep -q "^tcptrack: the default output (csv: no -o and no \[output\] given): key 'plugin': unknown plugin 'csv'" "$TMP/err" ||
	grep -q "configuration OK\|packets read" "$TMP/err" &&
	pass "the default output is named so: $(head -1 "$TMP/err")" || fail "the default output: $(cat "$TMP/err")"
# a long option given a value it does not take is named as given
for f in check-config help version; do
	expect_exit 64 "--$f=x" tt "--$f=x"
	grep -q "option --$f takes no value" "$TMP/err" || fail "--$f=x: $(cat "$TMP/err")"
done

# the filter expression: only connections it matches are counted
tt -T "$P/many-protocols.pcap" -o "csv:file=$TMP/all.csv" 2>/dev/null
tt -T "$P/many-protocols.pcap" -o "csv:file=$TMP/443.csv" port 443 2>/dev/null
n_all=$(tail -n +2 "$TMP/all.csv" | wc -l)
n_443=$(tail -n +2 "$TMP/443.csv" | wc -l)
others=$(tail -n +2 "$TMP/443.csv" | awk -F, '$4 != 443 && $6 != 443' | wc -l)
if [ "$n_443" -gt 0 ] && [ "$n_443" -lt "$n_all" ] && [ "$others" -eq 0 ]; then
	pass "filter 'port 443': $n_443 of $n_all connections"
else
	fail "filter 'port 443': $n_443 of $n_all, $others not on port 443"
fi
# a filter on a VLAN-tagged capture still finds TCP (the core filters TCP
# itself rather than adding 'tcp' to the expression, which misses tagged frames)
tt -T "$P/ultrasurf.pcap" -o "csv:file=$TMP/vlan.csv" vlan 2>/dev/null
[ "$(tail -n +2 "$TMP/vlan.csv" | wc -l)" -eq 3 ] && pass "filter on VLAN capture" ||
	fail "filter on VLAN capture: $(cat "$TMP/vlan.csv")"

# without outputs and with stdout not a terminal: a connection log on stdout
tt -T "$P/tcp-handshake-reorder.pcap" > "$TMP/stdout.csv" 2>/dev/null
head -n 1 "$TMP/stdout.csv" | grep -q "^first_seen,last_seen,client" &&
	[ "$(wc -l < "$TMP/stdout.csv")" -eq 2 ] && pass "default output: CSV on stdout" ||
	fail "default output: $(cat "$TMP/stdout.csv")"

# -T - reads standard input
tt -T - -o "csv:file=$TMP/stdin.csv" < "$P/tcp-handshake-reorder.pcap" 2>/dev/null
cmp -s <(tail -n +2 "$TMP/stdin.csv") <(tail -n +2 "$TMP/stdout.csv") 2>/dev/null ||
	diff <(tail -n +2 "$TMP/stdin.csv") <(tail -n +2 "$TMP/stdout.csv") >/dev/null
[ $? -eq 0 ] && pass "-T - reads stdin" || fail "-T - differs from the file"

# -d: connections picked up mid-stream are not tracked
tt -T "$P/quickplay.pcap" -o "csv:file=$TMP/all.csv" 2>/dev/null
tt -d -T "$P/quickplay.pcap" -o "csv:file=$TMP/d.csv" 2>/dev/null
n_all=$(tail -n +2 "$TMP/all.csv" | wc -l); n_d=$(tail -n +2 "$TMP/d.csv" | wc -l)
[ "$n_d" -lt "$n_all" ] && pass "-d: $n_d of $n_all connections" || fail "-d: $n_d of $n_all"

# the summary line on stderr at the end of a file
tt -T "$P/alexa-app.pcapng" -o "csv:file=/dev/null" 2>"$TMP/err"
grep -q "^tcptrack: 3103 packets read, [0-9]* TCP, [0-9]* connections; not counted: .*non-TCP" "$TMP/err" &&
	pass "summary line" || fail "summary line: $(cat "$TMP/err")"

# --check-config validates and exits without capturing
printf '[core]\nrefresh = 2s\n[output log]\nplugin = csv\nmode = intervals\n' > "$TMP/ok.conf"
expect_exit 0 "--check-config on a good file" tt -c "$TMP/ok.conf" --check-config

# a filter of blanks only is no filter, as an empty one (it was '(   ) or port 53': exit 64)
tt -T "$P/alexa-app.pcapng" -o "csv:file=$TMP/blank.csv" '   ' 2>"$TMP/err"
rc=$?
[ $rc = 0 ] && grep -q "3103 packets read" "$TMP/err" &&
	pass "a filter of blanks: none" || fail "a filter of blanks: exit $rc: $(cat "$TMP/err")"
# options after the filter's words, as tcptrack 1.x and tcpdump take them;
# -- ends the options
tt -T "$P/quickplay.pcap" -o "csv:file=$TMP/f80.csv" port 80 2>/dev/null
tt -T "$P/quickplay.pcap" port 80 -o "csv:file=$TMP/after.csv" 2>"$TMP/err"
rc=$?
[ $rc = 0 ] && [ -s "$TMP/after.csv" ] && cmp -s "$TMP/f80.csv" "$TMP/after.csv" &&
	pass "options after the filter: the same run as before it" ||
	fail "options after the filter: exit $rc: $(cat "$TMP/err")"
tt -T "$P/quickplay.pcap" -o "csv:file=$TMP/dd.csv" -- port 80 2>"$TMP/err"
rc=$?
[ $rc = 0 ] && cmp -s "$TMP/f80.csv" "$TMP/dd.csv" && pass "-- ends the options" || fail "--: exit $rc: $(cat "$TMP/err")"

# the default configuration file, read without -c: its settings and views,
# not its other outputs (a service's: its unit names the file with -c).
# Tried in a mount namespace of its own, with a tmpfs over sysconfdir, so
# that the system's directory is not touched.
etc=$(tt -h 2>&1 | sed -n 's|.*default \(/[^ ]*\)/tcptrack.conf when.*|\1|p')
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && [ -d "$etc" ] &&
	unshare -m true 2>/dev/null; then
	export TCPTRACK TCPTRACK_PLUGIN_DIR
	cap=$P/quickplay.pcap
	in_etc() { # CONFIG-TEXT COMMAND...: run with CONFIG-TEXT as the default file
		local text=$1; shift
		unshare -m sh -c 'mount -t tmpfs tmpfs "$1" && printf "%s" "$2" > "$1/tcptrack.conf" && shift 2 && exec "$@"' \
			sh "$etc" "$text" "$@"
	}
	conf=$(printf '[core]\ntcp_health = no\n[output log]\nplugin = csv\nmode = connections\nfile = %s\n' "$TMP/service.csv")
	in_etc "$conf" "$TCPTRACK" -T "$cap" > "$TMP/def.out" 2> "$TMP/def.err"
	rc=$?
	ncols=$(awk -F, 'NR == 2 { print $15 "|" $23 }' "$TMP/def.out")
	if [ $rc = 0 ] && [ ! -e "$TMP/service.csv" ] && grep -q "^first_seen," "$TMP/def.out" &&
		[ "$ncols" = "|" ] && grep -q "not starting the 1 output of $etc/tcptrack.conf (log): .*run with -c $etc/tcptrack.conf" "$TMP/def.err"; then
		pass "default file without -c: its settings (tcp_health = no) apply, its csv output is not started, and it says so"
	else
		fail "default file without -c: exit $rc, service.csv $([ -e "$TMP/service.csv" ] && echo made || echo absent), health cells '$ncols': $(head -c 300 "$TMP/def.err")"
	fi
	in_etc "$conf" "$TCPTRACK" -q -T "$cap" > /dev/null 2> "$TMP/def.err"
	grep -q "not starting" "$TMP/def.err" && fail "-q: the note is still printed" || pass "-q: no note"
	in_etc "$conf" "$TCPTRACK" -c "$etc/tcptrack.conf" -T "$cap" > "$TMP/def.out" 2> "$TMP/def.err"
	rc=$?
	[ $rc = 0 ] && [ -s "$TMP/service.csv" ] && [ ! -s "$TMP/def.out" ] && ! grep -q "not starting" "$TMP/def.err" &&
		pass "the same file named with -c: its output runs" ||
		fail "-c the default file: exit $rc, service.csv $(wc -l < "$TMP/service.csv" 2>&1): $(head -c 300 "$TMP/def.err")"
	# its views stay (settings of the view); --check-config checks its
	# outputs all the same
	in_etc "$(printf '[output log]\nplugin = csv\nfile = %s\nmode = nope\n' "$TMP/x.csv")" \
		"$TCPTRACK" --check-config > /dev/null 2> "$TMP/def.err"
	rc=$?
	[ $rc = 78 ] && grep -q "mode" "$TMP/def.err" && pass "--check-config without -c checks the default file's outputs too" ||
		fail "--check-config of the default file: exit $rc: $(cat "$TMP/def.err")"
	in_etc "$(printf '[output view]\nplugin = top\nsort = nope\n')" "$TCPTRACK" -T "$cap" > /dev/null 2> "$TMP/def.err"
	rc=$?
	[ $rc = 78 ] && grep -q "sort" "$TMP/def.err" && pass "the default file's view is kept (its bad sort is refused)" ||
		fail "the default file's top output: exit $rc: $(cat "$TMP/def.err")"
else
	echo "SKIP: the default configuration file (needs root, unshare and $etc)"
fi
finish
