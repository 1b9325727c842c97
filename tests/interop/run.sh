#!/usr/bin/env bash
# Interop tests against real third-party peers, one area per step. Each area names the programs
# it needs; the script installs what is missing (as root: apt, later npm and pip), builds the
# `interop` test targets of the sansrtc-tests package once, then runs each area's targets.
# Traffic stays on 127.0.0.0/8 and ::1 (or in network namespaces a test creates itself).
#
#   bash tests/interop/run.sh            # every area
#   bash tests/interop/run.sh coturn     # only the areas whose name contains "coturn"
#
# Adding an area: add its [[test]] targets to tests/Cargo.toml with
# `required-features = ["interop"]`, then one `area` line below. The script refuses to run if
# an interop target is not listed in an area, so none is silently skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive CARGO_TERM_COLOR=never
filter=${1:-}

# ---- the areas: name | Debian packages (package:command pairs) | test targets ----------------
AREAS=(
  "DTLS 1.2 vs OpenSSL s_server/s_client|openssl:openssl|dtls_openssl"
  "STUN, TURN and relayed ICE vs coturn|coturn:turnserver|turn_coturn"
  # Later issues: "Peer vs Chromium (playwright-core)|chromium:chromium|peer_chromium" with an
  # npm step, "Peer vs aiortc|python3-venv:python3|peer_aiortc" with a pip venv step.
)

start=$SECONDS
log() { printf '==> [%4ss] %s\n' "$((SECONDS - start))" "$*"; }

# Every interop target of tests/Cargo.toml must belong to an area.
declared=$(awk '/^\[/{in_test = ($0 == "[[test]]"); name = ""}
                in_test && /^name *=/{gsub(/[" ]/, ""); sub(/name=/, ""); name = $0}
                in_test && /^required-features *= *\[ *"interop" *\]/{print name}' tests/Cargo.toml)
listed=$(for a in "${AREAS[@]}"; do IFS='|' read -r _ _ targets <<<"$a"; echo "$targets" | tr ' ' '\n'; done)
for target in $declared; do
  if ! grep -qx "$target" <<<"$listed"; then
    echo "tests/interop/run.sh: interop target '$target' is in tests/Cargo.toml but in no area" >&2
    exit 2
  fi
done

# ---- step 1: install what the selected areas need ---------------------------------------------
selected=()
for a in "${AREAS[@]}"; do
  IFS='|' read -r name _ _ <<<"$a"
  if [ -z "$filter" ] || [[ "$name" == *"$filter"* ]]; then selected+=("$a"); fi
done
[ ${#selected[@]} -gt 0 ] || { echo "no interop area matches '$filter'" >&2; exit 2; }

missing=()
for a in "${selected[@]}"; do
  IFS='|' read -r _ packages _ <<<"$a"
  for pair in $packages; do
    command -v "${pair#*:}" >/dev/null 2>&1 || missing+=("${pair%%:*}")
  done
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing (apt): ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests/interop/run.sh: need root to install ${missing[*]}" >&2
    exit 1
  fi
  timeout 300 apt-get update -qq
  timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
openssl version
turnserver --version 2>/dev/null | head -1 || true

# ---- step 2: build every interop target once ---------------------------------------------------
log "building the interop test targets"
cargo test -p sansrtc-tests --features interop --no-run

# ---- step 3: one step per area -----------------------------------------------------------------
failed=()
passed=0
for a in "${selected[@]}"; do
  IFS='|' read -r name _ targets <<<"$a"
  for target in $targets; do
    area_start=$SECONDS
    log "area: $name ($target)"
    # One test thread: the tests start servers and may share loopback port ranges.
    if cargo test -p sansrtc-tests --features interop --test "$target" -- --test-threads=1; then
      passed=$((passed + 1))
    else
      failed+=("$target")
    fi
    log "area: $name ($target) took $((SECONDS - area_start)) s"
  done
done

log "interop areas: ${passed} passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
[ ${#failed[@]} -eq 0 ]
