# Shared helpers for the shell tests; source it: . "$TESTS_SRCDIR/lib.sh"
# Exit 77 means skipped (automake).
set -u
: "${TCPTRACK:?run the tests with make check}"
: "${TESTS_SRCDIR:=$(cd "$(dirname "$0")" && pwd)}"
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

# tt ARGS...: run tcptrack from the build tree
tt() { "$TCPTRACK" "$@"; }

# csv_sorted FILE: the rows of a connection log without header, sorted
csv_sorted() { tail -n +2 "$1" | LC_ALL=C sort; }
