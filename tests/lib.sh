# Shared helpers for the shell tests; source it: . "$TESTS_SRCDIR/lib.sh"
# Exit 77 means skipped (automake).
set -u
: "${TCPTRACK:?run the tests with make check}"
: "${TESTS_SRCDIR:=$(d=$(cd "$(dirname "$0")" && pwd); while [ ! -f "$d/lib.sh" ] && [ "$d" != / ]; do d=$(dirname "$d"); done; echo "$d")}"
: "${SHARED_DIR:=$TESTS_SRCDIR/../../shared}"
export TCPTRACK_PLUGIN_DIR

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcptrack-test.XXXXXX")
cleanup_hooks=""
on_exit() { for h in $cleanup_hooks; do $h || true; done; rm -rf "$TMP"; }
trap on_exit EXIT
add_cleanup() { cleanup_hooks="$1 $cleanup_hooks"; }

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
finish() { [ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }; exit 0; }

need_shared() {
	[ -d "$SHARED_DIR/pcaps" ] || skip "shared test material not found at $SHARED_DIR (set SHARED_DIR)"
}
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

# wait_capturing ERRFILE [PID]: wait (up to 30 s: a sanitizer build on a
# loaded machine starts slowly) for the headless start line "capturing on",
# which tcptrack writes once its capture is open, its outputs are open and
# privileges are dropped: packets sent after it are counted.  Stops waiting
# when PID (if given) has exited.  0, or 1 after a FAIL line.
wait_capturing() {
	local i
	for i in $(seq 300); do
		grep -q 'capturing on' "$1" 2>/dev/null && return 0
		[ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'capturing on' "$1" 2>/dev/null && return 0 # (said, then gone)
	fail "no 'capturing on' in $1: $(head -c 500 "$1" 2>/dev/null)"
	return 1
}

# wait_tcp_listen NS [ADDR:]PORT...: wait (up to 10 s each) for a TCP
# listener on each PORT (on ADDR, when given) in network namespace NS (""
# for this one): a daemon (iperf3 -D) returns before it binds, and a client
# started beside a server may be first.  0, or 1 after a FAIL line.
wait_tcp_listen() {
	local ns=$1 p f i
	shift
	for p in "$@"; do
		case $p in *:*) f="src $p" ;; *) f="sport = :$p" ;; esac
		for i in $(seq 101); do
			if [ -n "$ns" ]; then ip netns exec "$ns" ss -Hltn "$f"; else ss -Hltn "$f"; fi | grep -q . && break
			[ "$i" = 101 ] && { fail "nothing listens on TCP $p${ns:+ in $ns}"; return 1; }
			sleep 0.1
		done
	done
	return 0
}

# tt ARGS...: run tcptrack from the build tree
tt() { "$TCPTRACK" "$@"; }

# feed_half CAPTURE ARGS...: start "tcptrack -T - ARGS..." in the background
# reading a FIFO (stderr to $TMP/err; its pid in FEED_PID) and write the
# first half of CAPTURE into it; feed_rest writes the rest and closes the
# FIFO, feed_close only closes it.
feed_half() {
	feed_cap=$1
	shift
	rm -f "$TMP/feed"
	mkfifo "$TMP/feed"
	"$TCPTRACK" -T - "$@" < "$TMP/feed" 2>"$TMP/err" &
	FEED_PID=$!
	exec 3>"$TMP/feed"
	feed_size=$(stat -c %s "$feed_cap")
	head -c $((feed_size / 2)) "$feed_cap" >&3
}
feed_rest() { tail -c +$((feed_size / 2 + 1)) "$feed_cap" >&3; exec 3>&-; }
feed_close() { exec 3>&-; }

# csv_sorted FILE: the rows of a connection log without header, sorted
csv_sorted() { tail -n +2 "$1" | LC_ALL=C sort; }
