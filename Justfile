# wasmio tasks. `just --list` shows them; the scripts work without just too.

# Serve the built-in demo (or `just run serve --config wasmio.toml`).
run *ARGS:
    go run ./cmd/wasmio {{ARGS}}

# Install what the tests need (npm packages, Debian packages, TinyGo).
deps:
    scripts/deps.sh

# Run every test (installs missing dependencies first).
test:
    scripts/test.sh

# Run the fanout benchmark and write bench/RESULTS.md.
bench *ARGS:
    go run ./cmd/wasmio-bench {{ARGS}}

# Soak one server (not in CI): churn, fanout and KV traffic for DURATION,
# failing on RSS, descriptor or goroutine growth; writes bench/RESULTS.md's Soak section.
soak DURATION="30m":
    go test -count=1 -run '^TestSoak$' -v -timeout 0 ./cmd/wasmio/ -soak {{DURATION}}

# Fuzz one decoder for a while: just fuzz FuzzDecodePayload ./engineio/
fuzz NAME PKG TIME="60s":
    go test -run x -fuzz {{NAME}} -fuzztime {{TIME}} {{PKG}}
