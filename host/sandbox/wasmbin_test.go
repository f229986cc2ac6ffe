package sandbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// watBytes compiles WAT source with wat2wasm.
func watBytes(t testing.TB, src string) []byte {
	t.Helper()
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Fatal("wat2wasm is not installed (Debian package wabt): run scripts/deps.sh")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("wat2wasm", "--enable-all", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const rewriteWAT = `(module
  (import "env" "g" (global i32))
  (memory (export "memory") 1)
  (global $a (mut i32) (i32.const 7))
  (global $b i64 (i64.const 8))
  (global $c (mut i64) (i64.const -9))
  (data (i32.const 16) "active")
  (data "passive")
  (func (export "f") (result i32) (global.get $a)))`

func TestRewriteForSnapshot(t *testing.T) {
	ctx := context.Background()
	wasm := watBytes(t, rewriteWAT)
	for _, passive := range []bool{false, true} {
		out, info, err := rewriteForSnapshot(wasm, passive)
		if err != nil {
			t.Fatal(err)
		}
		// Global indices count the imported global first.
		if want := []string{"__wasmio_global_1", "__wasmio_global_3"}; !slices.Equal(info.globals, want) {
			t.Fatalf("globals %v, want %v", info.globals, want)
		}
		rt := wazero.NewRuntime(ctx)
		defer rt.Close(ctx)
		env := watBytes(t, `(module (global (export "g") i32 (i32.const 1)))`)
		if _, err := rt.InstantiateWithConfig(ctx, env, wazero.NewModuleConfig().WithName("env")); err != nil {
			t.Fatal(err)
		}
		mod, err := rt.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatalf("passive=%v: the rewritten module does not instantiate: %v", passive, err)
		}
		a := mod.ExportedGlobal("__wasmio_global_1")
		c := mod.ExportedGlobal("__wasmio_global_3")
		if a.Get() != 7 || int64(c.Get()) != -9 {
			t.Fatalf("globals %d %d", a.Get(), int64(c.Get()))
		}
		if _, ok := a.(api.MutableGlobal); !ok {
			t.Fatal("the exported global is not mutable")
		}
		data, _ := mod.Memory().Read(16, 6)
		if got, want := string(data), map[bool]string{false: "active", true: "\x00\x00\x00\x00\x00\x00"}[passive]; got != want {
			t.Fatalf("passive=%v: memory holds %q, want %q", passive, got, want)
		}
	}
}

// TestRewriteDataSection checks what the restoring rewrite does with data:
// without a data count section no instruction can name a segment, and the
// section goes; with one it stays, its segments passive, so that
// memory.init still finds them.
func TestRewriteDataSection(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		wat  string
		kept bool
	}{
		{"no data count", `(module (memory 1) (data (i32.const 16) "active") (func (export "f")))`, false},
		{"memory.init", `(module (memory 1) (data (i32.const 16) "active")
		  (func (export "f") (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 6))))`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := rewriteForSnapshot(watBytes(t, tc.wat), true)
			if err != nil {
				t.Fatal(err)
			}
			secs, err := readSections(out)
			if err != nil {
				t.Fatal(err)
			}
			if kept := slices.ContainsFunc(secs, func(s section) bool { return s.id == secData }); kept != tc.kept {
				t.Fatalf("data section kept %v, want %v", kept, tc.kept)
			}
			rt := wazero.NewRuntime(ctx)
			defer rt.Close(ctx)
			mod, err := rt.Instantiate(ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mod.ExportedFunction("f").Call(ctx); err != nil {
				t.Fatal(err)
			}
			// Instantiation wrote nothing at 16; f's memory.init, if any,
			// copied the segment to 0.
			got, _ := mod.Memory().Read(0, 22)
			zeros := "\x00\x00\x00\x00\x00\x00"
			want := map[bool]string{false: zeros, true: "active"}[tc.kept]
			if string(got[:6]) != want || string(got[16:]) != zeros {
				t.Fatalf("memory holds %q", got)
			}
		})
	}
}

func TestRewriteAddsMissingExportSection(t *testing.T) {
	wasm := watBytes(t, `(module (memory 1) (global (mut i32) (i32.const 3)) (data (i32.const 0) "x") (func))`)
	out, info, err := rewriteForSnapshot(wasm, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if g := mod.ExportedGlobal(info.globals[0]); g == nil || g.Get() != 3 {
		t.Fatalf("global %v", g)
	}
}

func TestRewriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		wasm []byte
	}{
		{"not wasm", []byte("hello world")},
		{"truncated", watBytes(t, rewriteWAT)[:40]},
		{"start section", watBytes(t, `(module (func $s) (start $s))`)},
		{"mutable imported global", watBytes(t, `(module (import "env" "g" (global (mut i32))))`)},
		{"mutable v128 global", watBytes(t, `(module (global (mut v128) (v128.const i64x2 0 0)))`)},
	} {
		if _, _, err := rewriteForSnapshot(tc.wasm, true); !errors.Is(err, errNoSnapshot) {
			t.Errorf("%s: got %v, want errNoSnapshot", tc.name, err)
		}
	}
}

// FuzzRewriteForSnapshot feeds arbitrary binaries to the rewriter: it must
// never panic, and what it accepts keeps the binary format's section order
// (valid modules are compiled in the tests above; compiling fuzzed garbage
// would test the compiler, not this code).
func FuzzRewriteForSnapshot(f *testing.F) {
	f.Add(watBytes(f, rewriteWAT))
	f.Add(watBytes(f, `(module (memory 1) (data (i32.const 0) "x") (func (export "_initialize")))`))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x0b\x05\x01\x00\x41\x00\x0b"))
	ordered := func(secs []section) bool {
		last := -1
		for _, s := range secs {
			if s.id > 13 {
				return false
			}
			if r := sectionRank(s.id); r >= 0 {
				if r < last {
					return false
				}
				last = r
			}
		}
		return true
	}
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, _, err := rewriteForSnapshot(wasm, true)
		if err != nil {
			return
		}
		in, _ := readSections(wasm)
		secs, err := readSections(out)
		if err != nil {
			t.Fatalf("the output does not parse: %v", err)
		}
		if ordered(in) && !ordered(secs) {
			t.Fatal("the rewrite broke the section order")
		}
	})
}

// TestCheckReusable checks which code lets an instance serve more than one
// event: anything but changing a table or dropping a segment, read past
// every kind of immediate without losing its place.
func TestCheckReusable(t *testing.T) {
	// Every immediate shape, then a marker that must be read as itself.
	const everything = `(module
	  (type $t (func (param i32) (result i32)))
	  (memory 1) (table $tab 2 funcref) (global $g (mut i32) (i32.const 0))
	  (data $d "abc") (elem $e func $f)
	  (func $f (type $t) (local i64 f32 f64 v128 funcref)
	    (drop (block $b (result i32)
	      (loop $l (br_if $l (i32.eqz (local.get 0))))
	      (if (result i32) (local.get 0) (then (i32.const -1)) (else (i32.const 0x7fffffff)))
	      (drop)
	      (br_table $b $b (i32.const 7) (i32.const 0))))
	    (drop (call_indirect $tab (type $t) (i32.const 1) (i32.const 0)))
	    (drop (select (result i32) (i32.const 1) (i32.const 2) (i32.const 3)))
	    (local.set 1 (i64.const -9000000000000000000))
	    (local.set 2 (f32.const 1.5)) (local.set 3 (f64.const 2.5))
	    (local.set 4 (v128.const i64x2 1 2))
	    (local.set 4 (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 4) (local.get 4)))
	    (drop (i32x4.extract_lane 3 (local.get 4)))
	    (local.set 4 (v128.load64_lane offset=8 1 (i32.const 0) (local.get 4)))
	    (v128.store offset=16 (i32.const 0) (local.get 4))
	    (i64.store32 offset=3 align=2 (i32.const 0) (i64.const 5))
	    (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1))
	    (memory.copy (i32.const 0) (i32.const 1) (i32.const 1))
	    (memory.fill (i32.const 0) (i32.const 1) (i32.const 1))
	    (drop (memory.grow (i32.const 0))) (drop (memory.size))
	    (drop (i32.trunc_sat_f32_s (f32.const 1)))
	    (drop (table.size $tab)) (drop (table.get $tab (i32.const 0)))
	    (drop (ref.func $f)) (drop (ref.is_null (ref.null func)))
	    (global.set $g (i32.extend8_s (global.get $g)))
	    (i32.const 0))
	  (elem declare func $f))`
	ok := watBytes(t, everything)
	if err := checkReusable(ok); err != nil {
		t.Fatalf("every immediate: %v", err)
	}
	for _, tc := range []struct{ name, body string }{
		{"table.set", `(table.set $tab (i32.const 0) (ref.null func))`},
		{"table.grow", `(drop (table.grow $tab (ref.null func) (i32.const 1)))`},
		{"table.fill", `(table.fill $tab (i32.const 0) (ref.null func) (i32.const 1))`},
		{"table.copy", `(table.copy $tab $tab (i32.const 0) (i32.const 1) (i32.const 1))`},
		{"table.init", `(table.init $tab $e (i32.const 0) (i32.const 0) (i32.const 1))`},
		{"elem.drop", `(elem.drop $e)`},
		{"data.drop", `(data.drop $d)`},
		{"atomics", `(drop (i32.atomic.load (i32.const 0)))`},
	} {
		wasm := watBytes(t, `(module (memory 1 1 shared) (table $tab 2 funcref) (data $d "abc") (elem $e func $f)
		  (func $f (v128.const i64x2 0 0) (drop) `+tc.body+`))`)
		if err := checkReusable(wasm); !errors.Is(err, errNotReusable) || !strings.Contains(err.Error(), tc.name) && tc.name != "atomics" {
			t.Errorf("%s: got %v", tc.name, err)
		}
	}
	if err := checkReusable(ok[:len(ok)-3]); !errors.Is(err, errNotReusable) {
		t.Errorf("truncated: got %v", err)
	}
}

// FuzzCheckReusable feeds arbitrary binaries to the code reader: it must
// never panic, and never read past a function body into the next.
func FuzzCheckReusable(f *testing.F) {
	f.Add(watBytes(f, rewriteWAT))
	f.Add(watBytes(f, `(module (table 1 funcref) (func (table.set 0 (i32.const 0) (ref.null func))))`))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x0a\x04\x01\x02\x00\x0b"))
	f.Fuzz(func(t *testing.T, wasm []byte) {
		_ = checkReusable(wasm)
	})
}
