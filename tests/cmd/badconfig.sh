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
# a good plugin cut short, as by a copy that did not finish
head -c 5000 "$TCPTRACK_PLUGIN_DIR/csv.so" >"$TMP/cut.so"
chmod 755 "$TMP/cut.so"

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

# a key in the wrong section: where it goes (a [core] key under an output
# was "did you mean 'file'?")
conf <<EOF
[output log]
plugin = csv
filter = port 80
EOF
refused "a [core] key in an output" "$f:3: key 'filter': " "a \[core\] key: it goes in the \[core\] section" -c "$f"
conf <<EOF
[core]
plugin = csv
EOF
refused "plugin in [core]" "$f:2: key 'plugin': " "goes in an \[output NAME\] section" -c "$f"

# values past what works: refused before anything starts (names_ptr_inflight
# = 1G passed the check, then the start ran out of memory, exit 71)
conf <<EOF
[core]
names_ptr_inflight = 1G
EOF
refused "names_ptr_inflight too large" "$f:2: key 'names_ptr_inflight': " "at most 65536" -c "$f"
conf <<EOF
[core]
max_connections = 99999999999999
EOF
refused "max_connections past the table" "$f:2: key 'max_connections': " "at most 4294967294" -c "$f"
conf <<EOF
[core]
snaplen = 100.5
EOF
refused "a count with a fraction" "$f:2: key 'snaplen': " "whole number" -c "$f"
conf <<EOF
[core]
refresh = 1M
EOF
refused "M as a unit of time" "$f:2: key 'refresh': " "M is not a unit of time" -c "$f"

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
plugin = $TMP/cut.so
EOF
refused "plugin cut short (no SIGBUS in dlopen)" "$f:2: key 'plugin': " "cut short \\(5000 bytes" -c "$f"

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

# ---- what is not a configuration file ----
refused "a directory as config" "$TMP: " "directory" -c "$TMP"
# a pipe without end and without newline: refused at a bound, in bounded
# memory (the limit would stop a runaway reader: 200 MB; AddressSanitizer
# reserves more than that for itself, so a sanitized build runs unlimited)
vlimit=200000
[ "${SANITIZED:-no}" = yes ] && vlimit=unlimited
for mode in run check; do
	arg=--check-config; [ $mode = run ] && arg="-T $TMP/empty.pcap"
	(ulimit -v $vlimit; timeout 20 "$TCPTRACK" -c /dev/zero $arg) >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = 78 ] && grep -q "/dev/zero: .*not a regular file" "$TMP/err" && pass "a device as config ($mode): $(cat "$TMP/err")" ||
		fail "a device as config ($mode): exit $rc: $(head -c 300 "$TMP/err")"
	(ulimit -v $vlimit; timeout 20 "$TCPTRACK" -c <(cat /dev/zero) $arg) >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = 78 ] && grep -q "line too long" "$TMP/err" && pass "endless line ($mode): $(cat "$TMP/err")" ||
		fail "endless line ($mode): exit $rc: $(head -c 300 "$TMP/err")"
	(ulimit -v $vlimit; timeout 20 "$TCPTRACK" -c <(yes '; a comment') $arg) >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = 78 ] && grep -q "too large" "$TMP/err" && pass "endless file ($mode): $(cat "$TMP/err")" ||
		fail "endless file ($mode): exit $rc: $(head -c 300 "$TMP/err")"
done
printf '[core]\nfilter = port 80\000 or port 443\n' >"$TMP/nul.conf"
chmod 644 "$TMP/nul.conf"
refused "a NUL byte in a value" "$TMP/nul.conf:2: " "NUL" -c "$TMP/nul.conf"
# a FIFO that everyone may write is refused as such a file is
rm -f "$TMP/ww.fifo"
mkfifo -m 666 "$TMP/ww.fifo"
chmod 666 "$TMP/ww.fifo"
for mode in run check; do
	arg=--check-config; [ $mode = run ] && arg="-T $TMP/empty.pcap"
	(printf '[core]\nsnaplen = 128\n' >"$TMP/ww.fifo" &)
	timeout 10 "$TCPTRACK" -c "$TMP/ww.fifo" $arg >"$TMP/out" 2>"$TMP/err"
	rc=$?
	exec 9<>"$TMP/ww.fifo"; exec 9>&- # let the writer go, were it left waiting
	[ $rc = 78 ] && grep -q "writable by everyone" "$TMP/err" && pass "world-writable FIFO ($mode)" ||
		fail "world-writable FIFO ($mode): exit $rc: $(cat "$TMP/err")"
done
# a byte order mark before [core] is not text
printf '\357\273\277[core]\nsnaplen = 128\n' >"$TMP/bom.conf"
chmod 644 "$TMP/bom.conf"
tt -c "$TMP/bom.conf" --check-config >"$TMP/out" 2>"$TMP/err" && [ ! -s "$TMP/err" ] &&
	pass "a byte order mark before [core] is accepted" || fail "BOM: $(cat "$TMP/err")"
printf '\357\273\277[core]\ncolour = red\n' >"$TMP/bom2.conf"
chmod 644 "$TMP/bom2.conf"
refused "after a byte order mark, the real mistake" "$TMP/bom2.conf:2: key 'colour': " "unknown" -c "$TMP/bom2.conf"

# ---- a mistyped key is told the nearest one ----
conf <<EOF
[core]
syn_timout = 10s
EOF
refused "mistyped [core] key" "$f:2: key 'syn_timout': " "did you mean 'syn_timeout'" -c "$f"
conf <<EOF
[output log]
plugin = csv
fiel = $TMP/a.csv
EOF
refused "mistyped plugin key" "$f:3: key 'fiel': " "did you mean 'file'" -c "$f"
refused "-o mistyped key" "-o csv" "did you mean 'mode'" -o "csv:mdoe=intervals"
tt -o "csv:colour=red" --check-config 2>"$TMP/err"
grep -q "did you mean" "$TMP/err" && fail "a far word is given a suggestion: $(cat "$TMP/err")" ||
	pass "no suggestion for a word far from every key"

# ---- control bytes of the config or argv reach the terminal escaped ----
printf '[core]\n\033]0;owned\007colour = red\n' >"$TMP/esc.conf"
chmod 644 "$TMP/esc.conf"
for args in "-c $TMP/esc.conf" "-o csv:$(printf '\033[2J')=1"; do
	tt $args --check-config >"$TMP/out" 2>"$TMP/err"
	if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$TMP/err"; then
		fail "control bytes echoed raw: $(od -c "$TMP/err" | head -3)"
	elif grep -q '\\x1b' "$TMP/err"; then
		pass "control bytes escaped: $(cat "$TMP/err")"
	else
		fail "control bytes: $(cat "$TMP/err")"
	fi
done

# ---- chroot, plugin_dir ----
conf <<EOF
[core]
chroot = $TMP
EOF
refused "chroot without a user" "$f:2: key 'chroot': " "needs a user" -c "$f"
conf <<EOF
[core]
plugin_dir = plugins/.libs
EOF
refused "relative plugin_dir" "$f:2: key 'plugin_dir': " "absolute" -c "$f"
(cd "$(dirname "$TCPTRACK_PLUGIN_DIR")" && TCPTRACK_PLUGIN_DIR=$(basename "$TCPTRACK_PLUGIN_DIR") \
	"$TCPTRACK" -o csv --check-config) >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 78 ] && grep -q "TCPTRACK_PLUGIN_DIR.*absolute" "$TMP/err" && pass "relative TCPTRACK_PLUGIN_DIR: refused" ||
	fail "relative TCPTRACK_PLUGIN_DIR: exit $rc: $(cat "$TMP/err")"

# ---- trust, as root (sshd's StrictModes) ----
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -p "$TMP/trust/open" "$TMP/trust/sticky" "$TMP/trust/theirs"
	chmod 777 "$TMP/trust/open"
	chmod 1777 "$TMP/trust/sticky"
	printf '[core]\nsnaplen = 128\n' >"$TMP/trust/nobody.conf"
	chown nobody "$TMP/trust/nobody.conf"
	refused "config owned by another user" "$TMP/trust/nobody.conf: " "owned by uid" -c "$TMP/trust/nobody.conf"
	grep -q "read a copy no one else may change: sudo install -m 644 FILE /.*/)" "$TMP/err" &&
		pass "the refusal says what to do" || fail "the refusal says nothing to do: $(cat "$TMP/err")"
	printf '[core]\nsnaplen = 128\n' >"$TMP/trust/open/c.conf"
	refused "config in a directory everyone may write" "$TMP/trust/open/c.conf: " \
		"in directory $TMP/trust/open, writable by everyone" -c "$TMP/trust/open/c.conf"
	printf '[core]\nsnaplen = 128\n' >"$TMP/trust/sticky/c.conf"
	tt -c "$TMP/trust/sticky/c.conf" --check-config >"$TMP/out" 2>"$TMP/err" &&
		pass "config in a sticky directory (as /tmp): accepted" || fail "sticky directory: $(cat "$TMP/err")"
	cp "$TCPTRACK_PLUGIN_DIR/csv.so" "$TMP/trust/open/csv.so"
	cp "$TCPTRACK_PLUGIN_DIR/csv.so" "$TMP/trust/theirs/csv.so"
	chown nobody "$TMP/trust/theirs/csv.so"
	conf <<EOF
[output x]
plugin = $TMP/trust/theirs/csv.so
EOF
	refused "plugin owned by another user" "$f:2: key 'plugin': " "owned by uid" -c "$f"
	conf <<EOF
[output x]
plugin = $TMP/trust/open/csv.so
EOF
	refused "plugin in a directory everyone may write" "$f:2: key 'plugin': " "in directory" -c "$f"
	chown nobody "$TMP/trust/sticky"
	refused "config below a directory another user owns" "$TMP/trust/sticky/c.conf: " "owned by uid" \
		-c "$TMP/trust/sticky/c.conf"
else
	echo "SKIP: trust as root (not root, or no user nobody)"
fi

# the same refusals for outputs given with -o (no file, no line)
refused "-o unknown plugin" "-o nosuchplugin" "nosuchplugin" -o nosuchplugin
refused "-o unknown key of a plugin" "-o csv" "colour" -o "csv:colour=red"
refused "-o bad plugin value" "-o csv" "sometimes" -o "csv:mode=sometimes"
refused "a view filter of more than 8 terms" "-o top: key 'filter': " "9 terms: at most 8" -o "top:filter=a b c d e f g h i"

# --check-config on a good configuration
conf <<EOF
[core
refresh = 1s
EOF
refused "a section header without ]" "$f:1: " "without '\]'" -c "$f"
conf <<EOF
[core] junk
EOF
refused "text after a section header" "$f:1: " "text after" -c "$f"
# indented lines are lines of their own, not continuations of the value
# before (blanks around keys are ignored): a key, a section
conf <<EOF
  [core]
  refresh = 1s
	fast_interval = 250ms
  [output indented]
    plugin = csv
    file = $TMP/indented.csv
EOF
tt -c "$f" --check-config >"$TMP/out" 2>"$TMP/err" && grep -q "OK (1 output)" "$TMP/out" &&
	pass "indented keys and sections: $(cat "$TMP/out")" || fail "indented lines: $(cat "$TMP/out" "$TMP/err")"

# out of range: the message gives the limit
conf <<EOF
[core]
refresh = 5ms
EOF
refused "a duration below its least" "$f:2: key 'refresh': " "too short \(at least 10ms\)" -c "$f"
conf <<EOF
[core]
names_ptr = sometimes
EOF
refused "names_ptr" "$f:2: key 'names_ptr': " "use auto, yes or no" -c "$f"

for r in bogus 127.0.0.1:99999 1.2.3.4: '[::1' '10.0.0.1,' 127.0.0.1:0 '[10.0.0.1]:53' '[::1]x' '[::1]'; do
	conf <<EOF
[core]
resolver = $r
EOF
	refused "resolver '$r'" "$f:2: key 'resolver': " "not a list of ADDR\[:PORT\]" -c "$f"
done
# a list of every form: ADDR:PORT, ADDR, [IPV6]:PORT and a bare IPv6 (c-ares
# takes no [IPV6] without a port)
conf <<EOF
[core]
resolver = 127.0.0.1:5353,10.0.0.1,[::1]:53,fe80::1:53
EOF
if tt -c "$f" --check-config >"$TMP/out" 2>"$TMP/err"; then
	pass "resolver: a list of every ADDR[:PORT] form is taken"
else
	fail "resolver: a list of every ADDR[:PORT] form refused: $(cat "$TMP/err")"
fi

conf <<EOF
[output log]
plugin = csv
group_by = server
EOF
refused "group_by without mode = intervals" "$f:3: output log" "group_by needs mode = intervals" -c "$f"
conf <<EOF
[output log]
plugin = csv
interval = 5m
EOF
refused "interval without mode = intervals" "$f:3: output log" "interval needs mode = intervals" -c "$f"
conf <<EOF
[output log]
plugin = csv
columns = pid process pid
EOF
refused "a column given twice" "$f:3: key 'columns'" "'pid' given twice" -c "$f"

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
