# Two hosts for live tests: namespaces $NS_A (10.77.N.1) and $NS_B
# (10.77.N.2) joined by a veth pair tta$N/ttb$N.  Source it after lib.sh,
# with NETNS_ID set to a number unique to the test.  TT_NETNS_BASE (default
# 0) is added to it, so that two suites can run on one machine at once, each
# with its own base.
need_root
need_cmd ip
N=$((${NETNS_ID:?} + ${TT_NETNS_BASE:-0}))
NS_A=tt${N}a NS_B=tt${N}b IF_A=tta$N IF_B=ttb$N
ADDR_A=10.77.$N.1 ADDR_B=10.77.$N.2
netns_down() {
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	return 0
}
netns_down
ip netns add "$NS_A" && ip netns add "$NS_B" || skip "cannot create network namespaces"
add_cleanup netns_down
ip link add "$IF_A" type veth peer name "$IF_B" || skip "cannot create a veth pair"
ip link set "$IF_A" netns "$NS_A"
ip link set "$IF_B" netns "$NS_B"
ip -n "$NS_A" addr add "$ADDR_A/24" dev "$IF_A"
ip -n "$NS_B" addr add "$ADDR_B/24" dev "$IF_B"
ip -n "$NS_A" link set "$IF_A" up
ip -n "$NS_B" link set "$IF_B" up
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
