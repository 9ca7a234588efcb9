#!/bin/bash
# The plugin SDK, as a third party uses it: `make install DESTDIR=...' puts
# the header and tcptrack-plugin.pc in place, the example plugin
# (plugins/example) builds against them alone, without a warning, exports
# one symbol, installs into the pc file's plugindir (where make install put
# the shipped plugins), loads into the installed tcptrack by absolute path
# and by name, and writes one valid JSON object per connection: the same
# connections and counts as the csv log of the same run, the input's name
# escaped.  Then `make uninstall' (and the example's) leaves no file.
. "$TESTS_SRCDIR/lib.sh"
CC=${CC:-cc}
need_cmd "${CC%% *}"
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
need_cmd "$PKG_CONFIG"
need_cmd python3
MAKE=${MAKE:-make}
need_cmd "${MAKE%% *}"
top_builddir=$(cd "$TESTS_BUILDDIR/.." && pwd)
top_srcdir=$(cd "$TESTS_SRCDIR/.." && pwd)
root=$TMP/root

# Captures: public ones from the shared folder (IPv4 and IPv6), else two of
# the distributed golden captures, so that the SDK is also checked from the
# tarball (make distcheck).
if [ -d "$SHARED_DIR/pcaps" ]; then
	caps=("$SHARED_DIR/pcaps/many-protocols.pcap" "$SHARED_DIR/pcaps/four_ipv6_http_streams.pcap")
else
	echo "NOTE: no shared captures at $SHARED_DIR: using tests/golden"
	caps=("$TESTS_SRCDIR/golden/handshake_data.pcap" "$TESTS_SRCDIR/golden/ipv6_ext.pcap")
fi

# a make of its own, not a sub-make of the one running the tests; with
# VAR=value arguments first for its environment
inner_make() {
	local vars=()
	while [ $# -gt 0 ] && [[ $1 == [A-Z]*=* ]]; do vars+=("$1"); shift; done
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PKG_CONFIG_SYSROOT_DIR "${vars[@]}" $MAKE "$@"
}

if inner_make -C "$top_builddir" install DESTDIR="$root" >"$TMP/install.log" 2>&1; then
	pass "make install DESTDIR=..."
else
	tail -n 20 "$TMP/install.log"
	fail "make install DESTDIR=... failed"
	finish
fi

pc=$(find "$root" -name tcptrack-plugin.pc)
hdr=$(find "$root" -path '*/include/tcptrack/plugin.h')
bin=$(find "$root" -path '*/bin/tcptrack' -type f)
if [ -z "$pc" ] || [ -z "$hdr" ] || [ -z "$bin" ] || [ "$(echo "$pc" | wc -l)" -ne 1 ]; then
	fail "installed: pc '$pc', header '$hdr', binary '$bin'"
	finish
fi
pass "installed: ${hdr#$root}, ${pc#$root}, ${bin#$root}"
# what else make install puts in place (the whole package)
missing=""
for f in '*/man8/tcptrack.8' '*/man5/tcptrack.conf.5' '*/man7/tcptrack-plugin.7' \
	'*/etc/tcptrack.conf.sample' '*/tcptrack/examples/view.conf' '*/tcptrack/examples/logger.conf' \
	'*/tcptrack/examples/alerts.conf' '*/systemd/system/tcptrack.service' '*/logrotate.d/tcptrack'; do
	[ -n "$(find "$root" -path "$f" -type f)" ] || missing="$missing $f"
done
for so in "$TCPTRACK_PLUGIN_DIR"/*.so; do
	[ -e "$so" ] || continue
	[ -n "$(find "$root" -path "*/$(basename "$so")" -type f)" ] || missing="$missing $(basename "$so")"
done
[ -z "$missing" ] && pass "installed: the plugins, man pages, sample and example configurations, unit, logrotate snippet" ||
	fail "not installed:$missing"
# a live tcptrack.conf would change what tcptrack does when run without -c
[ -z "$(find "$root" -name tcptrack.conf)" ] && pass "no live tcptrack.conf installed" ||
	fail "make install put a tcptrack.conf in place: $(find "$root" -name tcptrack.conf)"
# no placeholder left (@bindir@); the filter of system calls names @sets
unit=$(find "$root" -path '*/systemd/system/tcptrack.service' -type f)
if [ -n "$unit" ] && grep -q "^ExecStart=${bin#$root} -c /" "$unit" && ! grep -qE "@[a-z_]+@" "$unit"; then
	pass "the unit runs the installed binary"
else
	fail "the unit does not run ${bin#$root}: $(grep ExecStart "$unit" 2>&1)"
fi

# only the staged tcptrack-plugin.pc may be found; PKG_CONFIG_SYSROOT_DIR
# puts the staged root before its paths (pkgconf also before variables:
# plugindir is asked without it, and DESTDIR added)
pcvars=(PKG_CONFIG_LIBDIR="$(dirname "$pc")" PKG_CONFIG_PATH=)
plugindir=$(env -u PKG_CONFIG_SYSROOT_DIR "${pcvars[@]}" "$PKG_CONFIG" --variable=plugindir tcptrack-plugin)
cflags=$(env "${pcvars[@]}" PKG_CONFIG_SYSROOT_DIR="$root" "$PKG_CONFIG" --cflags tcptrack-plugin)
if [ -n "$plugindir" ] && [ -f "$root$plugindir/csv.so" ]; then
	pass "tcptrack-plugin.pc: plugindir $plugindir holds the installed plugins"
else
	fail "tcptrack-plugin.pc: plugindir '$plugindir' has no csv.so: $(ls "$root$plugindir" 2>&1)"
fi
case " $cflags " in
*" -I$(dirname "$(dirname "$hdr")") "*) pass "pkg-config --cflags: $cflags" ;;
*) fail "pkg-config --cflags '$cflags' does not name the staged include directory" ;;
esac

# the example, built where neither the source tree nor the build tree is
mkdir "$TMP/ex"
cp "$top_srcdir/plugins/example/jsonl.c" "$top_srcdir/plugins/example/Makefile" "$TMP/ex/"
if inner_make "${pcvars[@]}" PKG_CONFIG_SYSROOT_DIR="$root" -C "$TMP/ex" CC="$CC" PKG_CONFIG="$PKG_CONFIG" \
	>"$TMP/build.log" 2>&1 && [ -f "$TMP/ex/jsonl.so" ]; then
	if grep -q "warning:" "$TMP/build.log"; then
		fail "the example builds with warnings: $(grep -m 3 warning: "$TMP/build.log")"
	elif ! grep -qF -- "-I$(dirname "$(dirname "$hdr")")" "$TMP/build.log"; then
		fail "the example was not built against the staged header: $(cat "$TMP/build.log")"
	else
		pass "the example builds against the installed header alone, without warnings"
	fi
else
	cat "$TMP/build.log"
	fail "the example does not build"
	finish
fi
if command -v nm >/dev/null 2>&1; then
	syms=$(nm -D --defined-only "$TMP/ex/jsonl.so" | awk '$2 ~ /^[A-Z]$/ && $3 !~ /^_(init|fini)$/ { print $3 }')
	[ "$syms" = tcptrack_plugin ] && pass "the example exports tcptrack_plugin alone" ||
		fail "the example exports: $syms"
fi
if inner_make "${pcvars[@]}" -C "$TMP/ex" install DESTDIR="$root" PKG_CONFIG="$PKG_CONFIG" >"$TMP/exinst.log" 2>&1 &&
	[ -f "$root$plugindir/jsonl.so" ]; then
	pass "the example installs into plugindir"
else
	cat "$TMP/exinst.log"
	fail "the example does not install into $root$plugindir"
fi

# A capture under a name that needs escaping in JSON: quotes, a backslash,
# a tab, a newline, UTF-8, and a byte that is no UTF-8.
weird=$'in "q" \\ \t\n\xc3\xa9 \xff.pcap'
export TCPTRACK_PLUGIN_DIR=$root$plugindir
n=0
for cap in "${caps[@]}"; do
	n=$((n + 1))
	cp "$cap" "$TMP/$weird"
	rm -f "$TMP/out.csv" "$TMP/out.jsonl"
	if [ $n -eq 1 ]; then
		how="by absolute path"
		"$bin" -T "$TMP/$weird" -o "csv:mode=connections,file=$TMP/out.csv" \
			-o "$root$plugindir/jsonl.so:file=$TMP/out.jsonl" 2>"$TMP/err"
	else
		how="by name, from a configuration file"
		printf '[output log]\nplugin = csv\nfile = %s\n[output flows]\nplugin = jsonl\nfile = %s\n' \
			"$TMP/out.csv" "$TMP/out.jsonl" >"$TMP/sdk.conf"
		chmod 600 "$TMP/sdk.conf"
		"$bin" -c "$TMP/sdk.conf" -T "$TMP/$weird" 2>"$TMP/err"
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$(basename "$cap"), $how: tcptrack exits $rc: $(head -c 400 "$TMP/err")"
		continue
	fi
	if [ $n -eq 1 ]; then output=jsonl; else output=flows; fi
	if WEIRD="$TMP/$weird" OUTPUT=$output python3 - "$TMP/out.csv" "$TMP/out.jsonl" <<'EOF'
import csv, json, os, sys
sys.excepthook = lambda t, v, tb: print("%s: %s" % (t.__name__, v))  # one line, exit 1
want_input = os.fsencode(os.environ["WEIRD"]).decode("utf-8", "replace")
cols = ["first_seen", "last_seen", "client", "client_port", "server", "server_port", "state",
        "c2s_packets", "c2s_bytes", "c2s_payload", "s2c_packets", "s2c_bytes", "s2c_payload", "end"]
keys = set(cols) | {"output", "input", "id", "family", "midstream"}
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
assert rows and rows[0][:len(cols)] == cols, "csv header: %r" % rows[:1]
want = sorted(tuple(r[:len(cols)]) for r in rows[1:])
got, ids = [], set()
with open(sys.argv[2], "rb") as f:
    for i, raw in enumerate(f, 1):
        assert raw.endswith(b"\n"), "line %d: not a whole line" % i
        o = json.loads(raw.decode("utf-8"), parse_float=str)  # strict UTF-8, exact decimals
        assert isinstance(o, dict) and set(o) == keys, "line %d: keys %s" % (i, sorted(o))
        assert o["output"] == os.environ["OUTPUT"], "line %d: output %r" % (i, o["output"])
        assert o["input"] == want_input, "line %d: input %r, want %r" % (i, o["input"], want_input)
        assert o["family"] in (4, 6) and isinstance(o["midstream"], bool), "line %d" % i
        assert o["id"] not in ids, "line %d: id %d twice" % (i, o["id"])
        ids.add(o["id"])
        for c in cols:
            v = o[c]
            assert isinstance(v, (int, str)) and not isinstance(v, bool), "line %d: %s %r" % (i, c, v)
        got.append(tuple(str(o[c]) for c in cols))
got.sort()
assert len(got) == len(want), "%d JSON lines, %d csv rows" % (len(got), len(want))
for g, w in zip(got, want):
    assert g == w, "JSON %s\n  csv  %s" % (",".join(g), ",".join(w))
assert got, "no connection at all"
print("%d connections, %d packets" % (len(got), sum(int(g[7]) + int(g[10]) for g in got)))
EOF
	then
		pass "$(basename "$cap"), $how: one valid JSON line per connection, equal to the csv log's rows"
	else
		fail "$(basename "$cap"), $how: the JSON lines do not match the csv log"
	fi
done

# uninstall: the example's own, then tcptrack's; no file may stay behind
inner_make "${pcvars[@]}" -C "$TMP/ex" uninstall DESTDIR="$root" PKG_CONFIG="$PKG_CONFIG" >/dev/null 2>&1 ||
	fail "the example's make uninstall"
if inner_make -C "$top_builddir" uninstall DESTDIR="$root" >"$TMP/uninstall.log" 2>&1; then
	left=$(find "$root" ! -type d)
	[ -z "$left" ] && pass "make uninstall DESTDIR=... leaves no file" ||
		fail "make uninstall leaves: $left"
else
	tail -n 20 "$TMP/uninstall.log"
	fail "make uninstall DESTDIR=... failed"
fi
finish
