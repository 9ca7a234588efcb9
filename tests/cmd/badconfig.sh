#!/bin/bash
# Bad configurations through the real binary (tcptrack(8), tcptrack.conf(5), tcptrack-plugin(7)): each
# is refused before any capture starts, with exit 78 and exactly one line on
# stderr naming the file and line (the file alone when there is no line);
# --check-config refuses the same, and passes a good configuration.
. "$TESTS_SRCDIR/lib.sh"
CC=${CC:-cc}
need_cmd "${CC%% *}"

# An empty capture: a configuration wrongly accepted ends at once.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' \
	>"$TMP/empty.pcap"

# The broken plugins, built from tests/plugins/.
for p in nosym abi2 short; do
	if $CC -shared -fPIC -I"$TESTS_SRCDIR/../include" -o "$TMP/$p.so" "$TESTS_SRCDIR/testplugins/$p.c" \
		2>"$TMP/cc.err"; then
		chmod 755 "$TMP/$p.so"
	else
		fail "building tests/plugins/$p.c: $(cat "$TMP/cc.err")"
	fi
done
# a file that is no shared object, a directory, and a world-writable copy of
# a good plugin
echo "not a shared object" >"$TMP/garbage.so"
chmod 755 "$TMP/garbage.so"
mkdir -p "$TMP/dir.so" "$TMP/ww"
cp "$TCPTRACK_PLUGIN_DIR/csv.so" "$TMP/ww/csv.so"
chmod 777 "$TMP/ww/csv.so"

# refused LABEL WHERE WORDS ARGS...: tcptrack ARGS exits 78, prints nothing
# on stdout and exactly one line on stderr, which contains WHERE (fixed
# text: "FILE:LINE: key 'K': ") and matches WORDS (an extended regex, any
# case).  Run twice: as a capture of the empty file, and with --check-config.
refused() {
	local label=$1 where=$2 words=$3 mode rc nl
	shift 3
	for mode in run check; do
		if [ $mode = run ]; then
			tt "$@" -T "$TMP/empty.pcap" >"$TMP/out" 2>"$TMP/err"
		else
			tt "$@" --check-config >"$TMP/out" 2>"$TMP/err"
		fi
		rc=$?
		nl=$(awk 'END { print NR }' "$TMP/err")
		if [ $rc -ne 78 ]; then
			fail "$label ($mode): exit $rc, want 78: $(head -c 400 "$TMP/err")"
		elif [ "$nl" -ne 1 ]; then
			fail "$label ($mode): $nl lines on stderr, want 1: $(head -c 400 "$TMP/err")"
		elif ! grep -qF -- "$where" "$TMP/err"; then
			fail "$label ($mode): does not name \"$where\": $(cat "$TMP/err")"
		elif ! grep -qiE -- "$words" "$TMP/err"; then
			fail "$label ($mode): no /$words/ in: $(cat "$TMP/err")"
		elif [ -s "$TMP/out" ]; then
			fail "$label ($mode): wrote on stdout: $(head -c 200 "$TMP/out")"
		else
			pass "$label ($mode): $(cat "$TMP/err")"
		fi
	done
}

# conf: the configuration on stdin, into a new file $f (mode 644).
n=0
conf() {
	n=$((n + 1))
	f=$TMP/c$n.conf
	cat >"$f"
	chmod 644 "$f"
}

conf <<EOF
[core]
snaplen = 128
colour = red
EOF
refused "unknown key in [core]" "$f:3: key 'colour': " "unknown" -c "$f"

conf <<EOF
[core]
; the handshake
syn_timeout = 30 seconds
EOF
refused "bad duration" "$f:3: key 'syn_timeout': " "duration" -c "$f"

conf <<EOF
[output log]
plugin = nosuchplugin
EOF
refused "unknown plugin" "$f:2: key 'plugin': " "nosuchplugin" -c "$f"

refused "missing config file" "/nonexistent/tcptrack.conf" "no such file|cannot open|not found" \
	-c /nonexistent/tcptrack.conf

conf <<EOF
[output x]
; a shared object without the symbol
plugin = $TMP/nosym.so
EOF
refused "plugin without the tcptrack_plugin symbol" "$f:3: key 'plugin': " "tcptrack_plugin" -c "$f"

conf <<EOF
[output x]
plugin = $TMP/abi2.so
EOF
refused "plugin of another ABI major" "$f:2: key 'plugin': " "ABI" -c "$f"

conf <<EOF
[output x]
plugin = $TMP/short.so
EOF
refused "plugin descriptor too short" "$f:2: key 'plugin': " "short" -c "$f"

conf <<EOF
[output x]
plugin = $TMP/garbage.so
EOF
refused "plugin that is no shared object" "$f:2: key 'plugin': " "load|ELF|invalid" -c "$f"

conf <<EOF
[output x]
plugin = $TMP/dir.so
EOF
refused "plugin path that is a directory" "$f:2: key 'plugin': " "regular" -c "$f"

conf <<EOF
[output log]
plugin = csv
file = $TMP/a.csv

[output log]
plugin = csv
file = $TMP/b.csv
EOF
refused "duplicate output name" "$f:5: " "duplicate" -c "$f"

conf <<EOF
[output log]
plugin = csv
file = $TMP/a.csv
colour = red
EOF
refused "unknown key of a plugin" "$f:4: key 'colour': " "unknown" -c "$f"

conf <<EOF
[output log]
plugin = csv
mode = sometimes
file = $TMP/a.csv
EOF
refused "bad plugin value" "$f:3: key 'mode': " "sometimes" -c "$f"

conf <<EOF
[output log]
plugin = plugins/csv.so
EOF
refused "relative plugin path" "$f:2: key 'plugin': " "absolute" -c "$f"

conf <<EOF
[output log]
plugin = ./csv.so
EOF
refused "relative plugin path ./" "$f:2: key 'plugin': " "absolute" -c "$f"

conf <<EOF
[output log]
plugin = $TMP/ww/csv.so
file = $TMP/a.csv
EOF
refused "world-writable plugin" "$f:2: key 'plugin': " "writable" -c "$f"

conf <<EOF
[core]
snaplen = 128
EOF
chmod 666 "$f"
refused "world-writable config file" "$f" "writable" -c "$f"

# the same refusals for outputs given with -o (no file, no line)
refused "-o unknown plugin" "-o nosuchplugin" "nosuchplugin" -o nosuchplugin
refused "-o unknown key of a plugin" "-o csv" "colour" -o "csv:colour=red"
refused "-o bad plugin value" "-o csv" "sometimes" -o "csv:mode=sometimes"

# --check-config on a good configuration
conf <<EOF
[core]
snaplen = 128
syn_timeout = 10s
detect_existing = no

[output minute-log]
plugin = csv
mode = intervals
interval = 10s
file = $TMP/good.csv

[output exits]
plugin = csv
mode = connections
file = $TMP/good2.csv
EOF
tt -c "$f" --check-config >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$TMP/err" ]; then
	pass "--check-config on a good config: exit 0 ($(cat "$TMP/out"))"
else
	fail "--check-config on a good config: exit $rc: $(cat "$TMP/err")"
fi
finish
