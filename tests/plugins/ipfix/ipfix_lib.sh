# Helpers of the ipfix plugin's tests: a collector (nfcapd) and a recorder
# of the messages for tshark, each on a loopback port of its own.
IPFIX_DIR=$TESTS_SRCDIR/plugins/ipfix

# free_port: a UDP port of 127.0.0.1 the kernel picks (free when asked)
free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ready_within_5s CMD...: whether CMD succeeds within 5 seconds
ready_within_5s() {
	for _ in $(seq 50); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# rmem_8m: let nfcapd's socket buffer (-B) be 8 MiB, more than Debian's
# net.core.rmem_max allows: the sysctl is raised (as root) for the test and
# put back after.  Returns 1 when it is smaller and cannot be raised.
rmem_8m() {
	RMEM=/proc/sys/net/core/rmem_max
	old_rmem=$(cat $RMEM)
	[ "$old_rmem" -ge 8388608 ] && return 0
	[ "$(id -u)" = 0 ] || return 1
	restore_rmem() { echo "$old_rmem" >$RMEM; }
	add_cleanup restore_rmem
	echo 8388608 >$RMEM
}

# nf_start DIR: nfcapd writing into DIR, its port in NF_PORT; NF_EXEC (e.g.
# "ip netns exec NS") runs it elsewhere
NF_EXEC=
nf_start() {
	NF_DIR=$1
	mkdir -p "$NF_DIR"
	NF_PORT=$(free_port)
	$NF_EXEC nfcapd -b 127.0.0.1 -p "$NF_PORT" -w "$NF_DIR" -t 3600 -B 8388608 -v >"$NF_DIR.log" 2>&1 &
	NF_PID=$!
	add_cleanup nf_kill
	ready_within_5s grep -q "Startup" "$NF_DIR.log" || { fail "nfcapd did not start: $(cat "$NF_DIR.log")"; finish; }
}
nf_kill() { [ -z "${NF_PID:-}" ] || kill "$NF_PID" 2>/dev/null; }
# rx_empty PORT [tcp]: whether the UDP socket bound to 127.0.0.1:PORT has
# read all it received (its Recv-Q is 0); for tcp, whether no connection to
# the listening socket is left (the receiver read each to its end)
rx_empty() {
	if [ "${2:-udp}" = tcp ]; then
		[ -z "$($NF_EXEC ss -Htn "sport = :$1")" ]
	else
		[ "$($NF_EXEC ss -Hunl "sport = :$1" | awk '{ print $2 }')" = 0 ]
	fi
}
# nf_stop OUT.csv: once nfcapd has read all that came, stop it (it writes
# its file at SIGTERM, and drops what its socket still holds), its flows as
# nfdump's CSV into OUT.csv
nf_stop() {
	ready_within_5s rx_empty "$NF_PORT" || fail "nfcapd still has datagrams to read after 5s"
	kill "$NF_PID"
	wait "$NF_PID"
	NF_PID=
	nfdump -R "$NF_DIR" -o csv >"$1"
}

# rec_start OUT.pcap [udp|tcp [PORT]]: ipfix_rec.py recording into OUT.pcap,
# on PORT or a free one, its port in REC_PORT (one recorder at a time; it
# does not keep a FIFO open on fd 3, as feed_half's)
rec_start() {
	REC_OUT=$1
	REC_PROTO=${2:-udp}
	REC_PORT=${3:-$(free_port)}
	rm -f "$REC_OUT.ready"
	python3 "$IPFIX_DIR/ipfix_rec.py" "$REC_PORT" "$REC_OUT" "$REC_PROTO" >"$REC_OUT.count" 3>&- &
	REC_PID=$!
	add_cleanup rec_kill
	ready_within_5s test -e "$REC_OUT.ready" || { fail "ipfix_rec.py did not start"; finish; }
}
rec_kill() { [ -z "${REC_PID:-}" ] || kill "$REC_PID" 2>/dev/null; }
# rec_stop OUT.json: stop the recorder, tshark's decoding of what it got
rec_stop() {
	ready_within_5s rx_empty "$REC_PORT" "$REC_PROTO" || fail "ipfix_rec.py still has datagrams to read after 5s"
	kill "$REC_PID"
	wait "$REC_PID"
	REC_PID=
	TZ=UTC tshark -r "$REC_OUT" -d udp.port==4739,cflow -T json >"$1" 2>/dev/null
}

sums() { python3 "$IPFIX_DIR/ipfix_sums.py" "$@"; }
# check_sums WHAT ARGS...: ipfix_sums.py ARGS, passed or failed as WHAT;
# LONGEST: the most records of one direction (0 on a failure)
check_sums() {
	local what=$1 out
	shift
	LONGEST=0
	if out=$(sums "$@"); then
		pass "$what: packets and bytes of every direction equal the log's ($out)"
		LONGEST=${out##* }
	else
		fail "$what: $out"
	fi
}
