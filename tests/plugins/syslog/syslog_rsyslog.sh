#!/bin/sh
# The syslog plugin against a real rsyslogd on a unix socket and on 127.0.0.1
# UDP and TCP ports: a flow crossing warning, then critical, then clearing
# (hold time and hysteresis), a SYN flood, a connection-count rule,
# suppression of repeats, the rate limit, and syslog(3) as the default
# target.  The captures are tests/plugins/syslog/*.pcap (see gen-captures.py), so
# every message and its capture-clock time is known in advance.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/syslog/syslog_lib.sh"
rs_start

# run NAME PCAP: tcptrack with config $TMP/NAME.conf on PCAP
run() {
	if tt -c "$TMP/$1.conf" -T "$SL_DATA/$2" 2>"$TMP/$1.err"; then
		if grep -q "error" "$TMP/$1.err"; then
			fail "$1: tcptrack said: $(cat "$TMP/$1.err")"
		fi
	else
		fail "$1: tcptrack exited $?: $(cat "$TMP/$1.err")"
	fi
}

SD='\[tcptrack@32473 rule="'

# ---- a flow: warning, critical, back to warning, recovery; all transports ----
# flow.pcap (10.1.0.1:40000 -> 10.1.0.2:80), per second from 22:13:20:
# 500k, a 1 s spike of 2M at 4 s (shorter than `for`: no alarm), 2M from
# 7 s, 6M from 12 s, 900k from 16 s (under warning, above clear: the alarm
# holds), 300k from 19 s.  The port-22 flow at 3M is outside the rule.
for t in unix udp tcp; do
	cat <<EOF
[output flow-$t]
plugin = syslog
metric = conn_rate
server_port = 80
warning = 1M
critical = 5M
clear = 800k
for = 2s
target = @$(echo $t | tr a-z A-Z)@
EOF
done | sl_conf "$TMP/flow.conf"
printf 'facility = local3\n' >> "$TMP/flow.conf"  # the last section: flow-tcp
run flow flow.pcap
for t in unix udp tcp; do rs_wait "flow-$t" 4; done
for t in unix udp tcp; do
	case $t in unix) in=imuxsock fac=daemon ;; udp) in=imudp fac=daemon ;; tcp) in=imtcp fac=local3 ;; esac
	C='client="10.1.0.1" client_port="40000" server="10.1.0.2" server_port="80"'
	expect "flow over $t: warning after the hold time, critical, back to warning, recovery at clear" flow-$t \
		"^$in\|4\|$fac\|tcptrack\|warning\|2023-11-14T22:13:30\.000000Z\|${SD}flow-$t\" event=\"fire\" metric=\"conn_rate\" level=\"warning\" value=\"2000000\" threshold=\"1000000\" $C\]\|flow-$t: WARNING: conn_rate 2\.00 MB/s is above the warning level 1\.00 MB/s for 2s; client 10\.1\.0\.1:40000, server 10\.1\.0\.2:80\$" \
		"^$in\|2\|$fac\|tcptrack\|critical\|2023-11-14T22:13:35\.000000Z\|${SD}flow-$t\" event=\"escalate\" metric=\"conn_rate\" level=\"critical\" value=\"6000000\" threshold=\"5000000\" $C\]\|flow-$t: CRITICAL: conn_rate 6\.00 MB/s is above the critical level 5\.00 MB/s for 2s;" \
		"^$in\|4\|$fac\|tcptrack\|warning\|2023-11-14T22:13:37\.000000Z\|${SD}flow-$t\" event=\"downgrade\" .*value=\"900000\" threshold=\"5000000\" $C\]\|flow-$t: WARNING: conn_rate 900\.0 kB/s is back at or under the critical level 5\.00 MB/s, the alarm holds until the clear level 800\.0 kB/s;" \
		"^$in\|5\|$fac\|tcptrack\|recovery\|2023-11-14T22:13:40\.000000Z\|${SD}flow-$t\" event=\"recover\" metric=\"conn_rate\" level=\"ok\" value=\"300000\" threshold=\"800000\" $C was=\"warning\" duration=\"12\"\]\|flow-$t: RECOVERY: conn_rate 300\.0 kB/s is back at or under the clear level 800\.0 kB/s after 12s in alarm \(was warning\); client 10\.1\.0\.1:40000, server 10\.1\.0\.2:80\$"
done

# ---- a SYN flood (UDP) ----
# synflood.pcap from 22:30:00: 500 SYN/s to 10.2.0.2:80 from 10 s to 14 s,
# never answered; 2 real connections a second all along; the SYNs time out
# after 30 s (syn_timeout, set here: the default follows Linux's 64 s) one
# second of them at a time.
sl_conf "$TMP/syn.conf" <<'EOF'
[core]
syn_timeout = 30s

[output syn-half-open]
plugin = syslog
metric = half_open
server_port = 80
warning = 200
critical = 1000
clear = 50
target = @UDP@

[output syn-rate]
plugin = syslog
metric = new_connections
server = 10.2.0.0/24
warning = 50/s
critical = 400/s
target = @UDP@
EOF
run syn synflood.pcap
rs_wait syn-half-open 4
rs_wait syn-rate 2
expect "SYN flood: half-open connections" syn-half-open \
	"^imudp\|4\|daemon\|tcptrack\|warning\|2023-11-14T22:30:11\.000000Z\|${SD}syn-half-open\" event=\"fire\" metric=\"half_open\" level=\"warning\" value=\"500\" threshold=\"200\"\]\|syn-half-open: WARNING: half_open 500 is above the warning level 200\$" \
	"^imudp\|2\|daemon\|tcptrack\|critical\|2023-11-14T22:30:13\.000000Z\|.*event=\"escalate\".* value=\"1500\" threshold=\"1000\"\]" \
	"^imudp\|4\|daemon\|tcptrack\|warning\|2023-11-14T22:30:43\.000000Z\|.*event=\"downgrade\".* value=\"500\"" \
	"^imudp\|5\|daemon\|tcptrack\|recovery\|2023-11-14T22:30:44\.000000Z\|.*event=\"recover\".* value=\"0\" threshold=\"50\" was=\"warning\" duration=\"33\"\]"
expect "SYN flood: new connections per second" syn-rate \
	"^imudp\|2\|daemon\|tcptrack\|critical\|2023-11-14T22:30:11\.000000Z\|.*event=\"fire\" metric=\"new_connections\" level=\"critical\" value=\"502\" threshold=\"400\"\]\|syn-rate: CRITICAL: new_connections 502/s is above the critical level 400/s\$" \
	"^imudp\|5\|daemon\|tcptrack\|recovery\|2023-11-14T22:30:15\.000000Z\|.*event=\"recover\".* value=\"2\" threshold=\"50\" was=\"critical\""

# ---- connections per server (TCP) ----
# conns.pcap from 22:46:40: a connection to 10.3.0.2:443 opens every 0.5 s
# from 1 s (30 in all), they close one every 0.5 s from 20 s; 10.3.0.3:443
# keeps 3 all along (no alarm).
sl_conf "$TMP/conns.conf" <<'EOF'
[output conns]
plugin = syslog
metric = server_connections
server = 10.3.0.0/24
server_port = 443
warning = 10
critical = 25
clear = 8
for = 1s
ident = tt-conns
facility = local0
target = @TCP@
EOF
run conns conns.pcap
rs_wait conns 4
S='server="10.3.0.2" server_port="443"'
expect "connection count per server" conns \
	"^imtcp\|4\|local0\|tt-conns\|warning\|2023-11-14T22:46:48\.000000Z\|${SD}conns\" event=\"fire\" metric=\"server_connections\" level=\"warning\" value=\"14\" threshold=\"10\" $S\]\|conns: WARNING: server_connections 14 is above the warning level 10 for 1s; server 10\.3\.0\.2:443\$" \
	"^imtcp\|2\|local0\|tt-conns\|critical\|2023-11-14T22:46:55\.000000Z\|.*value=\"28\" threshold=\"25\" $S\]" \
	"^imtcp\|4\|local0\|tt-conns\|warning\|2023-11-14T22:47:04\.000000Z\|.*event=\"downgrade\".* value=\"22\"" \
	"^imtcp\|5\|local0\|tt-conns\|recovery\|2023-11-14T22:47:11\.000000Z\|.*value=\"8\" threshold=\"8\" $S was=\"warning\" duration=\"24\"\]"

# ---- suppression of repeats (unix) ----
# flap.pcap from 23:03:20: 2M and 100k alternating every 2 s for 36 s, then
# 2M for 14 s, then 100k.  With repeat = 15s only one alarm per 15 s is
# sent; the suppressed ones are counted and reported; an alarm that keeps
# holding after the window is announced.
sl_conf "$TMP/flap.conf" <<'EOF'
[output flap]
plugin = syslog
metric = conn_rate
warning = 1M
repeat = 15s
target = @UNIX@

[output flap-all]
plugin = syslog
metric = conn_rate
warning = 1M
target = @UNIX@
EOF
run flap flap.pcap
rs_wait flap 10
rs_wait flap-all 20
F='event="fire"'
R='event="recover"'
expect "suppression of repeats" flap \
	"\|warning\|2023-11-14T23:03:21\.000000Z\|.*$F" \
	"\|recovery\|2023-11-14T23:03:23\.000000Z\|.*$R" \
	"^imuxsock\|5\|daemon\|tcptrack\|repeats\|2023-11-14T23:03:36\.000000Z\|${SD}flap\" event=\"repeats\" .*suppressed=\"3\"\]\|flap: NOTICE: 3 repeated alarms of conn_rate suppressed \(repeat 15s\), now ok" \
	"\|warning\|2023-11-14T23:03:37\.000000Z\|.*$F" \
	"\|recovery\|2023-11-14T23:03:39\.000000Z\|.*$R" \
	"\|repeats\|2023-11-14T23:03:52\.000000Z\|.*suppressed=\"3\"" \
	"\|warning\|2023-11-14T23:03:53\.000000Z\|.*$F" \
	"\|recovery\|2023-11-14T23:03:55\.000000Z\|.*$R" \
	"^imuxsock\|4\|daemon\|tcptrack\|warning\|2023-11-14T23:04:08\.000000Z\|.*event=\"still\" .*suppressed=\"1\"\]\|flap: WARNING: the alarm still holds after 11s: conn_rate 2\.00 MB/s, warning level 1\.00 MB/s; .* \(1 repeat suppressed\)\$" \
	"\|recovery\|2023-11-14T23:04:11\.000000Z\|.*$R.*duration=\"14\""
n=$(rs_rule flap-all | wc -l)
[ "$n" -eq 20 ] && pass "without repeat, all 10 alarms and 10 recoveries are sent" ||
	fail "without repeat: $n messages, expected 20"

# ---- the rate limit (TCP) ----
# storm.pcap from 23:20:00: 40 connections above warning at once (5 of them
# above critical) from 2 s to 7 s.  max_rate 1/s, burst 4: the 4 first
# criticals (by address) go out, the 36 others are counted and reported
# once the storm is over; only announced alarms get a recovery.
sl_conf "$TMP/storm.conf" <<'EOF'
[output storm]
plugin = syslog
metric = conn_rate
server_port = 80
warning = 100k
critical = 500k
max_rate = 1
burst = 4
target = @TCP@
EOF
run storm storm.pcap
rs_wait storm 9
expect "rate limit: a burst, a report of what was dropped, recoveries of what was sent" storm \
	"\|2\|daemon\|tcptrack\|critical\|2023-11-14T23:20:03\.000000Z\|.*client=\"10\.5\.1\.3\" client_port=\"40003\"" \
	"\|critical\|2023-11-14T23:20:03\.000000Z\|.*client=\"10\.5\.1\.11\" client_port=\"40011\"" \
	"\|critical\|2023-11-14T23:20:03\.000000Z\|.*client=\"10\.5\.1\.19\" client_port=\"40019\"" \
	"\|critical\|2023-11-14T23:20:03\.000000Z\|.*client=\"10\.5\.1\.27\" client_port=\"40027\"" \
	"^imtcp\|4\|daemon\|tcptrack\|ratelimit\|2023-11-14T23:20:04\.000000Z\|${SD}storm\" event=\"ratelimit\" dropped=\"36\" alarms=\"36\" recoveries=\"0\" max_rate=\"1\"\]\|storm: NOTICE: rate limit 1/s: 36 messages not sent \(36 alarms, 0 recoveries\)" \
	"\|5\|daemon\|tcptrack\|recovery\|2023-11-14T23:20:08\.000000Z\|.*client=\"10\.5\.1\.3\" client_port=\"40003\"" \
	"\|recovery\|2023-11-14T23:20:08\.000000Z\|.*client=\"10\.5\.1\.11\" client_port=\"40011\"" \
	"\|recovery\|2023-11-14T23:20:08\.000000Z\|.*client=\"10\.5\.1\.19\" client_port=\"40019\"" \
	"\|recovery\|2023-11-14T23:20:08\.000000Z\|.*client=\"10\.5\.1\.27\" client_port=\"40027\""

# ---- a rule "below" and a connection younger than the rate's window ----
# young.pcap: 10.8.0.1:40000 -> 10.8.0.2:80 opens 0.6 s into a second and
# sends 1 MB/s for 3 s.  At the tick that ends that second its 1 s window
# holds 0.4 s of it: 400 kB/s, under the level, though it never sent
# slower.  It is compared with what it sent over its age: no message.
sl_conf "$TMP/young.conf" <<EOF
[output young]
plugin = syslog
metric = conn_rate
direction = below
warning = 500k
target = @UNIX@
EOF
run young young.pcap
rs_settle young
expect "a rule below: a connection younger than the rate's window is not taken for a slow one" young

# ---- a jump of the capture clock past the end of a period ----
# gap.pcap: 10 kB at 0.2 s, then nothing until 2.7 s.  The rule is evaluated
# at 1 s and at 2 s as the table was then, not as it is at 2.7 s (the
# second's traffic aged out of the rate's window): an alarm, a recovery.
sl_conf "$TMP/gap.conf" <<EOF
[output gap]
plugin = syslog
metric = total_rate
warning = 1k
target = @UNIX@
EOF
run gap gap.pcap
rs_wait gap 2
expect "a jump of the capture clock: each period evaluated as the table was at its end" gap \
	"\|warning\|2023-11-15T00:26:41\.000000Z\|.*gap: WARNING: total_rate 10\.0 kB/s is above the warning level 1\.0 kB/s\$" \
	"\|recovery\|2023-11-15T00:26:42\.000000Z\|.*gap: RECOVERY: total_rate 0 B/s is back at or under the clear level 1\.0 kB/s after 1s in alarm"

# ---- syslog(3), the default target ----
# syslog(3) writes to /dev/log: in a mount namespace of its own, /dev/log
# is this rsyslogd's socket.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	sl_conf "$TMP/sys3.conf" <<'EOF'
[output sys3]
plugin = syslog
metric = conn_rate
server_port = 80
warning = 1M
critical = 5M
clear = 800k
for = 2s
ident = tt-sys3
facility = local5
EOF
	unshare -m sh -c 'mount -t tmpfs tmpfs /dev && ln -s "$1" /dev/log && shift && exec "$@"' sh \
		"$RS_SOCK" "$TCPTRACK" -c "$TMP/sys3.conf" -T "$SL_DATA/flow.pcap" 2>"$TMP/sys3.err" ||
		fail "syslog(3): tcptrack: $(cat "$TMP/sys3.err")"
	wait_for 10 sh -c "[ \$(grep -c '|tt-sys3|' '$RS_OUT') -ge 4 ]" || true
	grep '|tt-sys3|' "$RS_OUT" > "$TMP/got.sys3"
	if [ "$(wc -l < "$TMP/got.sys3")" -eq 4 ] &&
	   sed -n 1p "$TMP/got.sys3" | grep -Eq '^imuxsock\|4\|local5\|tt-sys3\|.*sys3: WARNING: conn_rate 2\.00 MB/s is above the warning level' &&
	   sed -n 2p "$TMP/got.sys3" | grep -Eq '^imuxsock\|2\|local5\|tt-sys3\|.*sys3: CRITICAL: ' &&
	   sed -n 3p "$TMP/got.sys3" | grep -Eq '^imuxsock\|4\|local5\|tt-sys3\|.*sys3: WARNING: .* back at or under the critical level' &&
	   sed -n 4p "$TMP/got.sys3" | grep -Eq '^imuxsock\|5\|local5\|tt-sys3\|.*sys3: RECOVERY: '; then
		pass "syslog(3) by default, with facility and ident"
	else
		fail "syslog(3): got:"
		sed 's/^/    /' "$TMP/got.sys3"
	fi
else
	echo "SKIP: syslog(3) check needs root and unshare -m"
fi

finish
