package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
)

// TestBanner checks the endpoints serve lists: a URL a local client can use
// for every namespace, with the Socket.IO path when it is not the default.
func TestBanner(t *testing.T) {
	dir := writeFiles(t, map[string]string{"echo.wasm": module(t, "echo")})
	cfg := &config.Config{Path: "/rt/", Namespaces: []config.Namespace{{Path: "/", Module: "echo.wasm"}, {Path: "/chat", Module: "echo.wasm"}}}
	r := hosttest.Start(t, cfg, dir, nil)
	var out bytes.Buffer
	banner(&out, r.Host, "[::]:3000")
	mustContain(t, out.String(), "serving on http://127.0.0.1:3000 (Socket.IO path /rt/",
		`namespace /            io("http://127.0.0.1:3000", { path: "/rt/" })`,
		`namespace /chat        io("http://127.0.0.1:3000/chat", { path: "/rt/" })`,
		"/chat  $default -> echo.wasm")
}

// TestHeapFloor checks that serve raises the GC percentage for a small heap,
// and leaves it alone when the operator set GOGC.
func TestHeapFloor(t *testing.T) {
	gogc := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	t.Setenv("GOGC", "") // restored after the test
	os.Unsetenv("GOGC")
	before := gogc()
	var logs bytes.Buffer
	log := newLogger(&logs, false)

	stop := startHeapFloor(&config.Config{HeapFloor: 1 << 30}, log) // far above any live heap of these tests
	runtime.GC()
	if p := gogc(); p <= 100 {
		t.Errorf("with a 1 GiB floor: GC percentage %d", p)
	}
	stop()

	t.Setenv("GOGC", "100")
	startHeapFloor(&config.Config{}, log)()
	mustContain(t, logs.String(), "GOGC is set: no heap floor")
	if p := gogc(); p != before {
		t.Fatalf("GC percentage %d, want %d", p, before)
	}
}
