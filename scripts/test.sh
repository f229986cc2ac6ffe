#!/usr/bin/env bash
# test.sh runs every test of the repository: it installs missing
# dependencies first (scripts/deps.sh), then vets and tests every Go module
# under the race detector, and the Rust SDK's own tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export PATH="/usr/local/bin:$PATH"

echo "==> go vet"
go vet ./...
echo "==> go test -race ./..."
go test -race -count=1 -timeout 20m ./...
echo "==> hostile clients without -race (the race detector's memory hides what RSS shows)"
go test -count=1 -run '^TestHostile$' ./host/
echo "==> guest-sdk/go: vet (native and wasip1) and tests"
# Go's wildcards skip testdata/: the test modules are named one by one.
sdk_testdata="./testdata/echo ./testdata/probe ./testdata/sdkcheck"
(cd guest-sdk/go && go vet ./... && GOOS=wasip1 GOARCH=wasm go vet ./... $sdk_testdata \
  && go test -race -count=1 ./...)
if [ -f guest-sdk/rust/Cargo.toml ]; then
  echo "==> cargo test (guest-sdk/rust)"
  (cd guest-sdk/rust && RUSTC=/usr/bin/rustc /usr/bin/cargo test --quiet --offline)
fi
if ! command -v tinygo >/dev/null 2>&1; then
  echo "!!! TinyGo is NOT installed: every TinyGo test was SKIPPED (see the SKIP lines above)."
  echo "!!! Install it with ../shared/tools/install-tinygo.sh (scripts/deps.sh runs it when reachable)."
fi
echo "==> all tests passed"
