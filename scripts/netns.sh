#!/usr/bin/env bash
# netns.sh up NAME | down NAME | exec NAME CMD...
# The test network: a private network namespace NAME holding a bridge br0
# (10.77.0.1/24, fixed MAC) and three taps on it (tapA, tapB for Bochs,
# tapQ for QEMU), IPv6 off so the segment carries only what the tests send.
# Nothing leaves the namespace. 'up' is idempotent. 'down' stops nothing:
# stop the emulators on the taps first (by pid), then call it.
set -euo pipefail

BRIDGE=br0
BRIDGE_ADDR=10.77.0.1/24
BRIDGE_MAC=02:00:0a:4d:00:01      # locally administered; 0a:4d = 10.77
TAPS=(tapA tapB tapQ)

usage() {
	echo "usage: $0 up NAME | down NAME | exec NAME CMD..." >&2
	exit 2
}

has_ns() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }
has_link() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }

up() {
	local ns=$1
	has_ns "$ns" || ip netns add "$ns"
	# Before any device exists, so that every device inherits it.
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip -n "$ns" link set lo up
	# No spanning tree: ports forward as soon as an emulator opens them.
	has_link "$ns" $BRIDGE || ip -n "$ns" link add $BRIDGE type bridge stp_state 0
	ip -n "$ns" link set $BRIDGE address $BRIDGE_MAC
	ip -n "$ns" addr replace $BRIDGE_ADDR dev $BRIDGE
	ip -n "$ns" link set $BRIDGE up
	for tap in "${TAPS[@]}"; do
		has_link "$ns" "$tap" || ip -n "$ns" tuntap add dev "$tap" mode tap
		ip -n "$ns" link set "$tap" master $BRIDGE
		ip -n "$ns" link set "$tap" up
	done
}

down() {
	local ns=$1
	has_ns "$ns" || return 0
	for tap in "${TAPS[@]}"; do
		has_link "$ns" "$tap" && ip -n "$ns" link del "$tap"
	done
	has_link "$ns" $BRIDGE && ip -n "$ns" link del $BRIDGE
	ip netns del "$ns"
}

[ $# -ge 2 ] || usage
cmd=$1 ns=$2
shift 2
case $cmd in
up) up "$ns" ;;
down) down "$ns" ;;
exec) [ $# -ge 1 ] || usage; exec ip netns exec "$ns" "$@" ;;
*) usage ;;
esac
