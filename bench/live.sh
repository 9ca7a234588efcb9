#!/bin/bash
# bench/live.sh: kernel drops of tcptrack next to tcpdump, live, at the
# highest packet rate iperf3 makes here.  Two network namespaces joined by a
# veth pair; iperf3 sends 8 streams with an MSS of 536 for 8 s; tcptrack
# (a CSV log) and `tcpdump -w /dev/null` listen on the receiving end at the
# same time; each says what the kernel dropped.  A benchmark, not a test:
# it prints figures.  Needs root, iproute2, iperf3, tcpdump, ethtool.
#   usage: bench/live.sh [offloads-on|offloads-off]   (default: both)
# environment: TCPTRACK (default ../tcptrack beside this script),
#   TCPTRACK_PLUGIN_DIR (default plugins/.libs beside it)
set -u
here=$(cd "$(dirname "$0")" && pwd)
TCPTRACK=${TCPTRACK:-$here/../tcptrack}
export TCPTRACK_PLUGIN_DIR=${TCPTRACK_PLUGIN_DIR:-$here/../plugins/.libs}
for c in ip iperf3 tcpdump ethtool; do
	command -v $c >/dev/null || { echo "live.sh: $c is not installed" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "live.sh: needs root (network namespaces)" >&2; exit 1; }
A=ttlA B=ttlB W=$(mktemp -d)
down() { ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf "$W"; }
trap down EXIT

run() {
	ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null
	ip netns add $A && ip netns add $B || exit 1
	ip link add ttla type veth peer name ttlb
	ip link set ttla netns $A
	ip link set ttlb netns $B
	ip -n $A addr add 10.88.0.1/24 dev ttla
	ip -n $B addr add 10.88.0.2/24 dev ttlb
	ip -n $A link set ttla up
	ip -n $B link set ttlb up
	if [ "$1" = offloads-off ]; then
		ip netns exec $A ethtool -K ttla tso off gso off gro off >/dev/null 2>&1
		ip netns exec $B ethtool -K ttlb tso off gso off gro off >/dev/null 2>&1
	fi
	ip netns exec $B iperf3 -s -D -1 >/dev/null 2>&1
	sleep 0.5
	ip netns exec $B "$TCPTRACK" -i ttlb -o "csv:file=$W/live.csv" 2>"$W/tt" &
	tp=$!
	ip netns exec $B tcpdump -i ttlb -w /dev/null 2>"$W/td" &
	dp=$!
	sleep 1
	ip netns exec $A iperf3 -c 10.88.0.2 -P 8 -M 536 -t 8 >"$W/iperf" 2>&1
	sleep 1
	kill -INT $tp $dp
	wait $tp $dp 2>/dev/null
	echo "$1: $(grep 'SUM.*receiver' "$W/iperf" | awk '{ print $6, $7 }')"
	echo "  tcptrack: $(sed -n 's/.* \([0-9]*\) packets read.* \([0-9]*\) dropped by the kernel.*/\1 packets, \2 dropped by the kernel/p' "$W/tt")"
	echo "  tcpdump:  $(grep 'received by filter' "$W/td" | awk '{ print $1 }') packets, $(grep 'dropped by kernel' "$W/td" | awk '{ print $1 }') dropped by the kernel"
	ip netns del $A
	ip netns del $B
}

case ${1:-both} in
both) run offloads-off; run offloads-on ;;
offloads-on|offloads-off) run "$1" ;;
*) echo "usage: bench/live.sh [offloads-on|offloads-off]" >&2; exit 64 ;;
esac
