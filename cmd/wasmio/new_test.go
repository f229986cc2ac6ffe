package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wasmio runs the command line args and checks its exit code; it returns
// everything the command printed.
func wasmio(t *testing.T, code int, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if got := run(args, &out, &out); got != code {
		t.Fatalf("wasmio %s: exit code %d, want %d\n%s", strings.Join(args, " "), got, code, out.String())
	}
	return out.String()
}

func mustContain(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestNew creates a project of each language and checks its files; `wasmio
// new --sdk` names the checkout to export for build and test.
// TestReadmeLoop builds, tests and serves such projects.
func TestNew(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang  string
		args  []string
		files []string
		want  []string
	}{
		{"go", nil, []string{"main.go", "go.mod", "test/go.mod", "test/handler_test.go", "wasmio.toml", "README.md", ".gitignore"}, []string{"wasmio build"}},
		{"rust", []string{"--sdk", root}, []string{"Cargo.toml", ".cargo/config.toml", "src/lib.rs", "test/go.mod", "test/handler_test.go", "wasmio.toml", "README.md", ".gitignore"},
			[]string{"export WASMIO_SRC=" + root + " ", "wasmio build"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			proj := filepath.Join(t.TempDir(), "chat")
			out := wasmio(t, 0, append(append([]string{"new", tc.lang}, tc.args...), proj)...)
			mustContain(t, out, tc.want...)
			for _, f := range tc.files {
				mustContain(t, out, "created "+filepath.Join(proj, f))
				if _, err := os.Stat(filepath.Join(proj, f)); err != nil {
					t.Error(err)
				}
			}
			noMachinePaths(t, proj, root)
		})
	}
}

// TestBuildToolchains builds a new Go project with TinyGo (when installed)
// and with the standard Go fallback, each supplied the unpublished SDK
// through a GOWORK the printed command shows, and a Rust one with a cargo
// patch; `wasmio check` validates the result.
func TestBuildToolchains(t *testing.T) {
	proj := filepath.Join(t.TempDir(), "chat")
	wasmio(t, 0, "new", "go", proj)

	t.Run("tinygo", func(t *testing.T) {
		if _, err := exec.LookPath("tinygo"); err != nil {
			t.Skip("TinyGo NOT TESTED: tinygo is not installed, so `wasmio build` was not tested with it (scripts/deps.sh installs it)")
		}
		out := wasmio(t, 0, "build", proj)
		mustContain(t, out, "/go.work tinygo build -target=wasip1 -buildmode=c-shared -no-debug -scheduler=none -o build/chat.wasm .", "built ")
	})

	t.Run("go fallback", func(t *testing.T) {
		// A PATH with go and without tinygo.
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Fatal(err)
		}
		bin := t.TempDir()
		if err := os.Symlink(goBin, filepath.Join(bin, "go")); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin)
		out := wasmio(t, 0, "build", proj, "-o", filepath.Join(proj, "build", "std.wasm"))
		mustContain(t, out, "TinyGo is not installed", "building with standard Go instead",
			"/go.work GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath '-ldflags=-s -w' -o build/std.wasm .", "MiB)")
	})

	if _, err := os.Stat(filepath.Join(proj, "build", "chat.wasm")); err != nil {
		wasmio(t, 0, "build", "--toolchain", "go", proj) // what the config serves, when TinyGo is absent
	}
	mustContain(t, wasmio(t, 0, "check", "--config", filepath.Join(proj, "wasmio.toml")), "is valid")

	rust := filepath.Join(t.TempDir(), "rusty-chat")
	wasmio(t, 0, "new", "rust", rust)
	mustContain(t, wasmio(t, 0, "build", rust),
		"cargo build --release --offline --target wasm32-unknown-unknown --config 'patch.crates-io.wasmio.path=", "built ")
	mustContain(t, wasmio(t, 0, "check", "--config", filepath.Join(rust, "wasmio.toml")), "build/rusty-chat.wasm", "is valid")
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	mustContain(t, wasmio(t, 2, "new", "java", filepath.Join(dir, "x")), "Usage: wasmio new")
	mustContain(t, wasmio(t, 2, "new", "go", filepath.Join(dir, "Chat!")), `"Chat!" is not a project name`)
	mustContain(t, wasmio(t, 1, "new", "go", "--sdk", dir, filepath.Join(dir, "x")), "(from --sdk) is not a wasmio checkout", "set WASMIO_SRC")
	t.Setenv("WASMIO_SRC", dir)
	mustContain(t, wasmio(t, 1, "new", "go", filepath.Join(dir, "x")), "(from WASMIO_SRC) is not a wasmio checkout")
	t.Setenv("WASMIO_SRC", "")
	full := filepath.Join(writeFiles(t, map[string]string{"full/x": ""}), "full")
	mustContain(t, wasmio(t, 1, "new", "rust", full), "already exists and is not empty")
}

// TestBuildErrors covers projects `wasmio build` cannot build: each error
// says what is wrong, and a compiler's own output is shown.
func TestBuildErrors(t *testing.T) {
	gomod := "module broken\n\ngo 1.24\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		args  []string
		code  int
		want  []string
	}{
		{"empty", map[string]string{}, nil, 1, []string{"is not a handler project", "wasmio new go NAME"}},
		{"not a main package", map[string]string{"go.mod": gomod, "lib.go": "package lib\n"}, nil, 1, []string{"holds package lib", "package main"}},
		{"no go.mod", map[string]string{"main.go": "package main\nfunc main() {}\n"}, nil, 1, []string{"has no go.mod"}},
		{"not a cdylib", map[string]string{"Cargo.toml": "[package]\nname = \"x\"\n"}, nil, 1, []string{`crate-type = ["cdylib"]`}},
		{"both", map[string]string{"Cargo.toml": "", "main.go": "package main\n"}, nil, 1, []string{"both Go files and a Cargo.toml"}},
		{"wrong toolchain", map[string]string{"go.mod": gomod, "main.go": "package main\nfunc main() {}\n"}, []string{"--toolchain", "rust"}, 2,
			[]string{`toolchain "rust" cannot build it`}},
		{"unknown toolchain", map[string]string{"go.mod": gomod, "main.go": "package main\n"}, []string{"--toolchain", "zig"}, 2, []string{`unknown toolchain "zig"`}},
		{"compile error", map[string]string{"go.mod": gomod, "main.go": "package main\n\nfunc main() { undefinedThing() }\n"}, []string{"--toolchain", "go"}, 1,
			[]string{"go build -buildmode=c-shared", "undefined: undefinedThing", "wasmio: build failed: go failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			mustContain(t, wasmio(t, tc.code, append(append([]string{"build"}, tc.args...), dir)...), tc.want...)
		})
	}
	mustContain(t, wasmio(t, 1, "test", t.TempDir()), "has no test module")
}
