// Package hosttest runs a real wasmio host on a loopback port for a test:
// the Socket.IO server, the sandbox and the key-value store, configured in
// code, stopped when the test ends.
package hosttest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/buildtest"
)

// Running is a host serving for one test.
type Running struct {
	// Host is the running host.
	Host *host.Host
	// URL is its base URL, like "http://127.0.0.1:41234".
	URL  string
	stop func()
}

// Start serves cfg (its relative paths resolve against dir, its data in
// dir/data unless set) until Stop or the end of the test.
func Start(t testing.TB, cfg *config.Config, dir string, opts *host.Options) *Running {
	t.Helper()
	cfg.SetDir(dir)
	cfg.Listen = "127.0.0.1:0"
	if cfg.DataDir == "" {
		cfg.DataDir = "data"
	}
	h, err := host.New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := h.Listen()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Serve(ln) }()
	r := &Running{Host: h, URL: "http://" + ln.Addr().String()}
	r.stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("hosttest: shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("hosttest: serve: %v", err)
		}
	}
	t.Cleanup(r.Stop)
	return r
}

// Stop shuts the host down (once).
func (r *Running) Stop() {
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
}

// Get reads a namespace-scope key of the host's store; "" when absent.
func (r *Running) Get(t testing.TB, ns, key string) string {
	t.Helper()
	v, _, err := txn.Read(r.Host.Store(), ns, "", abi.ScopeNamespace, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// Module builds the handler in src with tc and writes it into dir as name.
func Module(t testing.TB, dir, name string, tc guestbuild.Toolchain, src string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), buildtest.Build(t, tc, src), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}
