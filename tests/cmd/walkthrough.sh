#!/bin/bash
# README's "A first hour (walkthrough)", replayed: each block marked
# <!-- walkthrough: STEP --> runs as written, but for the build line, with
# the system's paths moved into $TMP, eth0 replaced by lo (traffic of the
# test's own, on ports 19600-19699), the view in tmux, systemctl and
# journalctl standing for a tcptrack started here, and logrotate with a
# state file of its own.
. "$TESTS_SRCDIR/lib.sh"
need_root
need_cmd python3
need_cmd logrotate
README=$TESTS_SRCDIR/../README.md
PORT=19601

mkdir -p "$TMP/etc" "$TMP/log" "$TMP/logrotate.d"
# block STEP: the commands of a step, with the paths moved
block() {
	awk -v want="<!-- walkthrough: $1 -->" '$0 == want { on = 1; next }
		on && /^```sh$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' "$README" |
		sed -e "s|/usr/local/etc|$TMP/etc|g" -e "s|/var/log/tcptrack|$TMP/log|g" \
			-e "s|/etc/logrotate.d|$TMP/logrotate.d|g" -e 's/\beth0\b/lo/g'
}
for step in install watch log alert rotate; do
	[ -n "$(block $step)" ] || fail "README has no walkthrough block '$step'"
done

# the stand-ins
sudo() { "$@"; }
tcptrack() { "$TCPTRACK" "$@"; }
systemctl() { # enable --now tcptrack: the unit's command, in the background
	"$TCPTRACK" -c "$TMP/etc/tcptrack.conf" </dev/null >/dev/null 2>"$TMP/service.err" &
	echo $! >"$TMP/service.pid"
	# as systemd's start returns once the service runs: here, once it says
	# it captures (journalctl is grepped for that line next)
	wait_capturing "$TMP/service.err" $!
}
journalctl() { cat "$TMP/service.err"; }
logrotate() { command logrotate -s "$TMP/logrotate.state" "$@"; }
stop_service() { [ -s "$TMP/service.pid" ] && kill "$(cat "$TMP/service.pid")" 2>/dev/null; wait; }
add_cleanup stop_service
# the snippet as installed, with the paths moved and the unit's signal sent
# to the tcptrack started here (counted)
sed -e "s|/var/log/tcptrack|$TMP/log|g" \
	-e "s|systemctl kill --signal=HUP tcptrack.service.*|echo hup >>$TMP/hups; kill -HUP \$(cat $TMP/service.pid)|" \
	"$TESTS_SRCDIR/../conf/tcptrack.logrotate" >"$TMP/logrotate.d/tcptrack"
chmod 644 "$TMP/logrotate.d/tcptrack"

# ---- install: only the check that it runs ----
block install | grep -v 'configure' >"$TMP/install.sh"
out=$(. "$TMP/install.sh" 2>&1) && echo "$out" | grep -q '^tcptrack [0-9]' && pass "install: $out" ||
	fail "install: $out"

# ---- watch: the view, in tmux, shows its columns ----
if command -v tmux >/dev/null; then
	SOCK=ttwalk$$
	. "$TESTS_SRCDIR/plugins/top/tmux_lib.sh"
	add_cleanup stop_tmux
	cmd=$(block watch | sed "s|^sudo ||; s|^tcptrack|TCPTRACK_PLUGIN_DIR='$TCPTRACK_PLUGIN_DIR' '$TCPTRACK'|")
	tm -f /dev/null new-session -d -x 120 -y 20 "$cmd; echo \$? >'$TMP/watch.exit'; sleep 600"
	if wait_for '^ Client +Server +State .* (Payload|Process)' 10; then pass "watch: the view shows its columns"; else
		fail "watch: no view"; screen | sed 's/^/  | /'; fi
	tm send-keys q
	i=0; while [ ! -s "$TMP/watch.exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(cat "$TMP/watch.exit" 2>/dev/null)" = 0 ] && pass "watch: q quits, status 0" ||
		fail "watch: exit $(cat "$TMP/watch.exit" 2>/dev/null)"
	stop_tmux
else
	echo "SKIP: watch (no tmux)"
fi

# ---- log, alert: the file is written, checked, and the service starts ----
for step in log alert; do
	block $step >"$TMP/$step.sh"
	. "$TMP/$step.sh" >"$TMP/$step.out" 2>&1 # here: the service it starts is this shell's child
	rc=$?
	out=$(cat "$TMP/$step.out")
	[ $rc = 0 ] && echo "$out" | grep -q "configuration OK" && pass "$step: $(echo "$out" | grep 'OK\|capturing' | tr '\n' ' ')" ||
		fail "$step: exit $rc: $out"
done
grep -q "^tcptrack: capturing on lo; outputs: connections (csv, file $TMP/log/connections.csv), servers (csv, file $TMP/log/servers-%Y-%m-%d.csv), big-flow (syslog)" \
	"$TMP/service.err" && pass "the service says what it captures and where its logs go" ||
	fail "the service's start line: $(cat "$TMP/service.err")"

# traffic: one connection of 300 kB on lo
python3 - "$PORT" <<'PY'
import socket, sys, threading
port = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    while c.recv(65536):
        pass
    c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection(("127.0.0.1", port)); cl.sendall(b"x" * 300000); cl.close(); t.join()
PY
sleep 3 # closed, lingered, logged

# ---- rotate ----
echo "a day of rows" >"$TMP/log/servers-2026-01-01.csv"
echo "rows of another log" >"$TMP/log/other.csv" # two files: one SIGHUP all the same
echo '{"lines":"of a json log"}' >"$TMP/log/lines.jsonl"
echo '{"a day":"of lines"}' >"$TMP/log/lines-2026-01-01.jsonl"
block rotate >"$TMP/rotate.sh"
out=$(. "$TMP/rotate.sh" 2>&1) || fail "rotate: $out"
sleep 0.5
stop_service
[ "$(cat "$TMP/hups" 2>/dev/null | wc -l)" = 1 ] && pass "rotate: one SIGHUP for the rotation" ||
	fail "rotate: $(cat "$TMP/hups" 2>/dev/null | wc -l) SIGHUPs"
# (the connection's row is written when its tuple leaves the table, time_wait
# after its close: in the rotated file or in the new one)
[ -f "$TMP/log/connections.csv.1" ] &&
	cat "$TMP/log/connections.csv.1" "$TMP/log/connections.csv" | awk -F, -v p=$PORT '$6 == p && $10 >= 300000' | grep -q . &&
	pass "rotate: the connection log rotated, and the test's connection is logged" ||
	fail "rotate: $(ls "$TMP/log"): $(grep ",$PORT," "$TMP/log/connections.csv"* 2>/dev/null) $(cat "$TMP/service.err")"
head -1 "$TMP/log/connections.csv" 2>/dev/null | grep -q '^first_seen,' &&
	pass "rotate: tcptrack started a new connection log on SIGHUP" || fail "rotate: no new connection log"
[ "$(cat "$TMP/log/servers-2026-01-01.csv")" = "a day of rows" ] && ! ls "$TMP/log" | grep -q 'servers-.*csv\.' &&
	pass "rotate: the time-named file is left alone" || fail "rotate: the time-named file was rotated: $(ls "$TMP/log")"
[ -f "$TMP/log/lines.jsonl.1" ] && [ -f "$TMP/log/lines-2026-01-01.jsonl" ] && ! ls "$TMP/log" | grep -q 'lines-.*jsonl\.' &&
	pass "rotate: a JSON-lines log of a fixed name rotated, a time-named one left alone" ||
	fail "rotate: JSON-lines logs: $(ls "$TMP/log")"
grep -q "packets read" "$TMP/service.err" && pass "the service stopped cleanly" ||
	fail "service: $(cat "$TMP/service.err")"

# ---- the unit, rated as the manual says ----
if command -v systemd-analyze >/dev/null; then
	sed -e "s|@bindir@|/usr/bin|; s|@sysconfdir@|/etc|" "$TESTS_SRCDIR/../conf/tcptrack.service.in" >"$TMP/tcptrack.service"
	score=$(timeout 60 systemd-analyze security --offline=yes "$TMP/tcptrack.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for tcptrack.service: \([0-9.]*\).*/\1/p')
	if [ -z "$score" ]; then
		echo "SKIP: this systemd-analyze cannot rate a unit offline"
	else
		page=$(grep -o 'rates it [0-9.]*' "$TESTS_SRCDIR/../man/tcptrack.8" | grep -o '[0-9.]*$')
		[ "$score" = "$page" ] && pass "the unit rates $score, as tcptrack(8) says" ||
			fail "the unit rates $score, tcptrack(8) says $page"
	fi
fi
finish
