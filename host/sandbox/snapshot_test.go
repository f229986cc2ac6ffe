package sandbox_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/buildtest"
	"github.com/wasmio/wasmio/internal/testing/wat"
)

// TestSnapshotIsolation runs many events of a module that counts, in a
// package variable, the events its instance handled: started from the
// snapshot, every instance handles exactly one.
func TestSnapshotIsolation(t *testing.T) {
	for _, tc := range []guestbuild.Toolchain{guestbuild.Go, guestbuild.TinyGo} {
		t.Run(string(tc), func(t *testing.T) {
			rt := newRuntime(t, sandbox.Limits{})
			m, err := rt.Compile(context.Background(), "probe", buildtest.Build(t, tc, "../../guest-sdk/go/testdata/probe"))
			if err != nil {
				t.Fatal(err)
			}
			if !m.Snapshotted() {
				t.Fatal("the probe module was not snapshotted")
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
		})
	}
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
