package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/internal/testing/wat"
)

// writeFiles writes files (name → content) into a fresh folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func module(t *testing.T, name string) string {
	return string(wat.Build(t, filepath.Join("..", "..", "host", "sandbox", "testdata", name+".wat")))
}

func TestCheck(t *testing.T) {
	echo := module(t, "echo")
	for _, tc := range []struct {
		name  string
		files map[string]string
		code  int
		want  []string // substrings of the output
	}{
		{"valid", map[string]string{
			"wasmio.toml": "[[namespace]]\npath = \"/chat\"\nmodule = \"echo.wasm\"\n[namespace.handlers]\nmessage = \"echo.wasm\"\n",
			"echo.wasm":   echo,
		}, 0, []string{"ok  ", "echo.wasm", "is valid: 1 namespaces, 1 modules"}},
		{"slow module", map[string]string{
			"wasmio.toml": "[[namespace]]\npath = \"/\"\nmodule = \"a.wasm\"\n", "a.wasm": module(t, "asyncify"),
		}, 0, []string{"ok  ", "slow: built with TinyGo's asyncify scheduler", "rebuild with -scheduler=none", "is valid"}},
		{"syntax error", map[string]string{"wasmio.toml": "[[namespace]\npath = 1\n"}, 1, []string{"wasmio.toml: line 2", "expected end of table array name"}},
		{"unknown key", map[string]string{"wasmio.toml": "[[namespace]]\npath = \"/\"\nmodul = \"x.wasm\"\n"}, 1,
			[]string{"unknown keys namespace.modul"}},
		{"missing module and bad path", map[string]string{"wasmio.toml": "[[namespace]]\npath = \"chat\"\nmodule = \"nope.wasm\"\n"}, 1,
			[]string{`namespace[0] (chat).path: "chat" must start with /`, `module "nope.wasm" not found`, "build it (wasmio build) or fix the path"}},
		{"no namespace", map[string]string{"wasmio.toml": "listen = \":3000\"\n"}, 1, []string{"no namespace is served"}},
		{"negative heap floor", map[string]string{"wasmio.toml": "heap_floor = -1\n[[namespace]]\npath = \"/\"\nmodule = \"echo.wasm\"\n", "echo.wasm": echo}, 1,
			[]string{"line 1 (heap_floor): -1 is negative"}},
		{"bad event name", map[string]string{
			"wasmio.toml": "[[namespace]]\npath = \"/\"\n[namespace.handlers]\n\"$conect\" = \"echo.wasm\"\n", "echo.wasm": echo,
		}, 1, []string{`"$conect" is not an event`}},
		{"bad limits and auth", map[string]string{
			"wasmio.toml": "[[namespace]]\npath = \"/\"\nmodule = \"echo.wasm\"\n[namespace.limits]\ntimeout = \"-1s\"\nmemory = \"lots\"\n",
			"echo.wasm":   echo,
		}, 1, []string{"line 6 (namespace.limits.memory)", `"lots" is not a size like`}},
		{"auth without method", map[string]string{
			"wasmio.toml": "[[namespace]]\npath = \"/\"\nmodule = \"echo.wasm\"\n[namespace.auth]\nmode = \"some\"\n", "echo.wasm": echo,
		}, 1, []string{"namespace[0] (/).auth"}},
		{"not wasm", map[string]string{"wasmio.toml": "[[namespace]]\npath = \"/\"\nmodule = \"x.wasm\"\n", "x.wasm": "hello"}, 1,
			[]string{"x.wasm", "invalid module"}},
		{"bad imports", map[string]string{"wasmio.toml": "[[namespace]]\npath = \"/\"\nmodule = \"b.wasm\"\n", "b.wasm": module(t, "badimport")}, 1,
			[]string{"imports env.connect", "does not export wasmio_handle"}},
		{"wrong version", map[string]string{"wasmio.toml": "[[namespace]]\npath = \"/\"\nmodule = \"v.wasm\"\n", "v.wasm": module(t, "version2")}, 1,
			[]string{"built for ABI version 2, this host speaks version 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			var out, errOut bytes.Buffer
			code := run([]string{"check", "--config", filepath.Join(dir, "wasmio.toml")}, &out, &errOut)
			all := out.String() + errOut.String()
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\n%s", code, tc.code, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
		})
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Fatalf("%d %s", code, errOut.String())
	}
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), version) {
		t.Fatalf("%d %s", code, out.String())
	}
}
