package host_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/internal/testing/wat"
	"github.com/wasmio/wasmio/internal/units"
)

// versionModule builds testdata/version.wat answering with version.
func versionModule(t *testing.T, version string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "version.wat"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "version"+version+".wat")
	if err := os.WriteFile(path, []byte(strings.Replace(string(src), `[\"V\"`, `[\"`+version+`\"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return wat.Build(t, path)
}

// heldClock is a host clock that holds the first call made after arm until
// free: a handler calling clock_now then keeps running as long as the test
// wants, with no timing involved.
type heldClock struct {
	armed     atomic.Bool
	held      chan struct{} // closed once a call is held
	free      chan struct{}
	closeFree sync.Once
}

func (c *heldClock) now() time.Time {
	if c.armed.CompareAndSwap(true, false) {
		close(c.held)
		<-c.free
	}
	return time.Now()
}

func (c *heldClock) release() { c.closeFree.Do(func() { close(c.free) }) }

// logWatch is a slog handler that calls on for every message.
type logWatch struct{ on func(msg string) }

func (l logWatch) Enabled(context.Context, slog.Level) bool      { return true }
func (l logWatch) Handle(_ context.Context, r slog.Record) error { l.on(r.Message); return nil }
func (l logWatch) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l logWatch) WithGroup(string) slog.Handler                 { return l }

// wait fails the test if ch does not deliver within nodetest's timeout.
func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(nodetest.Timeout):
		t.Fatalf("%s did not happen within %v", what, nodetest.Timeout)
	}
}

// version decodes a version module's answer and checks its socket id.
func version(t *testing.T, args []byte, sid string) string {
	t.Helper()
	var v []string
	nodetest.Args(t, args, &v)
	if len(v) != 2 || v[1] != sid {
		t.Fatalf("answer %v, want a version and socket id %s", v, sid)
	}
	return v[0]
}

// TestReload replaces a served module while sockets are connected and an
// event is running: the next events run on the new module, the running one
// finishes on the old, whose runtime closes only then, and no socket is
// disconnected. Broken modules and changes that need a restart leave the
// host serving what it served.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "v.wasm")
	write := func(b []byte) {
		t.Helper()
		if err := os.WriteFile(mod, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, b := versionModule(t, "A"), versionModule(t, "B")
	write(a)

	clock := &heldClock{held: make(chan struct{}), free: make(chan struct{})}
	unloaded := make(chan struct{}, 10)
	logger := slog.New(logWatch{on: func(msg string) {
		switch {
		case msg == "slow started":
			clock.armed.Store(true)
		case strings.HasPrefix(msg, "the previous version of a namespace is unloaded"):
			unloaded <- struct{}{}
		}
	}})
	// The slow run must not meet the default 1s deadline while held.
	limits := config.Limits{Timeout: units.Duration(time.Hour)}
	cfg := &config.Config{Namespaces: []config.Namespace{{Path: "/", Module: "v.wasm", Limits: limits}}}
	r := hosttest.Start(t, cfg, dir, &host.Options{Clock: clock.now, Logger: logger})
	t.Cleanup(clock.release) // before the host stops, should the test fail while holding
	ctx := context.Background()

	d := nodetest.Start(t)
	ws := map[string]any{"transports": []string{"websocket"}}
	c1, c2 := d.Connect(r.URL, ws), d.Connect(r.URL, ws)
	sid1, sid2 := c1.Connected().Sid, c2.Connected().Sid
	if v := version(t, c1.EmitAck("v"), sid1); v != "A" {
		t.Fatalf("version %s before the reload", v)
	}

	// c1's slow event starts on A and is held there.
	c1.Events()
	c1.Emit("slow")
	wait(t, clock.held, "the slow event holding the clock")

	write(b)
	paths, err := r.Host.Reload(ctx, r.Host.Config())
	if err != nil || !slices.Equal(paths, []string{"/"}) {
		t.Fatalf("reload: %v %v", paths, err)
	}
	// c2's next event runs on B while c1's is still running on A.
	if v := version(t, c2.EmitAck("v"), sid2); v != "B" {
		t.Fatalf("version %s after the reload", v)
	}
	select {
	case <-unloaded:
		t.Fatal("A was unloaded while one of its runs was going")
	default:
	}
	clock.release()
	if v := version(t, c1.Event("version").Args, sid1); v != "A" {
		t.Fatalf("the event running during the reload finished on %s", v)
	}
	wait(t, unloaded, "unloading A") // its runtime closes once its last run ended
	if v := version(t, c1.EmitAck("v"), sid1); v != "B" {
		t.Fatalf("version %s after the slow event", v)
	}

	// A broken module or a bad config changes nothing.
	write(a[:len(a)/2])
	if _, err := r.Host.Reload(ctx, r.Host.Config()); err == nil || !strings.Contains(err.Error(), "v.wasm") {
		t.Fatalf("reloading a truncated module: %v", err)
	}
	write(b)
	if paths, err := r.Host.Reload(ctx, r.Host.Config()); err != nil || len(paths) != 0 {
		t.Fatalf("reloading unchanged modules: %v %v", paths, err)
	}
	changed := *r.Host.Config()
	changed.Workers = 3
	changed.Namespaces = nil
	if _, err := r.Host.Reload(ctx, &changed); !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("a config without namespaces: %v", err)
	}
	changed.Namespaces = []config.Namespace{{Path: "/other", Module: "v.wasm"}}
	_, err = r.Host.Reload(ctx, &changed)
	if !errors.Is(err, host.ErrRestart) || !strings.Contains(err.Error(), "workers changed") || !strings.Contains(err.Error(), "namespace / was removed") {
		t.Fatalf("a change that needs a restart: %v", err)
	}
	if v := version(t, c2.EmitAck("v"), sid2); v != "B" {
		t.Fatalf("version %s after refused reloads", v)
	}

	// A namespace added by a reload is served; new limits apply.
	write(a)
	added := *r.Host.Config()
	added.Namespaces = []config.Namespace{{Path: "/", Module: "v.wasm", Limits: limits}, {Path: "/new", Module: "v.wasm"}}
	if paths, err := r.Host.Reload(ctx, &added); err != nil || !slices.Equal(paths, []string{"/", "/new"}) {
		t.Fatalf("adding a namespace: %v %v", paths, err)
	}
	c3 := d.Connect(r.URL+"/new", ws)
	if sid3 := c3.Connected().Sid; version(t, c3.EmitAck("v"), sid3) != "A" {
		t.Fatal("the new namespace does not serve the module")
	}

	// No socket was disconnected along the way.
	for _, sid := range []string{sid1, sid2} {
		if s := r.Host.Server().Namespace("/").Socket(sid); s == nil || !s.Connected() {
			t.Fatalf("socket %s is gone", sid)
		}
	}
	if v := version(t, c1.EmitAck("v"), sid1); v != "A" {
		t.Fatalf("version %s at the end", v)
	}
}
