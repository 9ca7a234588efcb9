#!/bin/bash
# Alerts lost, and said so: a UDP target whose port nothing listens on (the
# host answers ICMP port unreachable), target = syslog on a host without
# /dev/log, a unix target and chroot.  Each loss is counted as what a
# receiver would have had, and told once, not once a message.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/syslog/syslog_lib.sh"
need_shared
CAP=$SHARED_DIR/pcaps/many-protocols.pcap
rs_start

# one alert per connection with a byte
rule() { # TARGET
	printf '[output every]\nplugin = syslog\nmetric = conn_bytes\nwarning = 1\nfor = 0s\ntarget = %s\n' "$1"
}

# ---- UDP: the receiver is there, then it is not ----
rule @UDP@ | sl_conf "$TMP/udp.conf"
golden_run udp-up "$CAP" "$TMP/udp.conf" "$TMP/udp-up.out"
want=$(wc -l < "$TMP/udp-up.out")
if [ "$want" -gt 50 ] && ! grep -q "lost" "$TMP/udp-up.err"; then
	pass "UDP, rsyslogd listening: $want messages delivered, none said lost"
else
	fail "UDP, rsyslogd listening: $want messages: $(cat "$TMP/udp-up.err")"
fi
rs_stop
tt -c "$TMP/udp.conf" -T "$CAP" 2>"$TMP/udp-down.err"
lost=$(sed -n 's/^tcptrack: every: \([0-9]*\) messages lost in all (0 delivered)$/\1/p' "$TMP/udp-down.err")
lines=$(grep -c "target udp:" "$TMP/udp-down.err")
if [ "$lost" = "$want" ] && [ "$lines" -eq 1 ] &&
   grep -q "^tcptrack: every: target udp:127.0.0.1:$RS_UDP: refused" "$TMP/udp-down.err"; then
	pass "UDP, port unreachable: the $want messages counted lost, one line about the target"
else
	fail "UDP, port unreachable: '$lost' lost of $want, $lines lines about the target: $(head -5 "$TMP/udp-down.err")"
fi

# the receiver comes back in the middle of a run: what it missed and what
# it got add up, the gap is told once each way and by a notice
feed_half "$CAP" -c "$TMP/udp.conf"
wait_for 20 grep -q "refused" "$TMP/err" || fail "UDP: no refusal seen in the first half"
rs_start
rs_mark udp-mid
feed_rest
wait $FEED_PID
rc=$?
rs_wait every 1 10
rs_settle every
awk '/\|mark\|.*udp-mid$/ { on = 1 } on' "$RS_OUT" | grep 'rule="every"' > "$TMP/udp-mid.out"
got=$(grep -vc 'event="lost"' "$TMP/udp-mid.out")
said=$(sed -n 's/.*NOTICE: \([0-9]*\) messages\{0,1\} lost: udp:127\.0\.0\.1:[0-9]* refused them (nothing listened)$/\1/p' "$TMP/udp-mid.out")
inall=$(sed -n 's/^tcptrack: every: \([0-9]*\) messages lost in all .*/\1/p' "$TMP/err")
if [ $rc -eq 0 ] && [ -n "$said" ] && [ "$said" = "$inall" ] && [ $((got + said)) -eq "$want" ] &&
   [ "$(grep -c "refused" "$TMP/err")" -eq 1 ] && [ "$(grep -c "reachable again" "$TMP/err")" -eq 1 ]; then
	pass "UDP, receiver back mid-run: $got delivered + $said lost = $want, told once each way"
else
	fail "UDP, receiver back mid-run: exit $rc, $got delivered + '$said' lost (in all '$inall') != $want: $(cat "$TMP/err")"
fi
rs_stop

# ---- target = syslog, in a mount namespace of the test's own whose /dev
# is a tmpfs: without /dev/log, then with rsyslogd's socket as /dev/log ----
need_root
need_cmd unshare
# devns SOCKET COMMAND...: COMMAND where /dev holds null, zero, urandom and
# random, and /dev/log is SOCKET (none when SOCKET is empty)
devns() {
	unshare -m --propagation private bash -c '
		set -e
		mkdir -p "$1/dev.orig"
		mount --rbind /dev "$1/dev.orig"
		mount -t tmpfs -o size=64k tmpfs /dev
		for n in null zero urandom random; do
			touch "/dev/$n"
			mount --bind "$1/dev.orig/$n" "/dev/$n"
		done
		# never make a /dev/log on the machine'"'"'s own /dev
		[ "$(stat -f -c %T /dev)" = tmpfs ] || exit 1
		[ ! -e /dev/log ] || exit 1
		if [ -n "$2" ]; then touch /dev/log; mount --bind "$2" /dev/log; fi
		shift 2
		exec "$@"' devns "$TMP" "$@"
}
rule syslog > "$TMP/local.conf"
devns "" "$TCPTRACK" -c "$TMP/local.conf" -T "$CAP" 2>"$TMP/nolog.err"
rc=$?
lost=$(sed -n 's/^tcptrack: every: \([0-9]*\) messages lost in all (0 delivered)$/\1/p' "$TMP/nolog.err")
lines=$(grep -c "target syslog" "$TMP/nolog.err")
if [ $rc -eq 0 ] && [ "$lost" = "$want" ] && [ "$lines" -eq 1 ] &&
   grep -q "^tcptrack: every: target syslog (/dev/log): cannot deliver: No such file or directory" "$TMP/nolog.err"; then
	pass "no /dev/log: said once, the $want messages counted lost"
else
	fail "no /dev/log: exit $rc, '$lost' lost of $want, $lines lines: $(head -5 "$TMP/nolog.err")"
fi
rs_start
rs_mark local-begin
devns "$RS_SOCK" "$TCPTRACK" -c "$TMP/local.conf" -T "$CAP" 2>"$TMP/log.err"
rc=$?
rs_mark local-end
got=$(awk '/\|mark\|.*local-begin$/ { on = 1 } /\|mark\|.*local-end$/ { on = 0 } on && /^imuxsock\|[0-9]\|daemon\|tcptrack\|/' "$RS_OUT" | wc -l)
if [ $rc -eq 0 ] && [ "$got" -eq "$want" ] && ! grep -q "lost\|target" "$TMP/log.err"; then
	pass "/dev/log of rsyslogd: the $want messages delivered through syslog(3), no loss said"
else
	fail "/dev/log of rsyslogd: exit $rc, $got of $want delivered: $(head -5 "$TMP/log.err")"
fi

# ---- chroot: a unix target is reached again through its path inside ----
id nobody >/dev/null 2>&1 || skip "no user nobody"
J=$TMP/jail
mkdir -p "$J/dev" "$J$RS_DIR"
rule @UNIX@ | sed 's/^\[output every\]/[output jail]/' | sl_conf "$TMP/jail-rule.conf"
{ printf '[core]\nuser = nobody\nchroot = %s\n' "$J"; cat "$TMP/jail-rule.conf"; } > "$TMP/jail.conf"
tt -c "$TMP/jail.conf" --check-config >"$TMP/jail.err" 2>&1
rc=$?
if [ $rc -eq 78 ] && grep -q "target unix:$RS_SOCK: with chroot $J, it is reached again after its daemon restarts only through $J$RS_SOCK, which is no socket" "$TMP/jail.err"; then
	pass "chroot, unix target with no socket inside: refused by --check-config (78)"
else
	fail "chroot, unix target with no socket inside: exit $rc: $(cat "$TMP/jail.err")"
fi
{ printf '[core]\nuser = nobody\nchroot = %s\n' "$J"; rule syslog; } > "$TMP/jail-local.conf"
tt -c "$TMP/jail-local.conf" -T "$CAP" >"$TMP/jail.err" 2>&1
rc=$?
if [ $rc -eq 78 ] && grep -q "target syslog: with chroot $J, .* only through $J/dev/log, which is no socket" "$TMP/jail.err"; then
	pass "chroot, target = syslog with no $J/dev/log: refused at start (78)"
else
	fail "chroot, target = syslog: exit $rc: $(cat "$TMP/jail.err")"
fi
# the daemon listens inside too: it restarts between two halves of the
# capture, and every message still arrives
rs_stop
printf 'input(type="imuxsock" Socket="%s" UseSpecialParser="off" UseSysTimeStamp="off" IgnoreTimestamp="off" RateLimit.Interval="0")\n' \
	"$J$RS_SOCK" >> "$RS_DIR/rsyslog.conf"
rs_start
chmod 755 "$J"
# LeakSanitizer reads /proc, which a chroot has not: no leak check there
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" feed_half "$CAP" -c "$TMP/jail.conf"
rs_wait jail 1 || fail "chroot: nothing from the first half"
rs_stop
rs_start
feed_rest
wait $FEED_PID
rc=$?
rs_wait jail "$want" 10
got=$(rs_rule jail | wc -l)
if [ $rc -eq 0 ] && [ "$got" -eq "$want" ] && ! grep -q "lost in all\|could not" "$TMP/err"; then
	pass "chroot, the daemon restarted: reconnected inside, all $want messages delivered"
else
	fail "chroot, the daemon restarted: exit $rc, $got of $want: $(cat "$TMP/err")"
fi
finish
