#!/bin/bash
# Names and processes, live, between two network namespaces of our own:
#  - reverse lookups: a dnsmasq of the test's own (in B, its own config, in the
#    foreground) answers PTR queries; the CSV columns and the view (tmux) show
#    its names, and an address it does not know stays a number;
#  - processes: python3 and socat servers and clients with known PIDs in the
#    capture's namespace (A); the CSV and the view show their PIDs and
#    command names, and a connection whose process exited keeps its name;
#  - a resolver that answers after 5 s (a delaying proxy) or not at all: the
#    capture goes on, every connection is counted, the loop's longest turn
#    stays short (the figure is printed), and the cache keeps its bound.
. "$TESTS_SRCDIR/lib.sh"
need_root
need_cmd python3
need_cmd socat
need_cmd tmux
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || skip "dnsmasq is not installed"

NETNS_ID=46
. "$TESTS_SRCDIR/netns.sh"
SOCK=ttnames$$
. "$TESTS_SRCDIR/plugins/top/tmux_lib.sh"
PY=/usr/bin/python3
pids=""
teardown() {
	stop_tmux
	[ -n "$pids" ] && kill $pids 2>/dev/null
	pkill -f "$TMP/delay.py" 2>/dev/null # its threads may outlive the kill of its pid
	true
}
add_cleanup teardown

# a second address on B, that dnsmasq does not know
ip -n "$NS_B" addr add "10.77.$N.3/24" dev "$IF_B"
ADDR_C=10.77.$N.3

# dnsmasq on B, port 5353: forward and PTR records for A and B, nothing else
cat > "$TMP/dnsmasq.conf" <<CONF
port=5353
listen-address=$ADDR_B
bind-interfaces
no-resolv
no-hosts
local-ttl=300
log-queries
log-facility=$TMP/dnsmasq.log
address=/alpha.tt.test/$ADDR_A
address=/beta.tt.test/$ADDR_B
ptr-record=$(echo $ADDR_A | awk -F. '{print $4"."$3"."$2"."$1}').in-addr.arpa,alpha.tt.test
ptr-record=$(echo $ADDR_B | awk -F. '{print $4"."$3"."$2"."$1}').in-addr.arpa,beta.tt.test
CONF
ip netns exec "$NS_B" "$DNSMASQ" --keep-in-foreground --conf-file="$TMP/dnsmasq.conf" --pid-file= &
DNS_PID=$!
pids="$pids $DNS_PID"
for _ in $(seq 100); do # bound to its UDP port, or gone
	ip netns exec "$NS_B" ss -Hlun "sport = :5353" | grep -q . && break
	kill -0 "$DNS_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$DNS_PID" 2>/dev/null || { fail "dnsmasq did not start"; finish; }

# forward and reverse answers of the server itself, as a client sees them
fwd=$(in_a $PY - "$ADDR_B" <<'PY'
import socket, struct, sys
q = struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\x05alpha\x02tt\x04test\x00" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(q, (sys.argv[1], 5353)); r = s.recv(512)
print(socket.inet_ntoa(r[-4:]))
PY
)
[ "$fwd" = "$ADDR_A" ] && pass "dnsmasq answers alpha.tt.test = $fwd" || fail "dnsmasq forward answer: '$fwd'"

conf() { # FILE RESOLVER [more core lines]
	{
		echo "[core]"
		echo "resolver = $2"
		echo "names_ptr = yes"
		shift 2
		for l in "$@"; do echo "$l"; done
	} > "$TMP/$1"
}

# ---- reverse names and processes: CSV ----
conf ptr.conf "$ADDR_B:5353"
ip netns exec "$NS_A" "$TCPTRACK" -c "$TMP/ptr.conf" -i "$IF_A" \
	-o "csv:mode=connections,file=$TMP/ptr.csv,columns=client_name+server_name+pid+process+user" \
	2> "$TMP/ptr.err" &
TT=$!
wait_capturing "$TMP/ptr.err" $TT
# a python3 server in A (the local end: server), a socat client in B
ip netns exec "$NS_A" $PY -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$ADDR_A', 7001)); s.listen(8); s.settimeout(20)
c, _ = s.accept(); c.recv(100); time.sleep(1); c.close()
" &
SRV_PID=$!
# a socat server in A (one connection, in its own process; held 3 s, so
# that a walk of /proc, a slice each turn of the loop, reaches socat while
# the socket is open even in a sanitizer build on a loaded machine: -t 4,
# as socat would close half a second after the client's end of file)
ip netns exec "$NS_A" socat -t 4 TCP-LISTEN:7002,bind=$ADDR_A,reuseaddr SYSTEM:"sleep 3" &
SOCAT_PID=$!
# a listener in A on any address, port 7007, that no connection is for; a
# server in A on 7006 that a client in B reaches from its port 7007; and
# SYNs from B to port 7007 of an address that is not A's, sent to A's MAC
# (as to a router; A does not forward them)
ip netns exec "$NS_A" socat TCP-LISTEN:7007,reuseaddr SYSTEM:"sleep 1" &
DECOY_PID=$!
pids="$pids $DECOY_PID" # no connection comes for it: it would listen on
ip netns exec "$NS_A" socat -t 4 TCP-LISTEN:7006,bind=$ADDR_A,reuseaddr SYSTEM:"sleep 3" &
S6_PID=$!
# a server in B on an address dnsmasq does not know, and a python3 client
# in A (the local end: client) that exits after 2 s
ip netns exec "$NS_B" socat TCP-LISTEN:7003,bind=$ADDR_C,reuseaddr SYSTEM:"cat >/dev/null" &
pids="$pids $!"
# (python3 starts slowly on a loaded machine: the clients wait for the servers)
wait_tcp_listen "$NS_A" 7001 7002 7006 7007
wait_tcp_listen "$NS_B" 7003
echo hello | in_b socat -t 2 - TCP:$ADDR_A:7001 &
in_b socat -u OPEN:/dev/null TCP:$ADDR_A:7002 &
in_b socat -u OPEN:/dev/null TCP:$ADDR_A:7006,sourceport=7007 &
NOT_A=10.77.$N.9
in_b ip neigh replace $NOT_A lladdr "$(in_a cat /sys/class/net/$IF_A/address)" dev $IF_B nud permanent
in_b timeout 3 socat -u OPEN:/dev/null TCP:$NOT_A:7007,connect-timeout=2 2>/dev/null &
ip netns exec "$NS_A" $PY -c "
import socket, time
s = socket.create_connection(('$ADDR_C', 7003)); s.send(b'x' * 10); time.sleep(2)
" &
CLI_PID=$!
for _ in $(seq 50); do # connected (it holds the connection 2 s)
	in_a ss -tnp | grep -q "pid=$CLI_PID," && break
	sleep 0.1
done
kill -0 $CLI_PID 2>/dev/null && in_a ss -tnp | grep -q "pid=$CLI_PID," &&
	pass "the python3 client $CLI_PID holds its connection (ss -tp)" || fail "ss -tp does not see the client"
wait $CLI_PID
sleep 1
wait $SRV_PID $SOCAT_PID $S6_PID 2>/dev/null
sleep 3 # the closed connections linger
kill -TERM $TT; wait $TT
sed 1d "$TMP/ptr.csv" | cut -d, -f3-6,24- > "$TMP/ptr.rows"
cat "$TMP/ptr.rows"
row7001=$(grep ",7001," "$TMP/ptr.rows")
row7002=$(grep ",7002," "$TMP/ptr.rows")
row7003=$(grep ",7003," "$TMP/ptr.rows")
IFS=, read -r _ _ _ _ cn sn pid proc user <<< "$row7001"
[ "$cn" = beta.tt.test ] && [ "$sn" = alpha.tt.test ] && pass "PTR names of both ends: $cn -> $sn" ||
	fail "PTR names of the 7001 connection: '$cn' '$sn'"
[ "$pid" = "$SRV_PID" ] && [ "$proc" = python3 ] && [ "$user" = root ] &&
	pass "the python3 server's pid $pid, process $proc, user $user" ||
	fail "the 7001 server's process: '$pid' '$proc' '$user', want $SRV_PID python3 root"
IFS=, read -r _ _ _ _ cn sn pid proc user <<< "$row7002"
[ "$pid" = "$SOCAT_PID" ] && [ "$proc" = socat ] &&
	pass "the socat server's pid $pid, process $proc" ||
	fail "the 7002 server's process: '$pid' '$proc', want $SOCAT_PID socat"
IFS=, read -r _ cp _ _ cn sn pid proc user <<< "$(awk -F, '$4 == 7006' "$TMP/ptr.rows")"
[ "$cp" = 7007 ] && [ "$pid" = "$S6_PID" ] && [ "$proc" = socat ] &&
	pass "a client whose port is a listener's here: the server's process ($pid), not the listener's ($DECOY_PID)" ||
	fail "the 7006 connection from port 7007: port '$cp', pid '$pid' '$proc', want $S6_PID (not $DECOY_PID)"
row_not_a=$(awk -F, -v a=$NOT_A '$3 == a && $4 == 7007' "$TMP/ptr.rows")
IFS=, read -r _ _ _ _ cn sn pid proc user <<< "$row_not_a"
[ -n "$row_not_a" ] && [ -z "$pid$proc$user" ] &&
	pass "a connection to another host's address: no process, though a listener here has its port" ||
	fail "the connection to $NOT_A:7007: '$row_not_a', want a row with no process (the listener here is $DECOY_PID)"
IFS=, read -r _ _ _ _ cn sn pid proc user <<< "$row7003"
[ "$pid" = "$CLI_PID" ] && [ "$proc" = python3 ] &&
	pass "the python3 client's pid $pid, process $proc, kept after it exited" ||
	fail "the 7003 client's process: '$pid' '$proc', want $CLI_PID python3"
[ "$sn" = "" ] && [ "$cn" = alpha.tt.test ] && pass "an address dnsmasq does not know stays a number" ||
	fail "the 7003 connection's names: '$cn' '$sn'"
grep "names:" "$TMP/ptr.err"
grep -q "PTR" "$TMP/dnsmasq.log" && pass "dnsmasq was asked PTR questions" || fail "dnsmasq saw no PTR query"

# ---- processes under user and chroot: /proc is opened before the chroot
# (inside it there is none; every process was unknown) ----
mkdir -m 755 "$TMP/jail" "$TMP/jlog"
chown nobody "$TMP/jlog"
conf jail.conf "$ADDR_B:5353" "user = nobody" "chroot = $TMP/jail"
ip netns exec "$NS_A" "$TCPTRACK" -c "$TMP/jail.conf" -i "$IF_A" \
	-o "csv:mode=connections,file=$TMP/jlog/jail.csv,columns=pid+process+user" 2>"$TMP/jail.err" &
TT=$!
wait_capturing "$TMP/jail.err" $TT
# a server of the user tcptrack runs as (the /proc of others' is closed to it)
ip netns exec "$NS_A" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	socat -t 4 TCP-LISTEN:7020,bind=$ADDR_A,reuseaddr SYSTEM:"sleep 3" &
JAIL_PID=$!
# and one of root's, whose process is hidden from nobody: its owner is told
ip netns exec "$NS_A" socat -t 4 TCP-LISTEN:7021,bind=$ADDR_A,reuseaddr SYSTEM:"sleep 3" &
ROOT_PID=$!
wait_tcp_listen "$NS_A" 7020
wait_tcp_listen "$NS_A" 7021
in_b socat -u OPEN:/dev/null TCP:$ADDR_A:7020
in_b socat -u OPEN:/dev/null TCP:$ADDR_A:7021
wait $JAIL_PID $ROOT_PID 2>/dev/null
sleep 1
kill -TERM $TT; wait $TT
IFS=, read -r pid proc user <<< "$(awk -F, '$6 == 7020 { print $24 "," $25 "," $26 }' "$TMP/jlog/jail.csv")"
[ "$pid" = "$JAIL_PID" ] && [ "$proc" = socat ] && [ "$user" = nobody ] &&
	pass "user = nobody, chroot: the server's process found ($pid $proc $user)" ||
	fail "user and chroot: process '$pid' '$proc' '$user', want $JAIL_PID socat nobody: $(grep -i proc "$TMP/jail.err")"
IFS=, read -r pid proc user <<< "$(awk -F, '$6 == 7021 { print $24 "," $25 "," $26 }' "$TMP/jlog/jail.csv")"
[ -z "$pid$proc" ] && [ "$user" = root ] &&
	pass "user = nobody: root's server, its process hidden, has its owner (root)" ||
	fail "root's server under user = nobody: '$pid' '$proc' '$user', want '' '' root"

# ---- loopback: never asked about (no DNS server names it; the query
# would only leave the host) ----
ip netns exec "$NS_A" "$TCPTRACK" -c "$TMP/ptr.conf" -i lo \
	-o "csv:mode=connections,file=$TMP/lo.csv,columns=client_name+server_name" 2>"$TMP/lo.err" &
TT=$!
wait_capturing "$TMP/lo.err" $TT
ip netns exec "$NS_A" socat TCP-LISTEN:7004,bind=127.0.0.1,reuseaddr SYSTEM:"cat >/dev/null" &
pids="$pids $!"
ip netns exec "$NS_A" socat TCP6-LISTEN:7005,bind=[::1],reuseaddr SYSTEM:"cat >/dev/null" &
pids="$pids $!"
wait_tcp_listen "$NS_A" 7004 7005
echo x | in_a socat -t 1 - TCP:127.0.0.1:7004
echo x | in_a socat -t 1 - TCP6:[::1]:7005
sleep 1
kill -TERM $TT; wait $TT
nlo=$(grep -c ",700[45]," "$TMP/lo.csv")
[ "$nlo" = 2 ] && pass "connections on 127.0.0.1 and ::1 logged ($nlo)" || fail "loopback connections logged: $nlo"
if grep -E "PTR\] (1\.0\.0\.127\.in-addr|1(\.0){31}\.ip6)" "$TMP/dnsmasq.log"; then
	fail "loopback addresses were asked about"
else
	pass "no reverse lookup of 127.0.0.1 or ::1"
fi

# ---- the view: names, processes, n toggles ----
ip netns exec "$NS_A" $PY -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$ADDR_A', 7004)); s.listen(8); s.settimeout(20)
c, _ = s.accept(); time.sleep(30)
" &
VSRV=$!
pids="$pids $VSRV"
tm -f /dev/null new-session -d -x 160 -y 20 \
	"ip netns exec $NS_A env TCPTRACK_PLUGIN_DIR='$TCPTRACK_PLUGIN_DIR' '$TCPTRACK' -c '$TMP/ptr.conf' -i $IF_A; sleep 600"
# the client sends once: the view must be capturing first (a sanitizer
# build starts slowly), and the server must be python3's on ADDR_A, not
# the socat still listening on 127.0.0.1:7004 from above
wait_for "Live on $IF_A" 20 || { fail "the view did not start"; screen; }
wait_tcp_listen "$NS_A" "$ADDR_A:7004"
ip netns exec "$NS_B" $PY -c "
import socket, time
s = socket.create_connection(('$ADDR_A', 7004)); s.send(b'x'); time.sleep(30)
" &
pids="$pids $!"
if wait_for "beta\.tt\.test:[0-9]+ +alpha\.tt\.test:7004 .*$VSRV python3" 10; then
	pass "the view shows the names and the process: $(screen | grep -E 'alpha.tt.test:7004' | head -1 | tr -s ' ')"
else
	fail "the view: no named row with the process"; screen
fi
tm send-keys n
if wait_for "$ADDR_A:7004" 5; then pass "n shows numbers"; else fail "n: no numbers"; screen; fi
tm send-keys n
wait_for "alpha\.tt\.test:7004" 5 && pass "n again: names" || fail "n again: no names"
tm send-keys / python3 Enter
sleep 1.5
if screen | grep -q "alpha.tt.test:7004" && ! screen | grep -q ":7001 "; then
	pass "the filter / matches a process name"
else
	fail "the filter on python3"; screen
fi
stop_tmux

# ---- a resolver that answers after 5 s, or not at all ----
cat > "$TMP/delay.py" <<'PY'
import socket, sys, threading, time
listen, upstream = (sys.argv[1], int(sys.argv[2])), (sys.argv[3], int(sys.argv[4]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(listen)
def later(q, peer):
    time.sleep(5)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
    u.sendto(q, upstream)
    try:
        s.sendto(u.recv(4096), peer)
    except OSError:
        pass
while True:
    q, peer = s.recvfrom(4096)
    threading.Thread(target=later, args=(q, peer), daemon=True).start()
PY
ip netns exec "$NS_A" $PY "$TMP/delay.py" 127.0.0.1 19453 "$ADDR_B" 5353 &
pids="$pids $!"
# many addresses to name: 300 of them on B; a cache of 64 names
for i in $(seq 10 209); do ip -n "$NS_B" addr add "10.77.$N.$i/24" dev "$IF_B" 2>/dev/null; done
run_many() { # CONF LABEL
	ip netns exec "$NS_A" "$TCPTRACK" -c "$TMP/$1" -i "$IF_A" -o "csv:mode=connections,file=$TMP/$2.csv,columns=server_name" \
		2> "$TMP/$2.err" &
	local tt=$!
	wait_capturing "$TMP/$2.err" $tt
	ip netns exec "$NS_B" socat TCP-LISTEN:7010,reuseaddr,fork SYSTEM:true &
	local srv=$!
	wait_tcp_listen "$NS_B" 7010
	for i in $(seq 10 209); do
		in_a socat -u OPEN:/dev/null TCP:10.77.$N.$i:7010,bind=$ADDR_A 2>/dev/null
	done
	sleep 1
	kill $srv 2>/dev/null
	kill -TERM $tt; wait $tt
	local rows
	rows=$(sed 1d "$TMP/$2.csv" | grep -c ",7010,")
	local line
	line=$(grep "names:" "$TMP/$2.err")
	echo "$2: $line"
	local longest peak max
	longest=$(echo "$line" | sed -n 's/.*longest turn of the loop [0-9.]* ms (\([0-9.]*\) ms on the CPU).*/\1/p')
	peak=$(echo "$line" | sed -n 's/.* (at most \([0-9]*\)).*/\1/p')
	max=$(echo "$line" | sed -n 's/.* cached of \([0-9]*\) .*/\1/p')
	[ "$rows" = 200 ] && pass "$2: all 200 connections counted" || fail "$2: $rows connections of 200"
	[ -n "$peak" ] && [ "$peak" -le "$max" ] && pass "$2: the cache held at most $peak of $max" ||
		fail "$2: cache $peak of $max"
	# a generous bound (the machine is shared): the figure is what matters
	awk -v l="$longest" 'BEGIN { exit !(l != "" && l < 100) }' &&
		pass "$2: longest turn of the loop $longest ms on the CPU" || fail "$2: longest turn '$longest' ms"
}
conf slow.conf "127.0.0.1:19453" "names_cache = 64" "names_ptr_rate = 1000"
run_many slow.conf slow
kill "$DNS_PID"; wait "$DNS_PID" 2>/dev/null
conf dead.conf "$ADDR_B:5353" "names_cache = 64" "names_ptr_rate = 1000"
run_many dead.conf dead
# ---- a connection longer than its names' TTL keeps them in its rows ----
# a second dnsmasq whose answers have a TTL of 0: a name then lasts 60 s;
# past that it is asked again, and shown until the answer (before, a row
# written then had no name)
sed -e 's/^port=5353$/port=5354/; s/^local-ttl=300$/local-ttl=0/; s|^log-facility=.*|log-facility='"$TMP"'/dnsmasq0.log|' \
	"$TMP/dnsmasq.conf" > "$TMP/dnsmasq0.conf"
ip netns exec "$NS_B" "$DNSMASQ" --keep-in-foreground --conf-file="$TMP/dnsmasq0.conf" --pid-file= &
DNS0_PID=$!
pids="$pids $DNS0_PID"
for _ in $(seq 100); do
	ip netns exec "$NS_B" ss -Hlun "sport = :5354" | grep -q . && break
	sleep 0.1
done
conf ttl.conf "$ADDR_B:5354"
ip netns exec "$NS_A" "$TCPTRACK" -c "$TMP/ttl.conf" -i "$IF_A" \
	-o "csv:mode=intervals,interval=10s,file=$TMP/ttl.csv,columns=server_name" \
	-o "csv:mode=connections,file=$TMP/ttlc.csv,columns=client_name+server_name" 2>"$TMP/ttl.err" &
TT=$!
wait_capturing "$TMP/ttl.err" $TT
ip netns exec "$NS_A" socat TCP-LISTEN:7010,bind=$ADDR_A,reuseaddr SYSTEM:"cat >/dev/null" &
pids="$pids $!"
wait_tcp_listen "$NS_A" 7010
# a line a second for 75 s: a row in every interval
in_b sh -c 'for i in $(seq 75); do echo x; sleep 1; done' | in_b socat -u - TCP:$ADDR_A:7010
sleep 1
kill -TERM $TT; wait $TT
kill $DNS0_PID; wait $DNS0_PID 2>/dev/null
rows=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "server_name") c = i } NR > 1 && $c != "" { print $c }' "$TMP/ttl.csv" | sort | uniq -c)
nrows=$(tail -n +2 "$TMP/ttl.csv" | wc -l)
named=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "server_name") c = i } NR > 1 && $c == "alpha.tt.test"' "$TMP/ttl.csv" | wc -l)
nptr=$(grep -c "query\[PTR\] $(echo $ADDR_A | awk -F. '{print $4"."$3"."$2"."$1}')" "$TMP/dnsmasq0.log")
conn=$(tail -n +2 "$TMP/ttlc.csv" | awk -F, '$6 == 7010 { print $24 "," $25 }')
if [ "$nrows" -ge 7 ] && [ "$named" = "$nrows" ] && [ "$nptr" -ge 2 ] && [ "$conn" = "beta.tt.test,alpha.tt.test" ]; then
	pass "75 s past a TTL of 0 (60 s): all $nrows interval rows and the connection's row named, the server asked $nptr times"
else
	fail "names past their TTL: $named of $nrows interval rows named ($rows), $nptr PTR queries of the server, connection row names '$conn'"
fi
finish
