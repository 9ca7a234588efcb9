#!/bin/bash
# The prometheus output's protections: a listen address beyond the loopback
# is refused unless allow_remote = yes; with tls_cert and tls_key it speaks
# only HTTPS; with auth_users only a user of the file with the right
# password gets the metrics (bcrypt hashes as Prometheus' web configuration
# takes them, and SHA-512 crypt); and a real Prometheus scrapes it so.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/prometheus/prom_lib.sh"
need_shared
need_cmd openssl
need_cmd prometheus
need_cmd promtool
CAP=$SHARED_DIR/pcaps/many-protocols.pcap

# the loopback only, unless asked
for l in 10.1.2.3:9999 0.0.0.0:9999 '[::]:9999' '[2001:db8::1]:9999'; do
	tt --check-config -T "$CAP" -o "prometheus:listen=$l" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 78 ] && grep -q 'beyond the loopback: say so with allow_remote = yes' "$TMP/err" ||
		fail "listen = $l: exit $rc: $(cat "$TMP/err")"
	tt --check-config -T "$CAP" -o "prometheus:listen=$l,allow_remote=yes" >/dev/null 2>"$TMP/err" ||
		fail "listen = $l, allow_remote = yes refused: $(cat "$TMP/err")"
done
for l in 127.0.0.1:9999 127.1.2.3:0 '[::1]:9999'; do
	tt --check-config -T "$CAP" -o "prometheus:listen=$l" >/dev/null 2>"$TMP/err" || fail "listen = $l refused: $(cat "$TMP/err")"
done
# ADDRESS:PORT as every key of the kind takes it: "::1:9999" is one IPv6
# address (with no port), not ::1 and a port
for l in '::1:9999' 127.0.0.1 127.0.0.1:65536 '[::1]9999' '[127.0.0.1]:9999' 127.0.0.1:+80; do
	tt --check-config -T "$CAP" -o "prometheus:listen=$l" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -ne 0 ] && grep -qF "'$l': " "$TMP/err" && grep -q "; use ADDRESS:PORT" "$TMP/err" ||
		fail "listen = $l: exit $rc: $(cat "$TMP/err")"
done
tt --check-config -T "$CAP" -o "prometheus:listen=::1:9999" 2>"$TMP/err"
grep -q "no port (an IPv6 address with a port goes in brackets)" "$TMP/err" ||
	fail "listen = ::1:9999: $(cat "$TMP/err")"
tt --check-config -T "$CAP" -o "prometheus:tls_cert=/x" 2>"$TMP/err"
[ $? -eq 78 ] && grep -q 'tls_cert and tls_key go together' "$TMP/err" || fail "tls_cert alone: $(cat "$TMP/err")"
# the files they name are read at the start: --check-config finds one missing
for k in auth_users tls_cert tls_key; do
	case $k in
	auth_users) o="auth_users=$TMP/none" ;;
	tls_cert) o="tls_cert=$TMP/none,tls_key=/dev/null" ;;
	tls_key) o="tls_cert=/dev/null,tls_key=$TMP/none" ;;
	esac
	tt --check-config -T "$CAP" -o "prometheus:$o" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 78 ] && grep -q "$k $TMP/none: No such file" "$TMP/err" &&
		pass "--check-config: $k of a missing file refused (78)" || fail "$k missing: exit $rc: $(cat "$TMP/err")"
done
pass "listen beyond the loopback only with allow_remote = yes; tls_cert needs tls_key"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>"$TMP/ssl.err" || fail "openssl: $(cat "$TMP/ssl.err")"
bc=$(python3 -c 'import crypt; print(crypt.crypt("wonderland", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))' 2>/dev/null)
[ "${bc:0:4}" = '$2b$' ] || skip "no bcrypt in python3's crypt"
{
	echo "# who may scrape"
	echo "alice:$bc"
	echo "bob:$(openssl passwd -6 builder)"
} > "$TMP/users"
# a certificate the server would not take (the key given as the
# certificate, a key of another certificate) or a users file with a line
# that is not a user is a mistake of the configuration: --check-config and
# a start refuse it alike (78), and nothing is served
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/other.key" 2>"$TMP/ssl.err" ||
	fail "openssl: $(cat "$TMP/ssl.err")"
echo alice > "$TMP/badusers"
refused=0
for o in "tls_cert=$TMP/key.pem,tls_key=$TMP/cert.pem" "tls_cert=$TMP/cert.pem,tls_key=$TMP/other.key" \
	"auth_users=$TMP/badusers"; do
	case $o in
	auth_users=*) want="auth_users $TMP/badusers:1: not user:hash" ;;
	*) want="not a PEM certificate and its unencrypted private key" ;;
	esac
	for how in --check-config ''; do
		tt $how -T "$CAP" -o "prometheus:listen=127.0.0.1:0,$o" >/dev/null 2>"$TMP/err"
		rc=$?
		[ $rc -eq 78 ] && grep -qF "$want" "$TMP/err" && ! grep -q serving "$TMP/err" && refused=$((refused + 1)) ||
			fail "$o, ${how:-a start}: exit $rc: $(cat "$TMP/err")"
	done
done
[ $refused -eq 6 ] && pass "a swapped or mismatched tls_cert and tls_key, a line of auth_users not user:hash: 78 at --check-config and at start"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
opts="tls_cert=$TMP/cert.pem,tls_key=$TMP/key.pem,auth_users=$TMP/users"

# curl: who gets what (the capture through a pipe that stays open: the
# run goes on while curl asks)
feed_half "$CAP" -o "prometheus:listen=127.0.0.1:0,$opts"
port=$(prom_port "$TMP/err") || fail "no port: $(cat "$TMP/err")"
url=https://127.0.0.1:$port/metrics
code() { curl -s -o "$TMP/body" -w '%{http_code}' --cacert "$TMP/cert.pem" "$@"; }
c1=$(code "$url")
c2=$(code -u alice:rabbit "$url")
c3=$(code -u carol:wonderland "$url")
c4=$(code -u alice:wonderland "$url")
grep -q '^tcptrack_packets_read_total ' "$TMP/body" || c4="$c4 without metrics"
c5=$(code -u bob:builder "$url")
c6=$(code -u bob:builder "$url")   # again: the cached password
curl -sf "http://127.0.0.1:$port/metrics" -o /dev/null && c7=plain-ok || c7=refused
[ "$c1 $c2 $c3 $c4 $c5 $c6 $c7" = "401 401 401 200 200 200 refused" ] &&
	pass "HTTPS only; no user, a wrong password or an unknown user 401; alice (bcrypt) and bob (SHA-512) 200" ||
	fail "answers: $c1 $c2 $c3 $c4 $c5 $c6 $c7 (want 401 401 401 200 200 200 refused)"
kill -TERM $FEED_PID
feed_close
wait $FEED_PID

# one host cannot keep the scraper out: 32 connections from 127.0.0.1 that
# send nothing (as many as the server takes) leave a scrape from 127.0.0.2
# its answer at once, and none of them is kept past 3 s
feed_half "$CAP" -o "prometheus:listen=127.0.0.1:0"
port=$(prom_port "$TMP/err") || fail "no port: $(cat "$TMP/err")"
python3 - "$port" > "$TMP/idle" <<'PY' &
import select, socket, sys, time
t0 = time.monotonic()
left = {socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(32)}
while left and time.monotonic() - t0 < 20:
    for s in select.select(list(left), [], [], 1)[0]:
        try:
            gone = not s.recv(1)
        except OSError:
            gone = True
        if gone:
            left.discard(s)
print(len(left), round(time.monotonic() - t0, 1))
PY
idle=$!
sleep 0.5
t0=$(date +%s%N)
c=$(curl -s --max-time 15 --interface 127.0.0.2 -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$port/metrics")
ms=$((($(date +%s%N) - t0) / 1000000))
wait $idle
read -r left secs < "$TMP/idle"
[ "$c" = 200 ] && [ $ms -lt 2000 ] && [ "$left" = 0 ] && [ "${secs%.*}" -lt 5 ] &&
	pass "32 idle connections from one host: a scrape from another answered in $ms ms; all let go in $secs s" ||
	fail "32 idle connections from one host: a scrape from another: $c after $ms ms; $left still open after $secs s"
kill -TERM $FEED_PID
feed_close
wait $FEED_PID

# a real Prometheus scrapes it over TLS with basic authentication:
# tcptrack first, on a port the kernel chooses (a port found free and
# closed again could be taken before tcptrack binds it, even by a scrape's
# own connection), half the capture through a pipe that stays open until
# Prometheus scrapes; then the rest, and the final scrape the linger waits for
feed_half "$CAP" -o "prometheus:listen=127.0.0.1:0,linger=20s,$opts" -o "csv:file=$TMP/conns.csv"
tport=$(prom_port "$TMP/err") || fail "no port: $(cat "$TMP/err")"
pport=$(free_port)
prom_start "" "127.0.0.1:$tport" "127.0.0.1:$pport" "    scheme: https
    tls_config:
      ca_file: $TMP/cert.pem
    basic_auth:
      username: alice
      password: wonderland" 3>&- || { feed_close; wait $FEED_PID; finish; } # (its end of the pipe is not Prometheus's)
for _ in $(seq 100); do # scraped once while the run goes on
	[ "$(prom_query 'count(up{job="tcptrack"} == 1)')" = 1 ] && break
	sleep 0.2
done
feed_rest
wait $FEED_PID || fail "tcptrack: exit $?: $(cat "$TMP/err")"
sleep 1.5  # the last scrape is stored
got=$(prom_query 'last_over_time(tcptrack_connections_opened_total[5m])')
want=$(tail -n +2 "$TMP/conns.csv" | wc -l)
[ "$got" = "$want" ] && pass "Prometheus scraped over TLS as alice: $got connections, as the CSV log" ||
	fail "Prometheus holds '$got' connections, the CSV log $want: $(tail -n 3 "$TMP/prom/log")"
finish
