#!/usr/bin/env bash
# deps.sh installs what the tests need and is missing: npm packages from
# package-lock.json, Debian packages, and TinyGo. It is idempotent and fast
# when everything is already there. Set WASMIO_SKIP_DEPS=1 to skip it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${WASMIO_SKIP_DEPS:-0}" = 1 ] && exit 0

say() { printf '==> deps: %s\n' "$*"; }
need_root() {
  if [ "$(id -u)" != 0 ]; then
    say "cannot install $* without root; install it yourself and re-run"; exit 1
  fi
}

# Debian packages: command they provide -> package.
declare -A APT=(
  [wat2wasm]=wabt
  [redis-server]=redis-server
  [chromium]=chromium
)
missing=()
for cmd in "${!APT[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${APT[$cmd]}"); done
# Rust guests build with Debian's rustc, which has the wasm32 standard library.
if [ ! -x /usr/bin/rustc ] || [ ! -d /usr/lib/rustlib/wasm32-unknown-unknown ]; then
  missing+=(rustc cargo libstd-rust-dev-wasm32)
fi
if [ ${#missing[@]} -gt 0 ]; then
  need_root "${missing[*]}"
  say "apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm packages, exactly as locked.
if ! node -e 'require.resolve("socket.io-client"); require.resolve("playwright-core"); require.resolve("socket.io")' >/dev/null 2>&1 \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# TinyGo, built from source by the shared script (about 2.5 minutes once).
if ! command -v tinygo >/dev/null 2>&1; then
  script=../shared/tools/install-tinygo.sh
  if [ -x "$script" ]; then
    need_root tinygo
    say "installing TinyGo with $script (takes a few minutes the first time)"
    "$script" >/tmp/wasmio-install-tinygo.log 2>&1 || { tail -20 /tmp/wasmio-install-tinygo.log; exit 1; }
  else
    say "WARNING: tinygo is missing and $script is not reachable: TinyGo tests will report that they did not run"
  fi
fi
say "ok"
