#!/bin/bash
# Reading captures is clean under valgrind: no invalid read or write, no
# use of uninitialised memory, no leak, on every shared and golden capture.
. "$TESTS_SRCDIR/lib.sh"
need_shared
need_cmd valgrind
[ "${SANITIZED:-no}" = yes ] && skip "built with sanitizers (valgrind cannot run them)"
VG="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect"
for f in "$SHARED_DIR"/pcaps/*.pcap "$SHARED_DIR"/pcaps/*.pcapng "$TESTS_SRCDIR"/golden/*.pcap; do
	$VG "$TCPTRACK" -T "$f" -o "csv:mode=connections,file=$TMP/c.csv" \
		-o "csv:mode=intervals,interval=1s,group_by=server,file=$TMP/i.csv" >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc -eq 9 ] || grep -q "==[0-9]*==" "$TMP/err"; then
		fail "$(basename "$f"): valgrind: $(grep "==" "$TMP/err" | head -n 20)"
	else
		pass "$(basename "$f"): clean (exit $rc)"
	fi
done
finish
