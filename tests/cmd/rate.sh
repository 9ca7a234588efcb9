#!/bin/sh
# A constant-rate flow in a crafted capture shows its true rate within 2%
# once one averaging window has passed, in normal and in fast (-f) mode;
# the rates run on the packet clock, so a file shows what the traffic had.
. "$TESTS_SRCDIR/lib.sh"
PROBE=$TESTS_BUILDDIR/.libs/probe.so
[ -f "$PROBE" ] || skip "probe plugin not built"
RATE=1000000   # bytes per second
python3 "$TESTS_SRCDIR/make-rate.py" "$TMP/rate.pcap" $RATE 1000 6 || fail "make-rate.py"

check() { # label first-time-to-check tcptrack-args...
	label=$1; t0=$2; shift 2
	tt "$@" -T "$TMP/rate.pcap" -o "$PROBE:file=$TMP/$label.out,interval=500000" 2>"$TMP/err" ||
		{ fail "$label: tcptrack: $(cat "$TMP/err")"; return; }
	# snapshots from one window and one tick after the flow started (the
	# first sample whose window lies wholly inside the flow) up to its
	# end: every one within 2% of the true rate
	awk -v r=$RATE -v t0=$t0 -v t1=1700000006500000 '
		$1 == "CONN" && $2 >= t0 && $2 <= t1 { n++; d = ($5 - r) / r; if (d < 0) d = -d;
			if (d > 0.02) { bad++; print "rate " $5 " at " $2 } }
		END { if (n < 4 || bad) { print n " snapshots, " bad+0 " off"; exit 1 } print n " snapshots within 2%" }' \
		"$TMP/$label.out" > "$TMP/res" && pass "$label: $(tail -n 1 "$TMP/res")" ||
		fail "$label: $(cat "$TMP/res")"
}
check normal 1700000002500000
check fast 1700000001700000 -f
# with -f the rate is refreshed more often than the window
n_fast=$(grep -c '^SNAP' "$TMP/fast.out")
[ "$n_fast" -ge 10 ] && pass "fast: $n_fast snapshots" || fail "fast: only $n_fast snapshots"
# a window of 2 s: the rate after the flow has run for 2 s is still exact
printf '[core]\naverage_window = 2s\n' > "$TMP/w2.conf"
check window2s 1700000003500000 -c "$TMP/w2.conf"
# beside an output that reads no rate (csv: TT_CAP_NO_RATES), rates are
# still sampled for the one that does
check with-csv 1700000002500000 -o "csv:mode=connections,file=$TMP/c.csv"
# the total in the snapshot equals the connection's
awk -v r=$RATE '$1 == "SNAP" && $2 >= 1700000003000000 && $2 <= 1700000006000000 {
	d = ($6 - r) / r; if (d < 0) d = -d; if (d > 0.02) { print "total " $6; exit 1 } }' "$TMP/normal.out" &&
	pass "total rate within 2%" || fail "total rate off"
finish
