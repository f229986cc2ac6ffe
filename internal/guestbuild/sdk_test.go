package guestbuild

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkspace checks which go.mod files get a go.work supplying the SDK:
// those requiring it without a replace, in any syntax the go command reads.
func TestWorkspace(t *testing.T) {
	src, err := Checkout("")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, tc := range []struct {
		name, gomod string
		want        bool
	}{
		{"requires", "module h\n\ngo 1.24\n\nrequire github.com/wasmio/wasmio/guest-sdk/go v0.0.0\n", true},
		{"require block", "module h\n\ngo 1.24\n\nrequire (\n\t// the SDK\n\tgithub.com/wasmio/wasmio/guest-sdk/go v0.0.0\n)\n", true},
		{"replaced", "module h\n\ngo 1.24\n\nrequire github.com/wasmio/wasmio/guest-sdk/go v0.0.0\n\nreplace github.com/wasmio/wasmio/guest-sdk/go => ../sdk\n", false},
		{"no requirement", "module h\n\ngo 1.24\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(tc.gomod), 0o644); err != nil {
				t.Fatal(err)
			}
			work, err := Workspace(dir, SDKModule)
			if err != nil {
				t.Fatal(err)
			}
			if (work != "") != tc.want {
				t.Fatalf("Workspace = %q, want a go.work: %v", work, tc.want)
			}
			if work == "" {
				return
			}
			b, err := os.ReadFile(work)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"\ngo 1.24\n", "use " + `"` + dir + `"`, "replace " + SDKModule + ` => "` + filepath.Join(src, "guest-sdk", "go") + `"`} {
				if !strings.Contains(string(b), want) {
					t.Errorf("go.work lacks %q:\n%s", want, b)
				}
			}
		})
	}

	// The go line is the newer of the module's and the replacement's: the
	// kit's go.mod needs a newer Go than a test module may say.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module h/test\n\ngo 1.21\n\nrequire github.com/wasmio/wasmio v0.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kit, err := readGoMod(filepath.Join(src, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	work, err := Workspace(dir, KitModule)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(work); !strings.Contains(string(b), "\ngo "+kit.Go+"\n") {
		t.Errorf("go.work does not say go %s:\n%s", kit.Go, b)
	}
}

// TestRustUnpublished checks which Cargo.toml dependencies on the SDK the
// build patches: those taking it from crates.io.
func TestRustUnpublished(t *testing.T) {
	for _, tc := range []struct {
		name string
		dep  any
		want bool
	}{
		{"version", "0.1", true},
		{"table with a version", map[string]any{"version": "0.1"}, true},
		{"path", map[string]any{"path": "../sdk"}, false},
		{"git", map[string]any{"git": "https://example.com/wasmio"}, false},
		{"other registry", map[string]any{"version": "0.1", "registry": "mine"}, false},
		{"no dependency", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rustUnpublished(tc.dep); got != tc.want {
				t.Errorf("rustUnpublished(%v) = %v, want %v", tc.dep, got, tc.want)
			}
		})
	}
}
