#!/bin/sh
# Per-connection packets, IP bytes and payload equal tshark's, for every
# shared capture the manifest marks for the oracle, in both CSV modes.
. "$TESTS_SRCDIR/lib.sh"
need_shared
need_cmd tshark
P=$SHARED_DIR/pcaps
ORACLE=$SHARED_DIR/checks/tshark-oracle
[ -x "$ORACLE" ] || [ -f "$ORACLE" ] || skip "no tshark-oracle in $SHARED_DIR/checks"

caps=$(awk -F'\t' 'NR > 1 && $NF == "yes" { print $2 }' "$P/MANIFEST.tsv")
[ -n "$caps" ] || fail "no capture marked for the oracle in MANIFEST.tsv"
for f in $caps; do
	for mode in connections intervals; do
		log=$TMP/$f.$mode.csv
		opts=mode=$mode
		[ $mode = intervals ] && opts=$opts,interval=1s
		if ! tt -T "$P/$f" -o "csv:$opts,file=$log" 2>"$TMP/err"; then
			fail "$f ($mode): tcptrack exited $?: $(cat "$TMP/err")"
			continue
		fi
		case $f in
		6in4tunnel.pcap)
			# the inner IPv6 connection is tracked; the shared oracle
			# counts 6in4 by its outer IPv4 header
			check="python3 $TESTS_SRCDIR/tshark-inner.py" ;;
		*)
			check="python3 $ORACLE" ;;
		esac
		if out=$($check "$P/$f" "$log" 2>&1); then
			pass "$f ($mode): $(echo "$out" | tail -n 1)"
		else
			fail "$f ($mode): $(echo "$out" | tail -n 5)"
		fi
	done
done
finish
