// Package buildtest builds handler modules for tests, with guestbuild's
// commands, once per test process.
//
// A missing Go or Rust toolchain fails the test (scripts/deps.sh installs
// them). A missing TinyGo skips the test with a message saying that TinyGo
// was NOT tested; scripts/test.sh installs it and reports loudly when it
// could not.
package buildtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wasmio/wasmio/internal/guestbuild"
)

var (
	mu    sync.Mutex
	built = map[string][]byte{}
)

// Build builds the handler project in dir with tc and returns the module's
// bytes, once per test process.
func Build(t testing.TB, tc guestbuild.Toolchain, dir string) []byte {
	t.Helper()
	p, err := guestbuild.Detect(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := string(tc) + ":" + p.Dir
	mu.Lock()
	defer mu.Unlock()
	if b, ok := built[key]; ok {
		return b
	}
	if tc == guestbuild.TinyGo {
		if _, err := exec.LookPath("tinygo"); err != nil {
			t.Skip("TinyGo NOT TESTED: tinygo is not installed (scripts/deps.sh installs it)")
		}
	}
	cmd, err := p.Command(tc, filepath.Join(t.TempDir(), "module.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := cmd.Run(&out); err != nil {
		t.Fatalf("building %s with %s: %v\n%s\n%s", dir, tc, err, cmd, out.Bytes())
	}
	b, err := os.ReadFile(cmd.Out)
	if err != nil {
		t.Fatal(err)
	}
	built[key] = b
	return b
}
