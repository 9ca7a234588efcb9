# The view's terminal for the tests: a private tmux server on socket $SOCK
# (set it before calling).  Source it after lib.sh.
tm() { tmux -L "$SOCK" "$@"; }
# The view's process ends before its terminal does: TERM, a moment, KILL.
# (Torn down under it, a sanitizer build's leak check at exit can hang.)
# A server leaves its socket behind: it goes too.
# (Its names are its own: a test's own list of pids to kill must survive it.)
stop_tmux() {
	local panes kids
	panes=$(tm list-panes -a -F '#{pane_pid}' 2>/dev/null)
	if [ -n "$panes" ]; then
		kids=$(for p in $panes; do pgrep -P "$p"; done)
		kill -TERM $kids $panes 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 $kids 2>/dev/null || break; sleep 0.2; done
		kill -KILL $kids $panes 2>/dev/null
	fi
	tm kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	true
}
# the screen as it is now
screen() { tm capture-pane -p; }
# wait_for PATTERN [SECONDS]: until a line of the screen matches (grep -E)
wait_for() {
	i=0
	while [ $i -lt $((${2:-10} * 10)) ]; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# view W H ARGS...: tcptrack in a fresh W x H terminal, on a new server
# (socket $SOCK_BASE-N: a server being killed cannot be reused at once); its
# exit status lands in $EXIT
NVIEW=0
view() {
	w=$1 h=$2
	shift 2
	stop_tmux
	NVIEW=$((NVIEW + 1))
	SOCK=$SOCK_BASE-$NVIEW
	EXIT=$TMP/exit.$NVIEW
	tm -f /dev/null new-session -d -x "$w" -y "$h" \
		"TCPTRACK_PLUGIN_DIR='$TCPTRACK_PLUGIN_DIR' '$TCPTRACK' $*; echo \$? > '$EXIT'; sleep 600"
}
# leak checking stays on everywhere else; under tmux a process may lose its
# terminal at any moment, which LeakSanitizer's stop-the-world cannot survive
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
