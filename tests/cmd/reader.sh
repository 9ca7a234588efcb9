#!/bin/sh
# The block reader (core/pcapfile.c) reads classic pcap (and pcapng) files as libpcap
# does, reading ahead in a thread or not: for every capture, the connection log and the messages are the same
# byte for byte with TCPTRACK_READER=libpcap and with TCPTRACK_READER=pcapfile
# (which fails unless the block reader took the file).  Crafted captures
# cover both byte orders and resolutions, records across its blocks,
# snapshot lengths, and damage; the shared captures, real ones.
. "$TESTS_SRCDIR/lib.sh"
need_shared
need_cmd python3
python3 "$TESTS_SRCDIR/make-readercases.py" "$TMP" || { fail "make-readercases.py"; finish; }

# same FILE EXPECT [ARGS...]: EXPECT is "taken" or "libpcap" (the block
# reader must leave the file to libpcap)
same() {
	f=$1 expect=$2
	shift 2
	name=$(basename "$f")${1:+ $*}
	TCPTRACK_READER=libpcap tt -T "$f" -o "csv:mode=connections,file=$TMP/lib.csv" "$@" \
		>/dev/null 2>"$TMP/lib.err"
	lrc=$?
	TCPTRACK_READER=pcapfile tt -T "$f" -o "csv:mode=connections,file=$TMP/blk.csv" "$@" \
		>/dev/null 2>"$TMP/blk.err"
	brc=$?
	if [ "$expect" = libpcap ]; then
		if [ $lrc -eq 66 ] && [ $brc -eq 66 ] && cmp -s "$TMP/lib.err" "$TMP/blk.err"; then
			pass "$name: refused by libpcap on opening: $(cat "$TMP/blk.err")"
			return
		fi
		if [ $brc -eq 66 ] && grep -q "not a file for the block reader" "$TMP/blk.err"; then
			pass "$name: left to libpcap"
		else
			fail "$name: the block reader took it (exit $brc): $(cat "$TMP/blk.err")"
		fi
		# and by default it is read, by libpcap
		tt -T "$f" -o "csv:mode=connections,file=$TMP/def.csv" "$@" >/dev/null 2>"$TMP/def.err"
		if [ $? -eq $lrc ] && cmp -s "$TMP/lib.err" "$TMP/def.err" &&
		   { [ ! -f "$TMP/lib.csv" ] || cmp -s "$TMP/lib.csv" "$TMP/def.csv"; }; then
			pass "$name: read by libpcap by default"
		else
			fail "$name: the default read differs from libpcap's"
		fi
		rm -f "$TMP/lib.csv" "$TMP/def.csv"
		return
	fi
	if [ $lrc -ne $brc ]; then
		fail "$name: exit $lrc with libpcap, $brc with the block reader: $(cat "$TMP/blk.err")"
	elif ! cmp -s "$TMP/lib.err" "$TMP/blk.err"; then
		fail "$name: messages differ: libpcap '$(cat "$TMP/lib.err")' block reader '$(cat "$TMP/blk.err")'"
	elif ! cmp -s "$TMP/lib.csv" "$TMP/blk.csv"; then
		fail "$name: connection logs differ"
	else
		pass "$name: same log ($(($(wc -l < "$TMP/blk.csv") - 1)) connections) and messages: $(tail -n 1 "$TMP/blk.err")"
	fi
	rm -f "$TMP/lib.csv" "$TMP/blk.csv"
}

# with its read-ahead thread (the default) and without
printf '[core]\nread_ahead = no\n' > "$TMP/noahead.conf"
for c in big-le big-be ns-le ns-be over-snaplen snaplen0 cap-over-len huge-caplen \
         s64-huge s64-long cut-header cut-data header-only late-le late-be late-le-ns \
         late-be-ns oversnap-30 oversnap-500; do
	same "$TMP/$c.pcap" taken
	same "$TMP/$c.pcap" taken -c "$TMP/noahead.conf"
done
same "$TMP/big-le.pcap" taken "tcp port 80 and src net 10.0.3.0/24"
for f in "$TMP"/mangled-*.pcap; do
	same "$f" taken
done
same "$TMP/v2-3.pcap" libpcap

# damage is reported in the words libpcap uses, after every packet before it
TCPTRACK_READER=pcapfile tt -T "$TMP/cut-data.pcap" -o "csv:mode=connections,file=$TMP/cut.csv" \
	>/dev/null 2>"$TMP/cut.err"
if grep -q "truncated dump file; tried to read [0-9]* captured bytes, only got 30: read up to the damage (3000 packets)" "$TMP/cut.err"; then
	pass "cut-data: 3000 packets, then the damage"
else
	fail "cut-data: $(cat "$TMP/cut.err")"
fi

# the block reader takes version 2.4 of the classic format (magic and
# version in the file's byte order), libpcap the rest
taken=0
for f in "$SHARED_DIR"/pcaps/*.pcap; do
	case $(od -An -tx1 -N8 "$f" | tr -d ' \n') in
	d4c3b2a102000400|4d3cb2a102000400|a1b2c3d400020004|a1b23c4d00020004)
		same "$f" taken
		taken=$((taken + 1)) ;;
	*) same "$f" libpcap ;;
	esac
done
[ $taken -ge 30 ] && pass "$taken shared captures read by the block reader" ||
	fail "only $taken shared captures in the classic format"
# pcapng: taken where libpcap reads it whole (tests/cmd/pcapng.sh: the rest)
for f in "$SHARED_DIR"/pcaps/*.pcapng; do
	TCPTRACK_READER=libpcap tt -T "$f" -o "csv:mode=connections,file=$TMP/ng.csv" >/dev/null 2>"$TMP/ng.err"
	grep -q "read up to the damage" "$TMP/ng.err" || same "$f" taken
	rm -f "$TMP/ng.csv"
done
finish
