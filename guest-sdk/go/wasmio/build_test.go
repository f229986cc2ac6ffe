package wasmio_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestBuildModules builds the echo test module (../testdata/echo) with Go
// and, when it is installed, TinyGo, and checks the module shape ABI v1
// requires: the exports and their types, and imports only from wasmio_v1
// and (for WASI targets) wasi_snapshot_preview1. Running the modules is the
// host's business; handler logic is tested natively with wasmiotest.
func TestBuildModules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds WebAssembly modules")
	}
	builds := []struct {
		name, tool string
		args       []string
		env        []string
		wasi       bool
	}{
		{"go-wasip1", "go", []string{"build", "-buildmode=c-shared"}, []string{"GOOS=wasip1", "GOARCH=wasm"}, true},
		{"tinygo-wasip1", "tinygo", []string{"build", "-target=wasip1", "-buildmode=c-shared", "-no-debug"}, nil, true},
		{"tinygo-wasip1-nosched", "tinygo", []string{"build", "-target=wasip1", "-buildmode=c-shared", "-no-debug", "-scheduler=none"}, nil, true},
		{"tinygo-wasm-unknown", "tinygo", []string{"build", "-target=wasm-unknown", "-buildmode=c-shared", "-no-debug"}, nil, false},
	}
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) {
			tool, err := exec.LookPath(b.tool)
			if err != nil {
				t.Skipf("%s not installed", b.tool)
			}
			t.Parallel()
			out := filepath.Join(t.TempDir(), "echo.wasm")
			cmd := exec.Command(tool, append(b.args, "-o", out, "./testdata/echo")...)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), b.env...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, msg)
			}
			code, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d bytes", b.name, len(code))
			m, err := parseModule(code)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"wasmio_abi_version", "wasmio_handle"} {
				if sig, ok := m.exports[name]; !ok || sig != "[] -> [127]" {
					t.Errorf("export %s: %q, %v; want () -> i32", name, sig, ok)
				}
			}
			if !m.memory {
				t.Error("no memory export")
			}
			if sig, ok := m.exports["_initialize"]; ok && sig != "[] -> []" {
				t.Errorf("_initialize has type %s", sig)
			}
			allowed := []string{"wasmio_v1"}
			if b.wasi {
				allowed = append(allowed, "wasi_snapshot_preview1")
			}
			for _, mod := range m.importModules {
				if !slices.Contains(allowed, mod) {
					t.Errorf("imports from %q", mod)
				}
			}
		})
	}
}

// module is what TestBuildModules checks in a WebAssembly binary.
type module struct {
	importModules []string
	exports       map[string]string // function name -> signature, like "[] -> [127]"
	memory        bool              // a memory named "memory" is exported
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = errors.New("truncated module")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uleb() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			break
		}
	}
	return v
}

func (r *reader) bytes(n uint32) []byte {
	if uint32(len(r.b)) < n {
		r.err = errors.New("truncated module")
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) name() string { return string(r.bytes(r.uleb())) }

func (r *reader) limits() {
	if r.byte()&1 != 0 {
		r.uleb()
	}
	r.uleb()
}

func parseModule(code []byte) (*module, error) {
	if !bytes.HasPrefix(code, []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errors.New("not a WebAssembly 1.0 module")
	}
	m := &module{exports: map[string]string{}}
	var types []string
	var funcTypes []uint32 // imported functions first, then defined ones
	type export struct {
		name  string
		index uint32
	}
	var funcExports []export
	r := &reader{b: code[8:]}
	for len(r.b) > 0 && r.err == nil {
		id := r.byte()
		s := &reader{b: r.bytes(r.uleb())}
		switch id {
		case 1: // types
			for n := s.uleb(); n > 0 && s.err == nil; n-- {
				s.byte() // 0x60
				params := s.bytes(s.uleb())
				results := s.bytes(s.uleb())
				types = append(types, fmt.Sprintf("%v -> %v", params, results))
			}
		case 2: // imports
			for n := s.uleb(); n > 0 && s.err == nil; n-- {
				mod := s.name()
				s.name()
				if !slices.Contains(m.importModules, mod) {
					m.importModules = append(m.importModules, mod)
				}
				switch s.byte() {
				case 0:
					funcTypes = append(funcTypes, s.uleb())
				case 1:
					s.byte()
					s.limits()
				case 2:
					s.limits()
				case 3:
					s.byte()
					s.byte()
				}
			}
		case 3: // functions
			for n := s.uleb(); n > 0 && s.err == nil; n-- {
				funcTypes = append(funcTypes, s.uleb())
			}
		case 7: // exports
			for n := s.uleb(); n > 0 && s.err == nil; n-- {
				name, kind, index := s.name(), s.byte(), s.uleb()
				switch {
				case kind == 0:
					funcExports = append(funcExports, export{name, index})
				case kind == 2 && name == "memory":
					m.memory = true
				}
			}
		}
		if s.err != nil {
			return nil, s.err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	for _, e := range funcExports {
		if int(e.index) < len(funcTypes) && int(funcTypes[e.index]) < len(types) {
			m.exports[e.name] = types[funcTypes[e.index]]
		}
	}
	return m, nil
}
