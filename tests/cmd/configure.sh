#!/bin/bash
# ./configure runs clean in a tree with the core/ folder of the sources:
# autoconf's tests clean up with 'rm -f core ...' (for a core dump), which
# fails on a folder, printed a "cannot remove 'core'" for every test, and
# made the exit trap leave confdefs.h behind.  configure.ac's rm leaves that
# operand out while core is a folder; any other rm is unchanged.
. "$TESTS_SRCDIR/lib.sh"
top=$(cd "$TESTS_SRCDIR/.." && pwd)
[ -x "$top/configure" ] || skip "no configure script in $top"

# what configure reads: itself, its auxiliary scripts, the templates of
# AC_CONFIG_FILES and its source-directory witness
src=$TMP/src
mkdir -p "$src/core"
cp -R "$top/configure" "$top/build-aux" "$top/Makefile.in" "$top/tcptrack-plugin.pc.in" "$src/"
cp "$top/core/main.c" "$src/core/"
touch "$src/core/core.keep" # a folder with something in it, as in a checkout

if (cd "$src" && ./configure -q >"$TMP/out" 2>"$TMP/err"); then
	pass "configure succeeds in a tree with core/"
else
	fail "configure failed: $(tail -n 3 "$TMP/err")"
fi
n=$(grep -c "cannot remove" "$TMP/err")
[ "$n" = 0 ] && pass "configure prints no 'cannot remove' ($(wc -l <"$TMP/err") lines on stderr)" ||
	fail "configure printed 'cannot remove' $n times: $(grep -m1 "cannot remove" "$TMP/err")"
[ ! -e "$src/confdefs.h" ] && pass "configure's exit leaves no confdefs.h" ||
	fail "configure left confdefs.h behind"
ls "$src"/conftest* >/dev/null 2>&1 && fail "configure left $(ls -d "$src"/conftest* | head -1)" ||
	pass "configure leaves no conftest file"
[ -f "$src/core/main.c" ] && [ -f "$src/core/core.keep" ] && pass "core/ and its files are still there" ||
	fail "configure removed something under core/"

# a core dump (a file named core) is still cleaned up by configure's tests
rm -rf "$TMP/plain" && mkdir -p "$TMP/plain"
cp -R "$src/configure" "$src/build-aux" "$src/Makefile.in" "$src/tcptrack-plugin.pc.in" "$TMP/plain/"
mkdir -p "$TMP/plain/c" && cp "$top/core/main.c" "$TMP/plain/c/"
sed -i 's|core/main\.c|c/main.c|g' "$TMP/plain/configure"
echo dump >"$TMP/plain/core"
(cd "$TMP/plain" && ./configure -q >/dev/null 2>"$TMP/err2")
# (config.status then makes core/.deps for the objects' dependencies)
[ ! -f "$TMP/plain/core" ] && pass "a core file beside configure is removed, as before" ||
	fail "a core file beside configure was left: $(head -c 200 "$TMP/err2")"
finish
