#!/bin/sh
# pcapng by the block reader (core/pcapfile.c).  On every capture libpcap reads whole (the shared
# ones, the goldens, and pcapng files made by tests/make-pcapng.py: both byte orders, time
# resolutions and offsets, enhanced, simple and obsolete packet blocks, several sections, other
# blocks and options between), both readers give the same packets byte for byte
# (tests/unit/readpkts), and tcptrack the same log and messages.  Files whose interfaces differ in
# link type or snapshot length, which libpcap 1.10 stops at, match tshark.
. "$TESTS_SRCDIR/lib.sh"
need_shared
need_cmd python3
READPKTS=$TESTS_BUILDDIR/unit/readpkts
[ -x "$READPKTS" ] || fail "no $READPKTS (make check builds it)"
python3 "$TESTS_SRCDIR/make-pcapng.py" "$TESTS_SRCDIR/golden" "$TMP/ng" || { fail "make-pcapng.py"; finish; }

# packets FILE: both readers' packets; libpcap's read whole: the same; else the block reader's
# go on from where libpcap stopped (tshark checks them below)
whole=0 stops=""
for f in "$SHARED_DIR"/pcaps/*.pcap "$SHARED_DIR"/pcaps/*.pcapng "$TESTS_SRCDIR"/golden/*.pcap "$TMP"/ng/*.pcapng; do
	"$READPKTS" libpcap "$f" >"$TMP/lib.txt"
	"$READPKTS" pcapfile "$f" >"$TMP/blk.txt"
	[ $? -eq 3 ] && continue # left to libpcap
	n=$(basename "$f")
	if tail -n 1 "$TMP/lib.txt" | grep -q '^end 0'; then
		if cmp -s "$TMP/lib.txt" "$TMP/blk.txt"; then
			whole=$((whole + 1))
		else
			fail "$n: the readers' packets differ: $(diff "$TMP/lib.txt" "$TMP/blk.txt" | head -n 3)"
		fi
	else
		k=$(($(wc -l <"$TMP/lib.txt") - 1))
		if [ "$(head -n "$k" "$TMP/lib.txt")" = "$(head -n "$k" "$TMP/blk.txt")" ]; then
			stops="$stops $f"
		else
			fail "$n: the block reader's first $k packets are not libpcap's"
		fi
	fi
done
pass "$whole captures read whole by libpcap: the same packets, byte for byte, from the block reader"

# tcptrack over the pcapng files libpcap reads whole: the same log and messages with either reader,
# reading ahead in a thread or not
printf '[core]\nread_ahead = no\n' >"$TMP/noahead.conf"
for f in "$TMP"/ng/*.pcapng "$SHARED_DIR"/pcaps/*.pcapng; do
	case " $stops " in *" $f "*) continue ;; esac
	for conf in "" "-c $TMP/noahead.conf"; do
		# shellcheck disable=SC2086 # conf is words
		TCPTRACK_READER=libpcap tt $conf -T "$f" -o "csv:mode=connections,file=$TMP/l.csv" >/dev/null 2>"$TMP/l.err"
		# shellcheck disable=SC2086
		TCPTRACK_READER=pcapfile tt $conf -T "$f" -o "csv:mode=connections,file=$TMP/b.csv" >/dev/null 2>"$TMP/b.err"
		if cmp -s "$TMP/l.csv" "$TMP/b.csv" && cmp -s "$TMP/l.err" "$TMP/b.err"; then
			pass "$(basename "$f")${conf:+ (read_ahead = no)}: same log and messages: $(tail -n 1 "$TMP/b.err")"
		else
			fail "$(basename "$f")${conf:+ (read_ahead = no)}: differs from libpcap: $(tail -n 1 "$TMP/b.err")"
		fi
	done
done

# the files libpcap stops at: every packet read, as tshark counts them
need_cmd tshark
ORACLE=$SHARED_DIR/checks/tshark-oracle
for f in $stops; do
	case $f in *.pcapng) ;; *) continue ;; esac # classic damage: tests/cmd/reader.sh
	n=$(basename "$f")
	tt -T "$f" -o "csv:mode=connections,file=$TMP/o.csv" >/dev/null 2>"$TMP/o.err"
	if grep -q damage "$TMP/o.err"; then
		fail "$n: $(tail -n 2 "$TMP/o.err" | head -n 1)"
	elif out=$(python3 "$ORACLE" "$f" "$TMP/o.csv" 2>&1); then
		pass "$n (libpcap stops): $(echo "$out" | tail -n 1); $(tail -n 1 "$TMP/o.err")"
	else
		fail "$n: $(echo "$out" | tail -n 3)"
	fi
done

# a filter, compiled for each interface's link type
tt -T "$TMP/ng/ng-multi.pcapng" -o "csv:mode=connections,file=$TMP/all.csv" >/dev/null 2>&1
tt -T "$TMP/ng/ng-multi.pcapng" -o "csv:mode=connections,file=$TMP/f.csv" "tcp port 80" >/dev/null 2>&1
want=$(csv_sorted "$TMP/all.csv" | awk -F, '$6 == 80')
if [ -n "$want" ] && [ "$(csv_sorted "$TMP/f.csv")" = "$want" ] &&
   [ "$(echo "$want" | cut -d, -f3 | sort -u | wc -l)" -ge 2 ]; then
	pass "ng-multi.pcapng 'tcp port 80': the port-80 rows of every link type"
else
	fail "ng-multi.pcapng 'tcp port 80': $(cat "$TMP/f.csv")"
fi
finish
