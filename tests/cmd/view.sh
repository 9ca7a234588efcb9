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
view 120 10 -c "$TMP/paced.conf" -T "$TMP/rate.pcap"
if wait_for "Reading rate.pcap: [0-9]+%" 10; then
	sleep 2
	pct=$(screen | sed -n 's/.*Reading rate.pcap: \([0-9]*\)%.*/\1/p')
	if [ -n "$pct" ] && [ "$pct" -ge 5 ] && [ "$pct" -le 70 ]; then
		pass "paced replay, 2.5 s of 8: the footer says $pct%"
	else
		fail "paced replay, 2.5 s of 8: the footer says '${pct}%' (expected 5 to 70)"
		screen | sed 's/^/  | /'
	fi
else
	fail "paced replay: no progress in the footer"
	screen | sed 's/^/  | /'
fi

finish
