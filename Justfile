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

# Targets are what `go test -list '^Fuzz'` lists in each package with any;
# MATCH (a regexp) and PKG narrow them: `just fuzz 5m FuzzSession ./engineio/`.
# Every target runs even if one fails; a crasher lands in its package's
# testdata/fuzz/<target>/ and the recipe fails at the end.
# Fuzz every fuzz target of the repository for TIME each: `just fuzz 30s`.
fuzz TIME="30s" MATCH="." PKG="./...":
    #!/usr/bin/env bash
    set -euo pipefail
    failed=()
    while read -r pkg dir; do
        grep -qs '^func Fuzz' "$dir"/*_test.go || continue
        names=$(go test -list '^Fuzz' "$pkg")
        for name in $(grep '^Fuzz' <<<"$names" | grep -E -- '{{MATCH}}' || true); do
            echo "==> $name ($pkg) for {{TIME}}"
            go test -run '^$' -fuzz "^$name\$" -fuzztime {{TIME}} "$pkg" || failed+=("$name ($pkg)")
        done
    done < <(go list -f '{{{{.ImportPath}} {{{{.Dir}}' {{PKG}})
    if [ ${#failed[@]} -gt 0 ]; then printf 'failed: %s\n' "${failed[@]}"; exit 1; fi
