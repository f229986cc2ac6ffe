package sandbox_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/internal/testing/wat"
	"github.com/wasmio/wasmio/kv"
)

func newRuntime(t *testing.T, limits sandbox.Limits) *sandbox.Runtime {
	t.Helper()
	rt, err := sandbox.NewRuntime(context.Background(), &sandbox.Config{Limits: limits, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

func compile(t *testing.T, rt *sandbox.Runtime, name string) *sandbox.Module {
	t.Helper()
	m, err := rt.Compile(context.Background(), name, wat.Build(t, filepath.Join("testdata", name+".wat")))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func openStore(t *testing.T) *kv.Store {
	t.Helper()
	s, err := kv.Open(filepath.Join(t.TempDir(), "kv.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestEcho(t *testing.T) {
	rt := newRuntime(t, sandbox.Limits{})
	m := compile(t, rt, "echo")
	ev := &sandbox.Event{Name: "hello", Namespace: "/", SocketID: "s1", WantsAck: true,
		Args:        []byte(`[{"a":"é","b":[1,2]},{"_placeholder":true,"num":0}]`),
		Attachments: [][]byte{{0, 1, 2, 255}}}
	eff, err := m.Run(context.Background(), ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(eff.Ops) != 3 {
		t.Fatalf("ops %+v", eff.Ops)
	}
	j, e, a := eff.Ops[0], eff.Ops[1], eff.Ops[2]
	if j.Kind != sandbox.OpJoin || j.Room != "all" {
		t.Errorf("join %+v", j)
	}
	if e.Kind != sandbox.OpEmit || e.Mode != abi.EmitSelf || e.Event != "echo" || string(e.Args) != string(ev.Args) ||
		len(e.Attachments) != 1 || string(e.Attachments[0]) != "\x00\x01\x02\xff" {
		t.Errorf("emit %+v", e)
	}
	if a.Kind != sandbox.OpAck || string(a.Args) != string(ev.Args) {
		t.Errorf("ack %+v", a)
	}
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		module string
		limits sandbox.Limits
		want   error
		msg    string
	}{
		{"loop", sandbox.Limits{Timeout: 50 * time.Millisecond}, sandbox.ErrTimeout, "longer than 50ms"},
		{"trap", sandbox.Limits{}, sandbox.ErrTrap, "unreachable"},
		{"storm", sandbox.Limits{MaxEmits: 100}, sandbox.ErrLimit, "more than 100 emits"},
		{"storm", sandbox.Limits{MaxHostCalls: 50}, sandbox.ErrLimit, "more than 50 host calls"},
		{"oob", sandbox.Limits{}, sandbox.ErrTrap, "outside memory"},
		{"fail", sandbox.Limits{}, sandbox.ErrHandler, "returned 7"},
	} {
		t.Run(tc.module, func(t *testing.T) {
			m := compile(t, newRuntime(t, tc.limits), tc.module)
			eff, err := m.Run(context.Background(), &sandbox.Event{Name: "x", Args: []byte(`[1]`)}, nil)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tc.want, tc.msg)
			}
			if eff != nil {
				t.Fatalf("a failed run returned effects: %+v", eff)
			}
		})
	}
}

func TestMemoryLimit(t *testing.T) {
	for _, mib := range []int64{1, 4} {
		m := compile(t, newRuntime(t, sandbox.Limits{MemoryBytes: mib << 20}), "membomb")
		eff, err := m.Run(context.Background(), &sandbox.Event{Name: "x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := `[` + map[int64]string{1: "16", 4: "64"}[mib] + `]`
		if got := string(eff.Ops[0].Args); got != want {
			t.Errorf("%d MiB limit: the module holds %s pages, want %s", mib, got, want)
		}
	}
}

func TestModuleShape(t *testing.T) {
	rt := newRuntime(t, sandbox.Limits{})
	for _, tc := range []struct{ module, msg string }{
		{"badimport", "imports env.connect"},
		{"badimport", "imports wasmio_v1.emit with signature (i32) -> (i32)"},
		{"badimport", "does not export wasmio_handle"},
		{"version2", "built for ABI version 2"},
	} {
		_, err := rt.Compile(context.Background(), tc.module, wat.Build(t, filepath.Join("testdata", tc.module+".wat")))
		if !errors.Is(err, sandbox.ErrModule) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want %q", tc.module, err, tc.msg)
		}
	}
	if err := sandbox.Check(context.Background(), []byte("not wasm")); !errors.Is(err, sandbox.ErrModule) {
		t.Errorf("garbage: %v", err)
	}
	if err := sandbox.Check(context.Background(), wat.Build(t, "testdata/echo.wat")); err != nil {
		t.Errorf("echo: %v", err)
	}
}

func TestKV(t *testing.T) {
	rt := newRuntime(t, sandbox.Limits{})
	m := compile(t, rt, "echo")
	store := openStore(t)
	for i := 0; i < 3; i++ {
		tx := store.Begin()
		if _, err := m.Run(context.Background(), &sandbox.Event{Name: "kv", Namespace: "/c", SocketID: "s"}, txn.Scope{Txn: tx, Namespace: "/c", SocketID: "s"}); err != nil {
			t.Fatal(err)
		}
		if err := store.Commit(tx); err != nil {
			t.Fatal(err)
		}
	}
	v, ok, err := txn.Read(store, "/c", "", abi.ScopeNamespace, []byte("n"))
	if err != nil || !ok || string(v) != "3" {
		t.Fatalf("counter %q %v %v", v, ok, err)
	}
	// Another namespace has its own key space.
	if _, ok, _ := txn.Read(store, "/d", "", abi.ScopeNamespace, []byte("n")); ok {
		t.Fatal("namespaces share keys")
	}
}
