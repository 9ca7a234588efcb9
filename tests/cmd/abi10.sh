#!/bin/bash
# A plugin built against the header of ABI 1.0 (tests/testplugins/abi-1.0, the
# header as tcptrack 2.0.0 installed it) still loads into this tcptrack and
# works: probe10 (tests/testplugins/probe.c built against that header) writes,
# for every golden capture and the shared ones, exactly what probe (the same
# source built against the current header) writes in the same run: the same
# events, snapshots, rates and connections.
. "$TESTS_SRCDIR/lib.sh"
P=$TESTS_BUILDDIR/.libs/probe.so
P10=$TESTS_BUILDDIR/.libs/probe10.so
[ -f "$P" ] && [ -f "$P10" ] || skip "test plugins not built"
grep -q '^#define TT_ABI_MINOR 0$' "$TESTS_SRCDIR/testplugins/abi-1.0/tcptrack/plugin.h" &&
	pass "the frozen header is ABI 1.0" || fail "tests/testplugins/abi-1.0/tcptrack/plugin.h is not ABI 1.0"

caps=("$TESTS_SRCDIR"/golden/*.pcap)
[ -d "$SHARED_DIR/pcaps" ] && caps+=("$SHARED_DIR"/pcaps/*.pcap)
n=0
for cap in "${caps[@]}"; do
	name=$(basename "$cap")
	rm -f "$TMP/10.out" "$TMP/11.out"
	# some shared captures are damaged on purpose: whatever tcptrack makes
	# of them, both plugins get the same
	tt -T "$cap" -o "$P10:file=$TMP/10.out,interval=500000" -o "$P:file=$TMP/11.out,interval=500000" \
		2>"$TMP/err"
	if [ ! -e "$TMP/10.out" ] && [ ! -e "$TMP/11.out" ]; then
		continue # not a capture tcptrack reads: no output opened
	fi
	if ! cmp -s "$TMP/10.out" "$TMP/11.out"; then
		fail "$name: the 1.0 plugin wrote otherwise: $(diff "$TMP/10.out" "$TMP/11.out" | head -n 5)"
		continue
	fi
	grep -q '^EV ' "$TMP/10.out" && n=$((n + 1))
done
[ "$n" -ge 10 ] && pass "the 1.0 plugin wrote the same as the current one on every capture ($n with events)" ||
	fail "only $n captures with events"
# with -f (a tick shorter than the window): the same rates
cap=$TESTS_SRCDIR/golden/handshake_data.pcap
tt -f -T "$cap" -o "$P10:file=$TMP/10.out,interval=100000" -o "$P:file=$TMP/11.out,interval=100000" 2>"$TMP/err" &&
	cmp -s "$TMP/10.out" "$TMP/11.out" && grep -q '^CONN ' "$TMP/10.out" &&
	pass "-f: the same snapshots and rates" || fail "-f: $(diff "$TMP/10.out" "$TMP/11.out" | head -n 5)"
finish
