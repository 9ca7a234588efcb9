# Helpers of the prometheus plugin's tests; source after lib.sh.
[ "${HAVE_MHD:-yes}" = yes ] || skip "tcptrack was built without libmicrohttpd: no prometheus plugin"
need_cmd curl
need_cmd python3

# prom_port ERRFILE [NAME]: the port tcptrack's prometheus output (the one
# named NAME) says it serves on (listen = 127.0.0.1:0 lets the kernel
# choose); waits up to 10 s
prom_port() {
	local i p
	for i in $(seq 100); do
		p=$(sed -n "s|.*${2:+ $2: }serving https\{0,1\}://.*:\([0-9]*\)/metrics.*|\1|p" "$1" | head -n 1)
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

# prom_start "RUN" TARGET ADDRESS [SCRAPE_LINES]: a Prometheus of the
# test's own (configuration and data in $TMP/prom, no system service)
# listening on ADDRESS, scraping TARGET every second; RUN is a command
# prefix to start it with (e.g. "ip netns exec NS"), or ""; SCRAPE_LINES
# are added to the scrape job (scheme, tls_config, basic_auth...).
# Returns when it is ready; prom_query then asks it.
prom_start() {
	PROM_RUN=$1 PROM_ADDR=$3
	mkdir -p "$TMP/prom"
	cat > "$TMP/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: tcptrack
${4:-}
    static_configs:
      - targets: ['$2']
YML
	promtool check config "$TMP/prom/prometheus.yml" > "$TMP/prom/check" 2>&1 ||
		fail "promtool check config: $(cat "$TMP/prom/check")"
	$PROM_RUN prometheus --config.file="$TMP/prom/prometheus.yml" --storage.tsdb.path="$TMP/prom/data" \
		--web.listen-address="$PROM_ADDR" 2>"$TMP/prom/log" &
	PROM_PID=$!
	add_cleanup prom_stop
	local i
	for i in $(seq 100); do
		$PROM_RUN curl -sf "http://$PROM_ADDR/-/ready" >/dev/null && return 0
		sleep 0.2
	done
	fail "prometheus not ready: $(tail -n 5 "$TMP/prom/log")"
	return 1
}
prom_stop() { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; return 0; }
# prom_query EXPR: the value of an instant query ("none" without a result)
prom_query() {
	$PROM_RUN curl -s --data-urlencode "query=$1" "http://$PROM_ADDR/api/v1/query" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
