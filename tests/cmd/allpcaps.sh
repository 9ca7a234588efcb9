#!/bin/sh
# Every shared capture, malformed ones included, runs to completion: exit 0
# (65 for one read up to damage, 66 for a file libpcap cannot open), a
# summary line, no crash.
. "$TESTS_SRCDIR/lib.sh"
need_shared
for f in "$SHARED_DIR"/pcaps/*.pcap "$SHARED_DIR"/pcaps/*.pcapng; do
	name=$(basename "$f")
	tt -T "$f" -o "csv:mode=connections,file=$TMP/out.csv" >/dev/null 2>"$TMP/err"
	rc=$?
	case $rc in
	0 | 65)
		if [ $rc -eq 65 ] && ! grep -q "read up to the damage" "$TMP/err"; then
			fail "$name: exit 65 but no damage told: $(cat "$TMP/err")"
		elif [ $rc -eq 0 ] && grep -q "read up to the damage" "$TMP/err"; then
			fail "$name: damage told, but exit 0"
		elif grep -q "packets read" "$TMP/err"; then
			pass "$name: $(grep 'packets read' "$TMP/err")"
		else
			fail "$name: no summary line"
		fi ;;
	66)
		if [ "$(wc -l < "$TMP/err")" -eq 1 ]; then
			pass "$name: refused in one line: $(cat "$TMP/err")"
		else
			fail "$name: exit 66 but not one line: $(cat "$TMP/err")"
		fi ;;
	*)
		fail "$name: exit $rc: $(tail -n 3 "$TMP/err")" ;;
	esac
done
# a file cut in the middle of a packet is read up to the damage
P=$SHARED_DIR/pcaps/many-protocols.pcap
head -c 1000000 "$P" > "$TMP/cut.pcap"
tt -T "$TMP/cut.pcap" -o "csv:mode=connections,file=$TMP/cut.csv" 2>"$TMP/err"
rc=$?
n=$(tail -n +2 "$TMP/cut.csv" | wc -l)
if [ $rc -eq 65 ] && grep -q "truncated" "$TMP/err" && [ "$n" -gt 0 ]; then
	pass "truncated file: warned, $n connections logged, exit 65"
else
	fail "truncated file: exit $rc, $n rows, stderr: $(cat "$TMP/err")"
fi
finish
