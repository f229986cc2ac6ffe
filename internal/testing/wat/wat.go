// Package wat builds hand-written WebAssembly text modules for tests with
// wabt's wat2wasm, which scripts/deps.sh installs. A missing wat2wasm fails
// the test: it never skips.
package wat

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles the .wat file at path and returns the module's bytes.
func Build(t testing.TB, path string) []byte {
	t.Helper()
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Fatal("wat2wasm is not installed (Debian package wabt): run scripts/deps.sh")
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path)+".wasm")
	if b, err := exec.Command("wat2wasm", "--enable-all", "-o", out, path).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", path, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
