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

# a filter that compiles for the first interface's link type but not for a
# later one's: the filter's mistake, not damage (it exited 65, "read up to
# the damage", in the words of the internal '(...) or port 53')
MI=$SHARED_DIR/pcaps/many_interfaces-1.pcapng
F='ether host 00:11:22:33:44:55 or tcp'
tt -T "$MI" -o "csv:file=$TMP/mi.csv" "$F" >/dev/null 2>"$TMP/mi.err"
rc=$?
printf '[core]\nfilter = %s\n' "$F" >"$TMP/mi.conf"
tt -c "$TMP/mi.conf" -T "$MI" -o "csv:file=$TMP/mi.csv" >/dev/null 2>"$TMP/mi2.err"
rc2=$?
if [ $rc = 64 ] && [ $rc2 = 78 ] && grep -qF "filter '$F' does not compile for the link type 0 of interface id" "$TMP/mi.err" &&
   ! grep -q "damage\|port 53" "$TMP/mi.err" "$TMP/mi2.err"; then
	pass "a filter no later interface's link type takes: 64 (command line), 78 (file), in the user's words"
else
	fail "a filter a later interface's link type refuses: exit $rc, $rc2: $(head -n 1 "$TMP/mi.err")"
fi

# absurd stamps (2^63-1 us, the top bit alone; 2^64-1 and 2^63 seconds on
# an interface of a second's resolution) between ordinary ones: read at once
# by either reader, every packet counted (the clock's arithmetic overflowed:
# tcptrack spun, deaf to SIGTERM)
python3 - "$TMP/stamps" <<'EOF'
import struct, sys
def blk(t, b):
    b += b"\0" * (-len(b) % 4)
    return struct.pack("<II", t, 12 + len(b)) + b + struct.pack("<I", 12 + len(b))
def seg(c2s, flags, seq, ack, data=b""):
    a, b = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(data), 0, 0, 64, 6, 0, *((a, b) if c2s else (b, a)))
    ports = (40000, 80) if c2s else (80, 40000)
    return ip + struct.pack("!HHIIBBHHH", *ports, seq, ack, 0x50, flags, 65535, 0, 0) + data
def write(path, idb_opts, stamps):
    out = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += blk(1, struct.pack("<HHI", 101, 0, 0) + idb_opts)  # raw IP
    fr = [seg(1, 2, 100, 0), seg(0, 0x12, 500, 101), seg(1, 0x10, 101, 501),
          seg(1, 0x18, 101, 501, b"x" * 10), seg(0, 0x10, 501, 111), seg(1, 0x11, 111, 501)]
    for t, f in zip(stamps, fr):
        out += blk(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(f), len(f)) + f)
    open(path, "wb").write(out)
T = 1700000000
write(sys.argv[1] + "-us.pcapng", b"", [T * 10**6, 2**63 - 1, 1 << 63, T * 10**6 + 5, 2**63 - 1, T * 10**6 + 9])
write(sys.argv[1] + "-s.pcapng", struct.pack("<HHB3x", 9, 1, 0) + b"\0" * 4,
      [T, 2**64 - 1, T + 1, 1 << 63, T + 2, T + 3])
EOF
for f in us s; do
	for rd in pcapfile libpcap; do
		TCPTRACK_READER=$rd timeout -s KILL 30 "$TCPTRACK" -T "$TMP/stamps-$f.pcapng" \
			-o "csv:mode=connections,file=$TMP/st.csv" >/dev/null 2>"$TMP/st.err"
		rc=$?
		# (a jump of the clock past the timeouts ends the connection
		# there, as it would live: its later packets may make a row of
		# their own)
		pk=$(awk -F, 'NR > 1 { n += $8 + $11 } END { print n + 0 }' "$TMP/st.csv" 2>/dev/null)
		if [ $rc = 0 ] && [ "$pk" = 6 ]; then
			pass "absurd stamps ($f, $rd): read, the 6 packets counted"
		else
			fail "absurd stamps ($f, $rd): exit $rc, packets '$pk': $(tail -n 2 "$TMP/st.err")"
		fi
	done
done
finish
