package host_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/internal/testing/wat"
	"github.com/wasmio/wasmio/internal/units"
	"github.com/wasmio/wasmio/kv"
)

// watModule builds testdata of the sandbox package into dir and returns its file name.
func watModule(t *testing.T, dir, name string) string {
	t.Helper()
	b := wat.Build(t, filepath.Join("sandbox", "testdata", name+".wat"))
	if err := os.WriteFile(filepath.Join(dir, name+".wasm"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return name + ".wasm"
}

// start runs a host for cfg, whose relative paths resolve against dir.
func start(t *testing.T, cfg *config.Config, dir string) *hosttest.Running {
	t.Helper()
	return hosttest.Start(t, cfg, dir, nil)
}

// kvValue reads a namespace-scope key from a stopped host's store.
func kvValue(dataDir, ns, key string) (string, error) {
	s, err := kv.Open(filepath.Join(dataDir, "kv.db"), nil)
	if err != nil {
		return "", err
	}
	defer s.Close()
	v, _, err := txn.Read(s, ns, "", abi.ScopeNamespace, []byte(key))
	return string(v), err
}

func TestEchoOverEveryTransport(t *testing.T) {
	dir := t.TempDir()
	r := start(t, &config.Config{Namespaces: []config.Namespace{{Path: "/", Module: watModule(t, dir, "echo")}}}, dir)
	d := nodetest.Start(t)
	for _, transports := range [][]string{{"websocket"}, {"polling"}, {"polling", "websocket"}} {
		c := d.Connect(r.URL, map[string]any{"transports": transports})
		c.Connected()
		nodetest.JSONEq(t, c.Event("echo").Args, `[]`) // from $connect, which has no args
		nodetest.JSONEq(t, c.EmitAck("hello", map[string]any{"k": "é"}, 2), `[{"k":"é"},2]`)
		nodetest.JSONEq(t, c.Event("echo").Args, `[{"k":"é"},2]`)
		// A Buffer comes back byte-exact, as an ack and as an event.
		blob := nodetest.Bin{0, 1, 2, 0xfe, 0xff, 0x1e}
		var back []nodetest.Bin
		nodetest.Args(t, c.EmitAck("bin", blob), &back)
		if len(back) != 1 || !bytes.Equal(back[0], blob) {
			t.Fatalf("%v: ack %v", transports, back)
		}
		nodetest.Args(t, c.Event("echo").Args, &back)
		if !bytes.Equal(back[0], blob) {
			t.Fatalf("%v: event %v", transports, back)
		}
	}
}

func TestFailedHandlersChangeNothing(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{Namespaces: []config.Namespace{{
		Path:   "/",
		Module: watModule(t, dir, "echo"),
		Handlers: map[string]string{
			"trap":  watModule(t, dir, "trap"),
			"loop":  watModule(t, dir, "loop"),
			"fail":  watModule(t, dir, "fail"),
			"bomb":  watModule(t, dir, "membomb"),
			"storm": watModule(t, dir, "storm"),
		},
		Limits: config.Limits{Timeout: units.Duration(100 * time.Millisecond), Memory: units.ByteSize(1 << 20)},
	}}}
	r := start(t, cfg, dir)
	d := nodetest.Start(t)
	c := d.Connect(r.URL, map[string]any{"transports": []string{"websocket"}})
	c.Connected()
	for _, ev := range []string{"trap", "loop", "fail", "storm"} {
		c.Emit(ev)
	}
	// The membomb is capped at 1 MiB = 16 pages, and still answers.
	c.Emit("bomb")
	nodetest.JSONEq(t, c.Event("pages").Args, `[16]`)
	// The socket is still connected and served, and none of the failed
	// handlers' emits or joins took effect.
	nodetest.JSONEq(t, c.EmitAck("after", 1), `[1]`)
	for _, m := range c.Events() {
		if m.Name != "echo" {
			t.Errorf("a failed handler's effect reached the client: %v", m) // "spam" from the storm, "x" from the trap
		}
	}
	s := r.Host.Server().Namespace("/")
	if members := s.RoomMembers("r"); len(members) != 0 {
		t.Errorf("a failed handler's join took effect: %v", members)
	}
}

func TestKVSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{Namespaces: []config.Namespace{{Path: "/", Module: watModule(t, dir, "echo")}}}
	for round := 1; round <= 2; round++ {
		r := start(t, cfg, dir)
		d := nodetest.Start(t)
		c := d.Connect(r.URL, nil)
		c.Connected()
		for i := 0; i < 5; i++ {
			c.EmitAck("kv")
		}
		r.Stop()
		s, err := kvValue(filepath.Join(dir, "data"), "/", "n")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]string{1: "5", 2: "10"}[round]; s != want {
			t.Fatalf("round %d: counter %q, want %s", round, s, want)
		}
	}
}
