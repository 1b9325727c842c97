#!/usr/bin/env bash
# Interop tests against real third-party peers. Installs what they need (Debian packages), then
# runs the `interop` test targets of the sansrtc-tests package. Traffic stays on 127.0.0.1.
#   bash tests/interop/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v turnserver >/dev/null 2>&1 || need+=(coturn)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests/interop/run.sh: need root to install ${need[*]}" >&2
    exit 1
  fi
  timeout 300 apt-get update -qq
  timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
openssl version
turnserver --version 2>/dev/null | head -1 || true

# One test thread: the tests start servers on fixed loopback ports.
cargo test -p sansrtc-tests --features interop -- --test-threads=1
