#!/bin/sh
# A bad alert rule is one line naming the file and line (the key's line for
# a bad value, the section's for rules inconsistent across keys) and exit
# 78, before any capture starts; with --check-config and with -T alike.
. "$TESTS_SRCDIR/lib.sh"
PCAP=$TESTS_SRCDIR/plugins/syslog/flow.pcap

# bad LABEL LINE PATTERN BODY: the rule BODY as a second section (its header
# on line 8, its keys from line 10) must be refused with one line
# "FILE:LINE: ..." matching PATTERN.
bad() {
	label=$1 line=$2 pat=$3 body=$4
	conf=$TMP/bad.conf
	{
		printf '; a valid rule first\n[output ok]\nplugin = syslog\nmetric = conn_rate\n'
		printf 'warning = 1M\ntarget = udp:127.0.0.1:9\n\n'
		printf '[output bad]\nplugin = syslog\n%b' "$body"
	} > "$conf"
	for mode in check run; do
		if [ $mode = check ]; then
			tt -c "$conf" --check-config >"$TMP/out" 2>"$TMP/err"
		else
			tt -c "$conf" -T "$PCAP" >"$TMP/out" 2>"$TMP/err"
		fi
		rc=$?
		n=$(wc -l < "$TMP/err")
		if [ $rc -ne 78 ]; then
			fail "$label ($mode): exit $rc, expected 78: $(cat "$TMP/err")"
		elif [ "$n" -ne 1 ]; then
			fail "$label ($mode): $n lines on stderr, expected 1:"
			sed 's/^/    /' "$TMP/err"
		elif ! grep -Eq "^tcptrack: $conf:$line: $pat" "$TMP/err"; then
			fail "$label ($mode): '$(cat "$TMP/err")' does not match '$conf:$line: $pat'"
		elif [ -s "$TMP/out" ]; then
			fail "$label ($mode): something on stdout: $(cat "$TMP/out")"
		else
			[ $mode = run ] && pass "$label: $(sed "s#$conf#FILE#" "$TMP/err")"
		fi
	done
}

bad "unknown metric" 10 "key 'metric': unknown metric 'conn_speed' \(one of conn_rate, .*server_rate, conn_rtt, .*total_retrans_rate\)" \
	'metric = conn_speed\nwarning = 1M\n'
bad "critical below warning, direction above" 12 \
	"output bad: critical \(1\.00 MB/s\) is below warning \(5\.00 MB/s\): a rule of direction above needs critical at or above warning" \
	'metric = conn_rate\nwarning = 5M\ncritical = 1M\n'
bad "critical above warning, direction below" 13 "output bad: critical \(50\) is above warning \(10\)" \
	'metric = connections\ndirection = below\nwarning = 10\ncritical = 50\n'
bad "clear beyond warning" 12 "output bad: clear \(2\.00 MB/s\) is above the warning level \(1\.00 MB/s\)" \
	'metric = conn_rate\nwarning = 1M\nclear = 2M\n'
bad "no metric" 8 "output bad: key 'metric' is missing" 'warning = 1M\n'
bad "no level" 8 "output bad: give a warning level, a critical level or both" 'metric = half_open\n'
bad "a duration for a rate" 11 "output bad: warning '10s' is a duration, and the metric is not" \
	'metric = conn_rate\nwarning = 10s\n'
bad "a size for a duration" 11 "output bad: critical '10M' is not a duration, and the metric is in seconds" \
	'metric = conn_syn_time\ncritical = 10M\n'
# the TCP health metrics
bad "a round trip without the health measurement" 10 \
	"output bad: metric conn_rtt needs the TCP health measurement \(\[core\] tcp_health = yes\)" \
	'metric = conn_rtt\nwarning = 100ms\n[core]\ntcp_health = no\n'
bad "a retransmission rate without the health measurement" 10 \
	"output bad: metric total_retrans_rate needs the TCP health measurement" \
	'metric = total_retrans_rate\nwarning = 1%\n[core]\ntcp_health = no\n'
bad "a size for a round trip" 11 "output bad: warning '5M' is not a duration, and the metric is in seconds" \
	'metric = conn_rtt\nwarning = 5M\n'
bad "a percentage for a round trip" 11 "output bad: critical '5%' is not a duration, and the metric is in seconds" \
	'metric = server_rtt\ncritical = 5%\n'
bad "critical round trip below warning" 12 \
	"output bad: critical \(50ms\) is below warning \(100ms\): a rule of direction above needs critical at or above warning" \
	'metric = server_rtt\nwarning = 100ms\ncritical = 50ms\n'
bad "a duration for a retransmission rate" 11 "output bad: warning '10ms' is a duration, and the metric is not" \
	'metric = conn_retrans_rate\nwarning = 10ms\n'
bad "a size for a retransmission rate" 11 "output bad: warning '5k' is not a percentage, and the metric is one" \
	'metric = server_retrans_rate\nwarning = 5k\n'
bad "a retransmission rate above 100%" 12 "output bad: critical '150%' is above 100%, and the metric is a share of segments" \
	'metric = conn_retrans_rate\nwarning = 5\ncritical = 150%\n'
bad "clear beyond warning, in percent" 12 "output bad: clear \(3%\) is above the warning level \(2%\)" \
	'metric = total_retrans_rate\nwarning = 2%\nclear = 3%\n'
bad "a percentage for a rate" 11 "output bad: warning '5%' is a percentage, and the metric is not" \
	'metric = conn_rate\nwarning = 5%\n'
bad "a percentage of messages" 12 "key 'max_rate': '5%': not a number of messages" \
	'metric = conn_rate\nwarning = 1M\nmax_rate = 5%\n'
bad "bad level" 11 "key 'warning': 'fast': not a level" 'metric = conn_rate\nwarning = fast\n'
bad "target of unknown kind" 12 "key 'target': 'smtp:mail': use syslog, unix:/PATH, udp:HOST:PORT or tcp:HOST:PORT" \
	'metric = conn_rate\nwarning = 1M\ntarget = smtp:mail\n'
bad "target port out of range" 12 "key 'target': 'tcp:127\.0\.0\.1:99999': the port is not a number up to 65535" \
	'metric = conn_rate\nwarning = 1M\ntarget = tcp:127.0.0.1:99999\n'
bad "target without port" 12 "key 'target': 'udp:127\.0\.0\.1': no port; use udp:HOST:PORT" \
	'metric = conn_rate\nwarning = 1M\ntarget = udp:127.0.0.1\n'
bad "relative unix socket" 12 "key 'target': 'unix:log\.sock': a unix socket path must be absolute" \
	'metric = conn_rate\nwarning = 1M\ntarget = unix:log.sock\n'
# the daemon's log file named for its socket: every message would be lost
: >"$TMP/messages"
bad "unix target that is a regular file" 12 "key 'target': 'unix:$TMP/messages': a regular file, not a socket" \
	"metric = conn_rate\nwarning = 1M\ntarget = unix:$TMP/messages\n"
bad "unix target that is a directory" 12 "key 'target': 'unix:$TMP': a directory, not a socket" \
	"metric = conn_rate\nwarning = 1M\ntarget = unix:$TMP\n"
bad "bad filter" 12 "key 'filter': 'port eighty': " 'metric = conn_rate\nwarning = 1M\nfilter = port eighty\n'
bad "bad facility" 12 "key 'facility': 'local9': not a facility" \
	'metric = conn_rate\nwarning = 1M\nfacility = local9\n'
bad "bad prefix" 12 "key 'server': '10\.0\.0\.0/33': bad prefix length" \
	'metric = conn_rate\nwarning = 1M\nserver = 10.0.0.0/33\n'
bad "bad port" 12 "key 'server_port': '0': not a port" 'metric = conn_rate\nwarning = 1M\nserver_port = 80,0\n'
bad "bad direction" 12 "key 'direction': 'sideways': use above or below" \
	'metric = conn_rate\nwarning = 1M\ndirection = sideways\n'
bad "bad hold time" 12 "key 'for': 'soon': not a duration" 'metric = conn_rate\nwarning = 1M\nfor = soon\n'
bad "bad ident" 12 "key 'ident': 'two words': 1 to 48 printable characters" \
	'metric = conn_rate\nwarning = 1M\nident = two words\n'
bad "unknown key" 12 "key 'threshold': unknown key for plugin syslog" \
	'metric = conn_rate\nwarning = 1M\nthreshold = 5\n'

# and a good rule with every key is accepted
printf '[output all]\nplugin = syslog\nmetric = server_rate\ndirection = above\nwarning = 1.5M/s\n%s\n' \
	'critical = 10MB/s
clear = 1M
for = 2s
every = 500ms
repeat = 5m
max_rate = 2
burst = 5
server_port = 80,443,8000-8100
server = 10.0.0.0/8,2001:db8::/32
client = 192.168.0.0/16
filter = tcp and not src net 192.168.7.0/24
target = tcp:[::1]:514
facility = local7
ident = tt-alerts
queue = 100
max_keys = 5000
drain = 1s' > "$TMP/good.conf"
tt -c "$TMP/good.conf" --check-config >"$TMP/out" 2>&1 && pass "a rule with every key is accepted" ||
	fail "good config refused: $(cat "$TMP/out")"
# and the health metrics, with their units
printf '[output a]\nplugin = syslog\nmetric = conn_rtt\nwarning = 100ms\ncritical = 1.5\nclear = 80000us\n%s\n' \
	'[output b]
plugin = syslog
metric = server_retrans_rate
warning = 2.5%
critical = 10
clear = 1%' > "$TMP/good.conf"
tt -c "$TMP/good.conf" --check-config >"$TMP/out" 2>&1 && pass "health rules with their units are accepted" ||
	fail "good health rules refused: $(cat "$TMP/out")"
finish
