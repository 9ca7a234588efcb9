#!/bin/sh
# The view as a person at a terminal uses it (tmux, private socket).  Each
# check runs a view of its own, a few seconds long.
. "$TESTS_SRCDIR/lib.sh"
need_cmd tmux
need_cmd python3

SOCK_BASE=ttview$$
SOCK=$SOCK_BASE-0
. "$TESTS_SRCDIR/plugins/top/tmux_lib.sh"
trap 'exit 130' INT TERM HUP
add_cleanup stop_tmux

# ---- a paced replay tells how far it is, packet by packet ----
# 800 packets over 8 s, fewer than the reader decodes ahead at a time: a
# third of the way in, the footer says a third, not the whole file
python3 "$TESTS_SRCDIR/make-rate.py" "$TMP/rate.pcap" 80000 100 8
printf '[core]\nreplay_speed = 1\n' > "$TMP/paced.conf"
# verdict STATUS PASS-TEXT FAIL-TEXT: pass, or fail and show the screen
verdict() {
	if [ "$1" = 0 ]; then
		pass "$2"
	else
		fail "$3"
		screen | sed 's/^/  | /'
	fi
}

view 120 10 -c "$TMP/paced.conf" -T "$TMP/rate.pcap"
wait_for "Reading rate.pcap: [0-9]+%" 10
sleep 2
pct=$(screen | sed -n 's/.*Reading rate.pcap: \([0-9]*\)%.*/\1/p')
[ -n "$pct" ] && [ "$pct" -ge 5 ] && [ "$pct" -le 70 ]
verdict $? "paced replay, 2.5 s of 8: the footer says $pct%" \
	"paced replay, 2.5 s of 8: the footer says '${pct}%' (expected 5 to 70)"

# ---- the help on a short terminal: its lines for the keys, and a title
# that counts the ones shown ----
view 60 5 -c "$TMP/paced.conf" -T "$TMP/rate.pcap"
wait_for "Unpaused" 10
tm send-keys h
wait_for "tcptrack keys" 5 && screen | grep -Eq "tcptrack keys \(1-3 of [0-9]+\)" &&
	screen | grep -Eq "^ q +quit" && screen | grep -Eq "^ s +sort"
verdict $? "help, 5 lines: three keys shown, and the title says 1-3" \
	"help, 5 lines: not three keys under a title saying 1-3"
tm send-keys j
wait_for "tcptrack keys \(2-4 of" 5 && screen | grep -Eq "^ < >"
verdict $? "help, 5 lines: j scrolls it a line" "help, 5 lines: j does not scroll it a line"
view 40 2 -c "$TMP/paced.conf" -T "$TMP/rate.pcap"
wait_for "Unpaused" 10
tm send-keys h
sleep 0.5
screen | grep -q "(1-0 " && fail "help, 2 lines: the title counts lines 1-0" ||
	pass "help, 2 lines: no title counting lines 1-0"

# ---- the help's s goes to RTT and Retr only where s does: where their
# columns are shown ----
for wide in 60 200; do
	view $wide 30 -c "$TMP/paced.conf" -T "$TMP/rate.pcap"
	wait_for "Unpaused" 10
	tm send-keys h
	wait_for "tcptrack keys" 5
	line=$(screen | grep -E "^ +s +sort:" | sed 's/^ *//; s/ *$//')
	want="s          sort: unsorted, rate, bytes, idle"
	[ $wide = 200 ] && want="$want, RTT, Retr" # (on 60, no RTT column)
	[ "$line" = "$want" ]
	verdict $? "help on $wide columns: '$line'" "help on $wide columns: '$line', not '$want'"
done

# ---- live, the help tells the Process column; reading a file, with no
# such column, it does not (live needs root: a capture on lo, no traffic
# sent) ----
view 120 40 -c "$TMP/paced.conf" -T "$TMP/rate.pcap"
wait_for "Unpaused" 10
tm send-keys h
wait_for "tcptrack keys" 5
! screen | grep -q "^ *Process "
verdict $? "help, reading a file: no Process line" "help, reading a file: a Process line"
if [ "$(id -u)" = 0 ]; then
	view 120 40 -i lo
	wait_for "Unpaused" 10
	tm send-keys h
	wait_for "tcptrack keys" 5
	screen | grep -Eq "^ *Process +PID and command"
	verdict $? "help, live: the Process column told" "help, live: no line for the Process column"
else
	echo "SKIP: help, live: capturing on lo needs root"
fi

# ---- a process named with UTF-8 and control characters (prctl) is shown
# in printable ASCII, one column a byte: no bytes the terminal would take
# for something else (root: a capture on lo; one python3 process talks to
# itself on 127.0.0.1) ----
if [ "$(id -u)" = 0 ] && [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 - "$TMP/port" <<'PY' &
import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(b"caf\xc3\xa9\x1b[7m\x01"), 0, 0, 0)
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
for _ in range(300):
    c.sendall(b"x" * 100); a.recv(4096); time.sleep(0.1)
PY
	PROC_PID=$!
	kill_proc() { kill "$PROC_PID" 2>/dev/null; true; }
	add_cleanup kill_proc
	i=0; while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	view 150 10 -n -i lo "tcp port $(cat "$TMP/port")"
	wait_for "caf" 10
	row=$(screen | grep -m1 "caf")
	echo "$row" | grep -Eq " $PROC_PID caf\?\?\?\[7m\? *$"
	verdict $? "process named 'caf\\xc3\\xa9\\x1b[7m\\x01': shown as '$(echo "$row" | sed 's/.* [0-9]* //')'" \
		"process named 'caf\\xc3\\xa9\\x1b[7m\\x01': row '$row'"
	kill_proc
else
	echo "SKIP: a process's odd name: capturing on lo needs root"
fi

# ---- a filter typed past the end of the line: its end shows ----
view 30 6 -c "$TMP/paced.conf" -T "$TMP/rate.pcap"
wait_for "Unpaused" 10
tm send-keys / 1 0 . 0 . 0 . 1 ' ' e s t a b l i s h e d ' ' 4 4 3 ' ' x y
sleep 0.5
screen | tail -1 | grep -q "443 xy *$"
verdict $? "filter longer than 30 columns: its end shows as it is typed" \
	"filter longer than 30 columns: its end is hidden"

# ---- a crash (here ^\, SIGQUIT) gives the terminal back: the shell's
# screen, the cursor, the modes; sh does not restore them itself ----
stop_tmux
SOCK=$SOCK_BASE-crash
tm -f /dev/null new-session -d -x 80 -y 10 "ulimit -c 0; TCPTRACK_PLUGIN_DIR='$TCPTRACK_PLUGIN_DIR' \
	'$TCPTRACK' -c '$TMP/paced.conf' -T '$TMP/rate.pcap'; stty -a > '$TMP/stty'; sleep 600"
wait_for "Unpaused" 10
tm send-keys 'C-\'
i=0; while [ ! -s "$TMP/stty" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
term=$(tm display -p '#{alternate_on} #{cursor_flag}')
[ "$term" = "0 1" ] && grep -q -- " icanon" "$TMP/stty" && grep -q -- " echo " "$TMP/stty"
verdict $? "after ^\\: the shell's screen, the cursor shown, icanon and echo" \
	"after ^\\: alternate screen and cursor '$term' (want '0 1'); $(grep -o -- '-\?icanon\|-\?echo ' "$TMP/stty" | tr '\n' ' ')"

# ---- ^\ where SIGQUIT is ignored (trap '' QUIT, as sh does for a
# background job): nothing happens, the view stays drawn ----
stop_tmux
SOCK=$SOCK_BASE-ign
tm -f /dev/null new-session -d -x 80 -y 10 "trap '' QUIT; TCPTRACK_PLUGIN_DIR='$TCPTRACK_PLUGIN_DIR' \
	'$TCPTRACK' -c '$TMP/paced.conf' -T '$TMP/rate.pcap'; sleep 600"
wait_for "Unpaused" 10
tm send-keys 'C-\'
sleep 0.5
tm send-keys p
wait_for "  Paused" 5 && [ "$(tm display -p '#{alternate_on}')" = 1 ]
verdict $? "^\\ ignored: the view goes on, on its screen" \
	"^\\ ignored: the view left its screen ($(tm display -p 'alternate screen #{alternate_on}'))"

finish
