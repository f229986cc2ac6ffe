#!/bin/sh
# bench/netns.sh up|down: a network namespace "wasmio-bench" for load
# generators, joined to this one by a veth pair (10.77.0.1 here, 10.77.0.2
# there), with receive packet steering sending each side's receive work to
# its own CPU: the server's (CPU 0) to CPU 0 and the load generator's to
# CPU 1. Over loopback, the kernel runs a receiver's TCP receive path in
# the sender's system call, so the server's CPU pays for the clients'
# receive; over the veth pair with RPS it does not. Needs root (or
# CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2. Run a load generator inside
# with `ip netns exec wasmio-bench CMD`; see bench/README.md.
set -eu
ns=wasmio-bench
case "${1:-}" in
up)
	ip netns del $ns 2>/dev/null || true
	ip link del wb-host 2>/dev/null || true
	ip netns add $ns
	ip link add wb-host type veth peer name wb-clients
	ip link set wb-clients netns $ns
	ip addr add 10.77.0.1/24 dev wb-host
	ip link set wb-host up
	ip netns exec $ns ip addr add 10.77.0.2/24 dev wb-clients
	ip netns exec $ns ip link set wb-clients up
	ip netns exec $ns ip link set lo up
	echo 1 >/sys/class/net/wb-host/queues/rx-0/rps_cpus
	ip netns exec $ns sh -c 'echo 2 >/sys/class/net/wb-clients/queues/rx-0/rps_cpus'
	echo "namespace $ns: servers listen on 10.77.0.1, load generators run with: ip netns exec $ns ..."
	;;
down)
	ip netns del $ns 2>/dev/null || true
	ip link del wb-host 2>/dev/null || true
	;;
*)
	echo "usage: bench/netns.sh up|down" >&2
	exit 2
	;;
esac
