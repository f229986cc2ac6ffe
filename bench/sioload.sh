#!/usr/bin/env bash
# sioload.sh SYSTEM N M RATE runs ../shared/tools/sioload, the independent
# fanout load generator (a goroutine per subscriber), against one server:
# SYSTEM is "wasmio" (wasmio serve with sioload's Rust handler) or "node"
# (sioload's socket.io server). The server runs on CPU 0 (GOMAXPROCS=1),
# sioload on CPU 1; M pubs at RATE per second reach N subscribers. It prints
# sioload's summary and the server's write system calls per delivery.
#
#   bench/sioload.sh wasmio 10000 320 80
#   bench/sioload.sh node 10000 24 4
set -euo pipefail
system=$1 n=$2 m=$3 rate=$4
root=$(cd "$(dirname "$0")/.." && pwd)
tool=$root/../shared/tools/sioload
work=${TMPDIR:-/tmp}/wasmio-sioload
port=${PORT:-3999}
mkdir -p "$work"
(cd "$tool" && go build -o "$work/sioload" .)
case $system in
wasmio)
  (cd "$root" && go build -o "$work/wasmio" ./cmd/wasmio)
  mkdir -p "$work/handler/src"
  cp "$tool/handler/src/lib.rs" "$work/handler/src/"
  sed -e 's/name = "bench_handler"/name = "sioload_handler"/' \
    -e "s#path = \"../../../guest-sdk/rust\"#path = \"$root/guest-sdk/rust\"#" \
    "$root/bench/handlers/rust/Cargo.toml" >"$work/handler/Cargo.toml"
  (cd "$work/handler" && RUSTC=/usr/bin/rustc /usr/bin/cargo build --quiet --release --offline --target wasm32-unknown-unknown)
  wasm=$work/handler/target/wasm32-unknown-unknown/release/sioload_handler.wasm
  cat >"$work/wasmio.toml" <<TOML
listen = "127.0.0.1:$port"
[engine]
transports = ["websocket"]
[[namespace]]
path = "/"
[namespace.handlers]
"\$connect" = "$wasm"
pub = "$wasm"
TOML
  rm -rf "$work/data"
  (cd "$work" && GOMAXPROCS=1 exec taskset -c 0 "$work/wasmio" serve --config "$work/wasmio.toml") >"$work/server.log" 2>&1 &
  ;;
node)
  PORT=$port NODE_PATH=$root/node_modules taskset -c 0 node "$tool/node-server.js" >"$work/server.log" 2>&1 &
  ;;
*)
  echo "sioload.sh: SYSTEM is wasmio or node" >&2
  exit 2
  ;;
esac
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/socket.io/?EIO=4&transport=polling" && break
  sleep 0.1
done
w0=$(awk '/syscw/{print $2}' /proc/$pid/io)
taskset -c 1 "$work/sioload" -addr "127.0.0.1:$port" -n "$n" -m "$m" -rate "$rate" -pid "$pid" | tail -1
w1=$(awk '/syscw/{print $2}' /proc/$pid/io)
awk -v w=$((w1 - w0)) -v d=$((n * m)) 'BEGIN { printf "server write system calls: %d, %.3f per delivery (handshakes included)\n", w, w / d }'
