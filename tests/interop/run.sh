#!/usr/bin/env bash
# Interop tests against real third-party peers: OpenSSL (DTLS), coturn (STUN/TURN), headless
# Chromium and aiortc (data channels, with the `sansrtc` binary as the other peer), and Chromium's
# fake camera and microphone against `sansrtc save-to-disk` / `play-from-disk` (files checked and
# made with ffmpeg).
#   bash tests/interop/run.sh
# Steps: install what is missing (Debian packages; npm playwright-core and PyPI aiortc into
# $INTEROP_DEPS, default /tmp/sansrtc-interop-deps; never a downloaded browser), create the two
# network namespaces the browser tests run in, build the `sansrtc` binary, run the `interop` test
# targets of the sansrtc-tests package. Traffic stays on 127.0.0.1 and inside the namespaces.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
DEPS=${INTEROP_DEPS:-/tmp/sansrtc-interop-deps}

echo "== step 1: Debian packages"
need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v turnserver >/dev/null 2>&1 || need+=(coturn)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nft >/dev/null 2>&1 || need+=(nftables)
# ffmpeg/ffprobe: the media tests make clips with it and decode what save-to-disk wrote.
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || need+=(ffmpeg)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests/interop/run.sh: need root to install ${need[*]}" >&2
    exit 1
  fi
  timeout 300 apt-get update -qq
  timeout 900 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
openssl version
turnserver --version 2>/dev/null | head -1 || true
/usr/bin/chromium --version 2>/dev/null | grep -i chromium
ffmpeg -hide_banner -version | sed -n 1p

echo "== step 2: npm playwright-core (the CDP driver for /usr/bin/chromium)"
mkdir -p "$DEPS"
if ! NODE_PATH=$DEPS/node_modules node -e "require('playwright-core')" >/dev/null 2>&1; then
  (cd "$DEPS" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    timeout 300 npm install --no-audit --no-fund playwright-core >/dev/null)
fi
export NODE_PATH=$DEPS/node_modules
node -e "console.log('playwright-core', require('playwright-core/package.json').version)"

echo "== step 3: PyPI aiortc (in a venv)"
if ! "$DEPS/venv/bin/python" -c 'import aiortc' >/dev/null 2>&1; then
  [ -x "$DEPS/venv/bin/python" ] || python3 -m venv "$DEPS/venv"
  timeout 600 "$DEPS/venv/bin/pip" install -q aiortc
fi
export AIORTC_PY=$DEPS/venv/bin/python
"$AIORTC_PY" -c 'import aiortc; print("aiortc", aiortc.__version__)'

echo "== step 4: network namespaces (removed on exit)"
trap 'bash tests/interop/netns_setup.sh down' EXIT
bash tests/interop/netns_setup.sh up
bash tests/interop/netns_setup.sh status

echo "== step 5: the sansrtc binary"
cargo build -p sansrtc-cli
export SANSRTC_BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug/sansrtc
"$SANSRTC_BIN" --version

echo "== step 6: cargo test -p sansrtc-tests --features interop"
# One test thread: the tests start servers on fixed loopback ports and share the namespaces.
cargo test -p sansrtc-tests --features interop --no-fail-fast -- --test-threads=1
bash tests/interop/netns_setup.sh status
