#!/usr/bin/env bash
# netns_setup.sh — the two network namespaces the data-channel interop tests run their peers in:
#   srtc-a (10.99.7.1, fd99:7::1) <-- veth "rtc0" --> srtc-b (10.99.7.2, fd99:7::2)
# Real interfaces, because aiortc ignores loopback and Chromium gathers no loopback candidates
# by default. Nothing is bridged to the host; an nft egress guard in each namespace drops anything
# not to lo, 10.99.7.0/24, fd99:7::/64, link-local or multicast (see `status`).
#   bash tests/interop/netns_setup.sh up | down | status
# Names can be changed with INTEROP_NS_A / INTEROP_NS_B (the Rust harness reads the same variables).
set -euo pipefail
A=${INTEROP_NS_A:-srtc-a}
B=${INTEROP_NS_B:-srtc-b}

guard() { # $1 = namespace
  mkdir -p "/etc/netns/$1"
  echo "nameserver 127.0.0.1" >"/etc/netns/$1/resolv.conf"
  ip netns exec "$1" nft -f - <<'NFT'
table inet rtcguard
delete table inet rtcguard
table inet rtcguard {
  counter dropped { }
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    ip daddr 10.99.7.0/24 accept
    ip6 daddr fd99:7::/64 accept
    ip6 daddr fe80::/10 accept
    ip daddr 224.0.0.0/4 accept
    ip6 daddr ff00::/8 accept
    counter name dropped drop
  }
}
NFT
}

up() {
  for n in "$A" "$B"; do
    ip netns add "$n" 2>/dev/null || true
    ip -n "$n" link set lo up
    guard "$n"
  done
  # The same name on both sides: some ICE stacks (libnice) skip interfaces named veth*.
  if ! ip -n "$A" link show rtc0 >/dev/null 2>&1; then
    ip link add srtcA-tmp type veth peer name srtcB-tmp
    ip link set srtcA-tmp netns "$A"
    ip -n "$A" link set srtcA-tmp name rtc0
    ip link set srtcB-tmp netns "$B"
    ip -n "$B" link set srtcB-tmp name rtc0
  fi
  ip -n "$A" addr replace 10.99.7.1/24 dev rtc0
  ip -n "$B" addr replace 10.99.7.2/24 dev rtc0
  ip -n "$A" -6 addr replace fd99:7::1/64 dev rtc0 nodad
  ip -n "$B" -6 addr replace fd99:7::2/64 dev rtc0 nodad
  ip -n "$A" link set rtc0 up
  ip -n "$B" link set rtc0 up
  # A default route (via the other side, which does not forward) gives libwebrtc a "default
  # local address" to gather from.
  ip -n "$A" route replace default via 10.99.7.2 dev rtc0
  ip -n "$B" route replace default via 10.99.7.1 dev rtc0
  ip -n "$A" -6 route replace default via fd99:7::2 dev rtc0
  ip -n "$B" -6 route replace default via fd99:7::1 dev rtc0
}

down() {
  for n in "$A" "$B"; do
    ip netns del "$n" 2>/dev/null || true
    rm -rf "/etc/netns/$n"
  done
}

status() {
  for n in "$A" "$B"; do
    echo "== $n"
    ip -n "$n" -br addr 2>/dev/null || { echo "(absent)"; continue; }
    ip netns exec "$n" nft list counter inet rtcguard dropped 2>/dev/null |
      grep -o 'packets [0-9]* bytes [0-9]*' | sed 's/^/egress guard dropped: /' || true
  done
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
