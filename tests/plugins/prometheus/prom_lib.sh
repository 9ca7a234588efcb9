# Helpers of the prometheus plugin's tests; source after lib.sh.
[ "${HAVE_MHD:-yes}" = yes ] || skip "tcptrack was built without libmicrohttpd: no prometheus plugin"
need_cmd curl
need_cmd python3

# prom_port ERRFILE: the port tcptrack's prometheus output says it serves
# on (listen = 127.0.0.1:0 lets the kernel choose); waits up to 10 s
prom_port() {
	local i p
	for i in $(seq 100); do
		p=$(sed -n 's|.*serving https\{0,1\}://.*:\([0-9]*\)/metrics.*|\1|p' "$1" | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

# metric TEXTFILE NAME{LABELS}: the value of one sample of an exposition
metric() {
	awk -v k="$2" '$1 == k { print $2; found = 1; exit } END { if (!found) print "missing" }' "$1"
}

# csv_sums CSV: c2s packets, c2s IP bytes, s2c packets, s2c IP bytes, rows
# of a connection log (columns 8, 9, 11, 12)
csv_sums() {
	awk -F, 'NR > 1 { a += $8; b += $9; c += $11; d += $12; n++ }
		END { printf "%d %d %d %d %d\n", a, b, c, d, n }' "$1"
}

# expo_sums TEXTFILE: the same five figures from an exposition
expo_sums() {
	echo "$(metric "$1" 'tcptrack_tcp_packets_total{direction="c2s"}')" \
		"$(metric "$1" 'tcptrack_ip_bytes_total{direction="c2s"}')" \
		"$(metric "$1" 'tcptrack_tcp_packets_total{direction="s2c"}')" \
		"$(metric "$1" 'tcptrack_ip_bytes_total{direction="s2c"}')" \
		"$(metric "$1" 'tcptrack_connections_opened_total')"
}
