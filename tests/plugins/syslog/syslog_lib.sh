# Helpers for the syslog plugin's tests: a real rsyslogd of the test's own,
# listening on a unix socket and on 127.0.0.1 UDP and TCP ports, writing
# what it receives to $RS_OUT, one line a message:
#   INPUT|SEVERITY|FACILITY|APP-NAME|MSGID|TIMESTAMP|STRUCTURED-DATA|MSG
# Source after lib.sh.
need_cmd rsyslogd
need_cmd logger
need_cmd ss

SL_DATA=$TESTS_SRCDIR/plugins/syslog
RS_DIR=$TMP/rsyslog
RS_SOCK=$RS_DIR/log.sock
RS_OUT=$RS_DIR/out.log
RS_PID=
mkdir -p "$RS_DIR"

# A free port on 127.0.0.1 for both UDP and TCP (checked, not reserved).
free_port() {
	for _ in $(seq 1 100); do
		p=$(( $(od -An -N2 -tu2 /dev/urandom) % 30000 + 20000 ))
		ss -Htuan | awk '{print $5}' | grep -q ":$p\$" || { echo "$p"; return 0; }
	done
	return 1
}
RS_UDP=$(free_port) || skip "no free port"
RS_TCP=$(free_port) || skip "no free port"
while [ "$RS_TCP" = "$RS_UDP" ]; do RS_TCP=$(free_port); done

cat > "$RS_DIR/rsyslog.conf" <<EOF
global(workDirectory="$RS_DIR" maxMessageSize="8k")
main_queue(queue.type="direct")
module(load="imuxsock" SysSock.Use="off")
module(load="imudp")
module(load="imtcp")
input(type="imuxsock" Socket="$RS_SOCK" UseSpecialParser="off" UseSysTimeStamp="off"
      IgnoreTimestamp="off" RateLimit.Interval="0")
input(type="imudp" address="127.0.0.1" port="$RS_UDP")
input(type="imtcp" address="127.0.0.1" port="$RS_TCP")
template(name="line" type="string"
         string="%inputname%|%syslogseverity%|%syslogfacility-text%|%app-name%|%msgid%|%timestamp:::date-rfc3339%|%structured-data%|%msg%\n")
*.* action(type="omfile" file="$RS_OUT" template="line")
EOF

# wait_for SECONDS COMMAND...: until the command succeeds (a guard against
# hanging, not a measure of speed).
wait_for() {
	n=$(( $1 * 10 )); shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

rs_ready() {
	for t in unix udp tcp; do
		grep -q "|probe|.*ready-$t-$RS_GEN\$" "$RS_OUT" 2>/dev/null && continue
		case $t in
		unix) logger -u "$RS_SOCK" -t probe "ready-$t-$RS_GEN" 2>/dev/null ;;
		udp) logger -d -n 127.0.0.1 -P "$RS_UDP" -t probe "ready-$t-$RS_GEN" 2>/dev/null ;;
		tcp) logger -T -n 127.0.0.1 -P "$RS_TCP" -t probe "ready-$t-$RS_GEN" 2>/dev/null ;;
		esac
		return 1
	done
	return 0
}

RS_GEN=0
rs_start() {
	RS_GEN=$((RS_GEN + 1))
	# fd 3 may be a test's pipe: the daemon must not hold it open
	rsyslogd -n -f "$RS_DIR/rsyslog.conf" -i "$RS_DIR/rsyslogd.pid" >>"$RS_DIR/rsyslogd.err" 2>&1 3>&- &
	RS_PID=$!
	wait_for 20 rs_ready || { cat "$RS_DIR/rsyslogd.err"; fail "rsyslogd did not start"; finish; }
}

rs_stop() {
	[ -n "$RS_PID" ] || return 0
	kill "$RS_PID" 2>/dev/null
	kill -CONT "$RS_PID" 2>/dev/null # a test may have stopped it
	wait "$RS_PID" 2>/dev/null
	RS_PID=
}
add_cleanup rs_stop

# The messages of one rule (probes left out).
rs_rule() { grep "rule=\"$1\"" "$RS_OUT"; }

# Wait until rule $1 has at least $2 messages.
rs_wait() { wait_for "${3:-20}" sh -c "[ \$(grep -c 'rule=\"$1\"' '$RS_OUT') -ge $2 ]"; }
# rs_settle RULE: until the count of RULE's lines has not changed for a
# second (20 s at most): what was sent has all been written
rs_settle() {
	local prev=-1 same=0 n i
	for i in $(seq 100); do
		n=$(grep -c "rule=\"$1\"" "$RS_OUT")
		if [ "$n" = "$prev" ]; then
			same=$((same + 1))
			[ $same -ge 5 ] && return 0
		else
			same=0 prev=$n
		fi
		sleep 0.2
	done
}

# sl_conf FILE: a config from stdin, with @UNIX@ @UDP@ @TCP@ replaced by
# the targets of this rsyslogd.
sl_conf() {
	sed -e "s#@UNIX@#unix:$RS_SOCK#g" -e "s#@UDP@#udp:127.0.0.1:$RS_UDP#g" \
	    -e "s#@TCP@#tcp:127.0.0.1:$RS_TCP#g" > "$1"
}

# expect LABEL RULE PATTERN...: the messages of RULE, in order, each match
# its pattern (an extended regular expression on the whole line), and
# there are no others.
expect() {
	label=$1 rule=$2; shift 2
	rs_rule "$rule" > "$TMP/got.$rule"
	n=$(wc -l < "$TMP/got.$rule")
	if [ "$n" -ne $# ]; then
		fail "$label: $n messages for rule $rule, expected $#:"
		sed 's/^/    /' "$TMP/got.$rule"
		return
	fi
	i=0
	for pat; do
		i=$((i + 1))
		line=$(sed -n "${i}p" "$TMP/got.$rule")
		if ! printf '%s\n' "$line" | grep -Eq -- "$pat"; then
			fail "$label: message $i of rule $rule does not match '$pat':"
			echo "    $line"
			return
		fi
	done
	pass "$label"
}

# ---- golden runs ----
# A marker through the unix socket: the socket keeps the order of what was
# sent to it, so once the marker is written, so is everything sent before.
rs_mark() {
	logger -u "$RS_SOCK" -t mark "$1" &&
		wait_for 20 grep -q "|mark|.*$1\$" "$RS_OUT"
}

# golden_run NAME CAPTURE CONF OUT: the rule messages of one run of
# tcptrack, each rule's in the order they were sent, the rules sorted by
# name (messages of different rules may interleave in any order).
GOLDEN_N=0
golden_run() {
	GOLDEN_N=$((GOLDEN_N + 1))
	rs_mark "begin-$GOLDEN_N" || { fail "$1: rsyslogd does not answer"; return 1; }
	tt -c "$3" -T "$2" 2>"$TMP/$1.err" || { fail "$1: tcptrack exited $?: $(cat "$TMP/$1.err")"; return 1; }
	rs_mark "end-$GOLDEN_N" || { fail "$1: rsyslogd does not answer"; return 1; }
	awk -v a="begin-$GOLDEN_N" -v b="end-$GOLDEN_N" '
		index($0, "|mark|") && substr($0, length($0) - length(a) + 1) == a { on = 1; next }
		index($0, "|mark|") && substr($0, length($0) - length(b) + 1) == b { on = 0 }
		on && index($0, "rule=\"")' "$RS_OUT" |
	awk '{ r = $0; sub(/.*rule="/, "", r); sub(/".*/, "", r); print r "\t" $0 }' |
	LC_ALL=C sort -s -t "$(printf '\t')" -k1,1 | cut -f2- > "$4"
}

# golden NAME CAPTURE [RULES]: run twice with RULES (default
# tests/plugins/syslog/golden/rules.conf), compare with
# tests/plugins/syslog/golden/NAME.txt
# (SYSLOG_GOLDEN_UPDATE=1 writes it instead).
golden() {
	sl_conf "$TMP/rules.conf" < "${3:-$SL_DATA/golden/rules.conf}"
	golden_run "$1" "$2" "$TMP/rules.conf" "$TMP/$1.1" || return
	golden_run "$1" "$2" "$TMP/rules.conf" "$TMP/$1.2" || return
	want=$SL_DATA/golden/$1.txt
	if [ "${SYSLOG_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$TMP/$1.1" "$want"
		echo "wrote $want"
	fi
	if ! cmp -s "$TMP/$1.1" "$TMP/$1.2"; then
		fail "$1: two runs gave different messages:"
		diff "$TMP/$1.1" "$TMP/$1.2" | head -20
	elif [ ! -s "$TMP/$1.1" ]; then
		fail "$1: no message at all"
	elif ! cmp -s "$TMP/$1.1" "$want"; then
		fail "$1: the messages differ from $want:"
		diff "$want" "$TMP/$1.1" | head -20
	else
		pass "$1: the same $(wc -l < "$want") messages in two runs, as in the golden file"
	fi
}
