package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/buildtest"
	"github.com/wasmio/wasmio/internal/testing/wat"
)

// memoryModes are the ways a snapshot's memories are reset (memory.go):
// mapped, with the written pages copied back or discarded, and copied.
// Tests of isolation run them all, whatever the snapshot's size would
// choose.
var memoryModes = []memoryMode{{"mapped", true, true}, {"mapped-discard", true, false}, {"copied", false, false}}

type memoryMode struct {
	name     string
	mapped   bool
	copyBack bool // written pages are copied back, where the kernel can say which
}

// useMemoryMode makes t's runtimes reset memories as mode says; a mapped
// mode is skipped where memories are not mapped.
func useMemoryMode(t *testing.T, mode memoryMode) {
	t.Helper()
	if mode.mapped && runtime.GOOS != "linux" {
		t.Skip("memories are mapped on Linux only")
	}
	sandbox.MapMemories(t, mode.mapped)
	if !mode.copyBack {
		sandbox.KeepWrittenPages(t, 0)
	}
}

// TestSnapshotIsolation runs many events of modules that count, in a
// package variable (Go, TinyGo) or a static vector on the heap (Rust), the
// events their instance handled: started from the snapshot, every event
// sees itself alone, although instances serve one event after another.
func TestSnapshotIsolation(t *testing.T) {
	for _, tc := range []struct {
		toolchain guestbuild.Toolchain
		dir       string
	}{
		{guestbuild.Go, "../../guest-sdk/go/testdata/probe"},
		{guestbuild.TinyGo, "../../guest-sdk/go/testdata/probe"},
		{guestbuild.Rust, "../../guest-sdk/rust/testdata/echo"},
	} {
		for _, mode := range memoryModes {
			t.Run(string(tc.toolchain)+"/"+mode.name, func(t *testing.T) {
				useMemoryMode(t, mode)
				rt := newRuntime(t, sandbox.Limits{})
				m, err := rt.Compile(context.Background(), "probe", buildtest.Build(t, tc.toolchain, tc.dir))
				if err != nil {
					t.Fatal(err)
				}
				if !m.Snapshotted() || m.MemoryMapped() != mode.mapped || len(m.Advice()) > 0 {
					t.Fatalf("snapshotted %v, mapped %v, advice %q", m.Snapshotted(), m.MemoryMapped(), m.Advice())
				}
				for i := 0; i < 20; i++ {
					eff, err := m.Run(context.Background(), &sandbox.Event{Name: "fresh", WantsAck: true}, nil)
					if err != nil {
						t.Fatal(err)
					}
					if got := string(eff.Ops[0].Args); got != "[1]" {
						t.Fatalf("event %d saw %s events in its instance", i, got)
					}
				}
				if n := m.Reused(); n != 19 {
					t.Fatalf("%d of 20 events ran in a reused instance, want 19", n)
				}
			})
		}
	}
}

// TestSecretNeverReachesNextEvent runs modules whose events each look for
// a secret in all of their memory (and globals) and then write it in every
// byte they can reach. testdata/secret.wat grows its memory past the
// snapshot, so each of its events gets a new instance; secret_reused.wat
// does not, so its instances serve one event after another; "plain" is
// secret.wat with a start section, which cannot be snapshotted. No event
// may find the secret, with mapped and copied memories, with events one
// after another and many at once (so that several memories and instances
// go round their pools).
func TestSecretNeverReachesNextEvent(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "secret.wat"))
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "plain.wat")
	if err := os.WriteFile(plain, bytes.Replace(src, []byte(`(func (export "_initialize")`), []byte(`(start 1) (func`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range memoryModes {
		for _, tc := range []struct {
			name, path string
			snapshot   bool
			reused     bool // some events run in an instance that served one before
		}{
			{"snapshot", filepath.Join("testdata", "secret.wat"), true, false},
			{"reused", filepath.Join("testdata", "secret_reused.wat"), true, true},
			{"plain", plain, false, false},
		} {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				useMemoryMode(t, mode)
				m, err := newRuntime(t, sandbox.Limits{}).Compile(context.Background(), "secret", wat.Build(t, tc.path))
				if err != nil {
					t.Fatal(err)
				}
				if m.Snapshotted() != tc.snapshot || m.MemoryMapped() != (mode.mapped && tc.snapshot) {
					t.Fatalf("snapshotted %v, mapped %v", m.Snapshotted(), m.MemoryMapped())
				}
				const want = "[4,0]" // every event starts with 4 pages
				run := func() error {
					eff, err := m.Run(context.Background(), &sandbox.Event{Name: "x"}, nil)
					if err != nil {
						return err
					}
					if got := string(eff.Ops[0].Args); got != want {
						return fmt.Errorf("an event reports %s, want %s ([pages, found])", got, want)
					}
					return nil
				}
				for range 5 {
					if err := run(); err != nil {
						t.Fatal(err)
					}
				}
				if err := parallel(8, func() error {
					for range 5 {
						if err := run(); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if reused := m.Reused() > 0; reused != tc.reused {
					t.Fatalf("%d events ran in a reused instance", m.Reused())
				}
			})
		}
	}
}

// parallel runs fn n times at once and returns the first error.
func parallel(n int, fn func() error) error {
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- fn() }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TestCloseUnmaps checks that closing a module, or the runtime, unmaps the
// memories of its snapshots and closes their memfd, also the memory of a
// run that the runtime's close interrupts.
func TestCloseUnmaps(t *testing.T) {
	useMemoryMode(t, memoryModes[0])
	ctx := context.Background()
	wasm := wat.Build(t, filepath.Join("testdata", "secret.wat"))
	// loop.wat with an _initialize, so that it runs from a snapshot too.
	src, err := os.ReadFile(filepath.Join("testdata", "loop.wat"))
	if err != nil {
		t.Fatal(err)
	}
	loopWAT := filepath.Join(t.TempDir(), "loop.wat")
	src = bytes.Replace(src, []byte("(func (export \"wasmio_handle\")"), []byte("(func (export \"_initialize\"))\n  (func (export \"wasmio_handle\")"), 1)
	if err := os.WriteFile(loopWAT, src, 0o644); err != nil {
		t.Fatal(err)
	}
	spin := wat.Build(t, loopWAT)
	live := sandbox.LiveMappings()
	for _, closeRuntime := range []bool{false, true} {
		rt := newRuntime(t, sandbox.Limits{Timeout: 10 * time.Second})
		m, err := rt.Compile(ctx, "secret", wasm)
		if err != nil {
			t.Fatal(err)
		}
		if err := parallel(4, func() error { _, err := m.Run(ctx, &sandbox.Event{Name: "x"}, nil); return err }); err != nil {
			t.Fatal(err)
		}
		if sandbox.LiveMappings() == live || snapshotMaps(t) == 0 {
			t.Fatalf("mapped memories %d, memfd mappings %d: the test maps nothing", sandbox.LiveMappings()-live, snapshotMaps(t))
		}
		if closeRuntime {
			// A run in progress, interrupted by Close.
			loop, err := rt.Compile(ctx, "loop", spin)
			if err != nil {
				t.Fatal(err)
			}
			if !loop.MemoryMapped() {
				t.Fatal("the loop's memory is not mapped")
			}
			done := make(chan error, 1)
			go func() { _, err := loop.Run(ctx, &sandbox.Event{Name: "x"}, nil); done <- err }()
			time.Sleep(50 * time.Millisecond)
			if err := rt.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err == nil {
				t.Fatal("the interrupted run succeeded")
			}
		} else if err := m.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if n := sandbox.LiveMappings() - live; n != 0 || snapshotMaps(t) != 0 || snapshotFDs(t) != 0 {
			t.Fatalf("closing the runtime %v: %d mapped memories, %d memfd mappings, %d memfds left", closeRuntime, n, snapshotMaps(t), snapshotFDs(t))
		}
	}
}

// snapshotMaps counts the process's mappings of snapshot memfds.
func snapshotMaps(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("memfd:wasmio-snapshot"))
}

// snapshotFDs counts the process's open snapshot memfds.
func snapshotFDs(t *testing.T) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if l, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); strings.Contains(l, "memfd:wasmio-snapshot") {
			n++
		}
	}
	return n
}

func TestStartSectionIsNotSnapshotted(t *testing.T) {
	rt := newRuntime(t, sandbox.Limits{})
	m, err := rt.Compile(context.Background(), "start", wat.Build(t, filepath.Join("testdata", "start.wat")))
	if err != nil {
		t.Fatal(err)
	}
	if m.Snapshotted() {
		t.Fatal("a module with a start section was snapshotted")
	}
	for i := 0; i < 3; i++ {
		eff, err := m.Run(context.Background(), &sandbox.Event{Name: "x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(eff.Ops[0].Args); got != "[2]" {
			t.Fatalf("run %d: %s, want start and _initialize once each", i, got)
		}
	}
}

// TestNoFilesystemEnvironmentOrArguments checks that a WASI module sees no
// arguments, no environment and no files.
func TestNoFilesystemEnvironmentOrArguments(t *testing.T) {
	t.Setenv("WASMIO_SECRET", "must-not-leak")
	rt := newRuntime(t, sandbox.Limits{})
	m, err := rt.Compile(context.Background(), "probe", buildtest.Build(t, guestbuild.Go, "../../guest-sdk/go/testdata/probe"))
	if err != nil {
		t.Fatal(err)
	}
	eff, err := m.Run(context.Background(), &sandbox.Event{Name: "sandbox", WantsAck: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []json.RawMessage
	if err := json.Unmarshal(eff.Ops[0].Args, &got); err != nil {
		t.Fatal(err)
	}
	var args, env []string
	var readErr, listErr string
	_ = json.Unmarshal(got[0], &args)
	_ = json.Unmarshal(got[1], &env)
	_ = json.Unmarshal(got[2], &readErr)
	_ = json.Unmarshal(got[3], &listErr)
	if len(args) > 1 || len(env) != 0 || readErr == "<nil>" || listErr == "<nil>" {
		t.Fatalf("the module sees args %q, env %q, read error %q, list error %q", args, env, readErr, listErr)
	}
	t.Logf("args %q; reading /etc/passwd: %s; listing /: %s", args, readErr, listErr)
}

func TestAdvice(t *testing.T) {
	tests := []struct {
		name string
		wasm func(t *testing.T) []byte
		want string // substring of the only advice; "" for none
	}{
		{"plain", func(t *testing.T) []byte { return wat.Build(t, filepath.Join("testdata", "echo.wat")) }, ""},
		{"start section", func(t *testing.T) []byte { return wat.Build(t, filepath.Join("testdata", "start.wat")) }, "runs _initialize on every event"},
		{"asyncify", func(t *testing.T) []byte { return wat.Build(t, filepath.Join("testdata", "asyncify.wat")) }, "-scheduler=none"},
		{"tinygo as built by wasmio", func(t *testing.T) []byte {
			return buildtest.Build(t, guestbuild.TinyGo, "testdata/minimal/go")
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := newRuntime(t, sandbox.Limits{}).Compile(context.Background(), tc.name, tc.wasm(t))
			if err != nil {
				t.Fatal(err)
			}
			got := m.Advice()
			switch {
			case tc.want == "" && len(got) != 0:
				t.Fatalf("advice %q, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Fatalf("advice %q, want one containing %q", got, tc.want)
			}
		})
	}
}
