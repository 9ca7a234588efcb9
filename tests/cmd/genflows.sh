#!/bin/sh
# On synthetic captures with known truth (many interleaved connections,
# IPv6, VLAN, resets, short snap length), every connection's packets and
# payload in each direction equal the generator's, and each connection is
# one row of the connection log.
. "$TESTS_SRCDIR/lib.sh"
need_shared
GEN_SRC=$SHARED_DIR/bench/gen-flows.c
[ -f "$GEN_SRC" ] || skip "no $GEN_SRC"
${CC:-cc} -O2 -o "$TMP/gen-flows" "$GEN_SRC" || fail "gen-flows does not build"

run() { # name gen-flows-args...
	name=$1; shift
	"$TMP/gen-flows" "$@" -e "$TMP/$name.truth" > "$TMP/$name.pcap"
	if ! tt -T "$TMP/$name.pcap" -o "csv:mode=connections,file=$TMP/$name.csv" 2>"$TMP/$name.err"; then
		fail "$name: tcptrack failed: $(cat "$TMP/$name.err")"
		return
	fi
	if out=$(python3 "$TESTS_SRCDIR/truth.py" --rows "$TMP/$name.truth" "$TMP/$name.csv"); then
		pass "$name: $(echo "$out" | tail -n 1)"
	else
		fail "$name: $out"
	fi
	# the same through the interval log: nothing lost at boundaries
	tt -T "$TMP/$name.pcap" -o "csv:mode=intervals,interval=1s,file=$TMP/$name.int.csv" 2>/dev/null
	if out=$(python3 "$TESTS_SRCDIR/truth.py" "$TMP/$name.truth" "$TMP/$name.int.csv"); then
		pass "$name (intervals): $(echo "$out" | tail -n 1)"
	else
		fail "$name (intervals): $out"
	fi
}

run mixed -c 30000 -a 3000 -p 6 -6 30 -v 20 -r 10
run snap96 -c 30000 -a 3000 -p 6 -S 96
run one-at-a-time -c 2000 -a 1 -p 3
# every connection open at once: a connection's packets come about a second
# apart, and 1 in 200 final ACKs after the 2 s the view shows a closed one
run late-acks -c 100000 -a 100000 -p 1 -S 96
finish
