#!/bin/bash
# Failover behind HAProxy: two hello-server "hosts", each in a network namespace this test
# creates, behind one HAProxy with health checks and PROXY v2 in a third namespace, where the
# clients run too: its own veth pairs and 10.231.x.0/30 addresses. The test's addresses exist
# only inside these namespaces, which have no default route: nothing can leave the machine, and
# the host's own routing table is never touched. During a client run host 1 drops off
# the network (its own interface goes down, as when a machine dies); HAProxy must mark it DOWN,
# host 2 must stay UP, and the clients after that must be greeted by host 2; only connections in
# flight to host 1 may be lost. How long HAProxy took is printed as a figure, not judged: its
# checks are timers, and they slip as far as a loaded machine makes them.
#
# usage: failover.sh HELLO_SERVER HELLO_LOAD
# Exit 0 pass, 1 fail, 77 skip (not root, no haproxy, no ip).

set -euo pipefail
exec </dev/null
# shellcheck source=tests/common/await.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/await.sh"

readonly CHECK_INTER_MS=100 FALL=2 RISE=2 TIMEOUT_CHECK_MS=300
readonly TOTAL=4000 CONCURRENCY=8 SOURCES=8
# hello-load's bound for one connection: a connection lost in the switch ends at HAProxy's
# "timeout server" (10 s); none that goes on is cut short by a slow machine.
readonly CONN_SECS=120

say() { printf '== [%3ds] %s\n' "$SECONDS" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

[[ $# -eq 2 ]] || fail "usage: $0 HELLO_SERVER HELLO_LOAD"
SERVER=$1 LOAD=$2
[[ $(id -u) -eq 0 ]] || skip "needs root to create network namespaces"
command -v haproxy >/dev/null || skip "no haproxy (Debian package haproxy)"
command -v ip >/dev/null || skip "no ip (Debian package iproute2)"
command -v pidwait >/dev/null || skip "no pidwait (Debian package procps)"
ip netns add "hello-probe-$$" 2>/dev/null || skip "cannot create a network namespace here"
ip netns del "hello-probe-$$"

work=$(mktemp -d)
AWAIT_DIR=$work
pids=()
namespaces=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	# haproxy is no child of ours (it daemonized): waited for through its pidfd
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || wait_gone "$p" 10 || true; done
	for p in "${namespaces[@]}"; do ip netns del "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# The balancer's namespace: HAProxy and the clients, on its own loopback.
lb=hello-fo-$$-lb
ip netns add "$lb"
namespaces+=("$lb")
ip -n "$lb" link set lo up

# host N: namespace hello-fo-PID-N, link hfoN (the balancer's side, 10.231.N.1, the trusted
# peer) to eth0 inside (10.231.N.2, hello-server).
make_host() {
	local n=$1 ns=hello-fo-$$-$1 link=hfo$1
	ip netns add "$ns"
	namespaces+=("$ns")
	ip -n "$lb" link add "$link" type veth peer name eth0 netns "$ns"
	ip -n "$lb" addr add "10.231.$n.1/30" dev "$link"
	ip -n "$lb" link set "$link" up
	ip -n "$ns" addr add "10.231.$n.2/30" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	ip netns exec "$ns" "$SERVER" -d -l "10.231.$n.2:17" -P "10.231.$n.1" \
		>"$work/host$n.log" 2>&1 &
	pids+=("$!")
	host_pid[n]=$!
}

# wait_lines FILE PID COUNT TEXT: blocks until COUNT lines of FILE (written by PID) hold TEXT;
# fails, showing the file's end, if PID is gone first or 60 s pass without such a line.
wait_lines() {
	local file=$1 pid=$2 count=$3 text=$4
	(($(await_lines "$file" "$count" 60 "$pid" -F -- "$text") == count)) ||
		fail "not $count lines with '$text' in $file:
$(tail -n 20 "$file")"
}

host_pid=()
make_host 1
make_host 2
wait_lines "$work/host1.log" "${host_pid[1]}" 1 "started; listening on 10.231.1.2:17"
wait_lines "$work/host2.log" "${host_pid[2]}" 1 "started; listening on 10.231.2.2:17"

port=1700 # the balancer's namespace is ours alone: any port is free there
cat >"$work/haproxy.cfg" <<CFG
global
    log fd@3 format raw local0 info
defaults
    mode tcp
    log global
    timeout connect 500ms
    timeout client 10s
    timeout server 10s
    timeout check ${TIMEOUT_CHECK_MS}ms
    retries 2
    option redispatch 1
backend qotd
    default-server send-proxy-v2 check inter ${CHECK_INTER_MS}ms fall $FALL rise $RISE
    server host1 10.231.1.2:17
    server host2 10.231.2.2:17
frontend qotd
    bind 127.0.0.1:$port
    default_backend qotd
CFG
# As a daemon (-D), haproxy returns once it listens; its log goes to descriptor 3, a file.
timeout 60 ip netns exec "$lb" haproxy -D -p "$work/haproxy.pid" -f "$work/haproxy.cfg" \
	3>>"$work/haproxy.log" >"$work/haproxy.out" 2>&1 ||
	fail "haproxy did not start: $(cat "$work/haproxy.out")"
haproxy_pid=$(cat "$work/haproxy.pid")
pids+=("$haproxy_pid")
ip netns exec "$lb" "$LOAD" -p "$port" -n 1 -t "$CONN_SECS" -q >/dev/null ||
	fail "haproxy did not greet: $(tail -n 20 "$work/haproxy.log")"
say "haproxy on 127.0.0.1:$port, hosts 10.231.1.2 and 10.231.2.2"

# The run: host 1 drops off once it has served a share of it.
ip netns exec "$lb" "$LOAD" -p "$port" -n "$TOTAL" -c "$CONCURRENCY" -S "$SOURCES" -t "$CONN_SECS" \
	>"$work/load.out" 2>&1 &
load=$!
wait_lines "$work/host1.log" "${host_pid[1]}" $((TOTAL / 8)) ' via 10.231.1.1: sent'
stop_ms=$(date +%s%3N)
ip -n "hello-fo-$$-1" link set eth0 down
say "host 1 is off the network"
# HAProxy marks it DOWN after FALL failed checks: one event, its own timers; wait_lines' 60 s
# is many times what they take.
wait_lines "$work/haproxy.log" "$haproxy_pid" 1 "Server qotd/host1 is DOWN"
down_ms=$(date +%s%3N)
served2_at_down=$(grep -c ' via 10.231.2.1: sent' "$work/host2.log" || true)
rc=0
wait "$load" || rc=$?
result=$(grep '^RESULT' "$work/load.out") || fail "no RESULT: $(cat "$work/load.out")"
errors=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$result")
ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$result")
served1=$(grep -c ' via 10.231.1.1: sent' "$work/host1.log" || true)
served2=$(grep -c ' via 10.231.2.1: sent' "$work/host2.log" || true)
after=$(awk -v t="$((down_ms - stop_ms))" 'BEGIN { print t }')
say "$result"
# A figure: FALL failed checks take up to (inter + timeout check) * FALL on an idle machine.
say "host 1 marked DOWN $after ms after it dropped (checks every $CHECK_INTER_MS ms, fall $FALL, timeout check $TIMEOUT_CHECK_MS ms: up to $(((CHECK_INTER_MS + TIMEOUT_CHECK_MS) * FALL)) ms on an idle machine)"
say "greeted: $ok of $TOTAL (host 1 logged $served1, host 2 $served2, $((served2 - served2_at_down)) of them after DOWN); lost in the switch: $errors"

! grep -F "Server qotd/host2 is DOWN" "$work/haproxy.log" || fail "HAProxy marked host 2 DOWN too"
# Lost: at most the connections in flight to host 1 when it dropped.
((errors <= CONCURRENCY)) || fail "$errors greetings lost, more than the $CONCURRENCY in flight"
# The clients after the switch: host 2 greeted them.
((served2 > served2_at_down)) || fail "host 2 greeted no client after host 1 was marked DOWN"
# Host 2 kept greeting after the switch: every connection after it went there.
((ok + errors == TOTAL)) || fail "load: $result"
[[ $rc -eq 0 || $errors -gt 0 ]] || fail "hello-load failed: $(cat "$work/load.out")"
say "PASS"
