// Package guestbuild builds handler modules from source for tests, with the
// same toolchains and flags `wasmio build` uses: standard Go, TinyGo and
// Rust. Each module is built once per test process.
//
// A missing Go or Rust toolchain fails the test (scripts/deps.sh installs
// them). A missing TinyGo skips the test with a message saying that TinyGo
// was NOT tested; scripts/test.sh installs it and reports loudly when it
// could not.
package guestbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Toolchain names a way to build a module.
type Toolchain string

// The toolchains.
const (
	Go     Toolchain = "go"
	TinyGo Toolchain = "tinygo"
	Rust   Toolchain = "rust"
)

var (
	mu    sync.Mutex
	built = map[string][]byte{}
)

// Build builds the module whose source is in dir (a Go main package or a
// Rust cdylib crate) and returns its bytes.
func Build(t testing.TB, tc Toolchain, dir string) []byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := string(tc) + ":" + abs
	mu.Lock()
	defer mu.Unlock()
	if b, ok := built[key]; ok {
		return b
	}
	if tc == TinyGo {
		if _, err := exec.LookPath("tinygo"); err != nil {
			t.Skip("TinyGo NOT TESTED: tinygo is not installed (scripts/deps.sh installs it)")
		}
	}
	out := filepath.Join(t.TempDir(), "module.wasm")
	cmd, err := Command(tc, abs, out)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s with %s: %v\n%s\n%s", dir, tc, err, cmd.String(), b)
	}
	if tc == Rust {
		out = RustArtifact(abs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	built[key] = b
	return b
}

// Command returns the command that builds the module in dir into out (for
// Rust, the artifact lands in RustArtifact(dir) instead).
func Command(tc Toolchain, dir, out string) (*exec.Cmd, error) {
	var cmd *exec.Cmd
	switch tc {
	case Go:
		cmd = exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	case TinyGo:
		cmd = exec.Command("tinygo", "build", "-target=wasip1", "-buildmode=c-shared", "-no-debug", "-scheduler=none", "-o", out, ".")
	case Rust:
		cmd = exec.Command("cargo", "build", "--release", "--offline", "--target", "wasm32-unknown-unknown")
		if _, err := os.Stat("/usr/bin/cargo"); err == nil {
			cmd.Path = "/usr/bin/cargo" // the rustup toolchain has no wasm32 target
		}
		cmd.Env = append(os.Environ(), "RUSTC=/usr/bin/rustc")
	default:
		return nil, fmt.Errorf("guestbuild: unknown toolchain %q", tc)
	}
	cmd.Dir = dir
	return cmd, nil
}

// RustArtifact returns where cargo puts the release module of the crate in dir.
func RustArtifact(dir string) string {
	matches, _ := filepath.Glob(filepath.Join(dir, "target", "wasm32-unknown-unknown", "release", "*.wasm"))
	if len(matches) == 0 {
		return filepath.Join(dir, "target", "wasm32-unknown-unknown", "release", "missing.wasm")
	}
	return matches[0]
}
