package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/internal/testing/wat"
)

// syncBuffer is a log destination written from the host's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWatch drives the watcher of `serve --watch` poll by poll: a replaced
// module is loaded once it stopped changing, a connected socket keeps its
// id, a broken module or config keeps the previous version serving, and a
// namespace added to the config is served.
func TestWatch(t *testing.T) {
	echo := module(t, "echo")                                                                     // acks with the event's arguments
	version := string(wat.Build(t, filepath.Join("..", "..", "host", "testdata", "version.wat"))) // acks ["V", socket id]
	dir := writeFiles(t, map[string]string{"h.wasm": echo})
	file := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The settings hosttest imposes, so that reloading the file changes
	// nothing that needs a restart.
	const settings = "listen = \"127.0.0.1:0\"\ndata_dir = \"data\"\n"
	const root = "[[namespace]]\npath = \"/\"\nmodule = \"h.wasm\"\n"
	file("wasmio.toml", settings+root)
	configPath := filepath.Join(dir, "wasmio.toml")
	load := func() (*config.Config, error) { return config.Load(configPath) }
	cfg, err := load()
	if err != nil {
		t.Fatal(err)
	}
	r := hosttest.Start(t, cfg, dir, nil)
	var logs syncBuffer
	w := newWatcher(r.Host, configPath, load, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()
	settle := func() { w.poll(ctx); w.poll(ctx) } // a change, then a quiet poll

	d := nodetest.Start(t)
	c := d.Connect(r.URL, map[string]any{"transports": []string{"websocket"}})
	sid := c.Connected().Sid
	jsonEq(t, c.EmitAck("v", 1), `[1]`)
	settle() // the first look at the files reloads nothing
	if s := logs.String(); s != "" {
		t.Fatalf("logs before any change: %s", s)
	}

	// A module still changing is not loaded; once quiet, it is.
	file("h.wasm", version)
	w.poll(ctx)
	jsonEq(t, c.EmitAck("v", 1), `[1]`)
	w.poll(ctx)
	jsonEq(t, c.EmitAck("v"), `["V",`+quote(sid)+`]`)
	mustContain(t, logs.String(), "msg=reloaded", "h.wasm")

	// A truncated module keeps the previous version serving.
	file("h.wasm", echo[:len(echo)/2])
	settle()
	mustContain(t, logs.String(), "reload failed: still serving the previous version", "h.wasm")
	jsonEq(t, c.EmitAck("v"), `["V",`+quote(sid)+`]`)
	file("h.wasm", echo)
	settle()
	jsonEq(t, c.EmitAck("v", 2), `[2]`)

	// A config with an error is reported once, and retried until fixed.
	file("wasmio.toml", settings+root+"[[namespace]]\npath = \"/chat\"\nmodule = \"chat.wasm\"\n")
	settle()
	w.poll(ctx)
	mustContain(t, logs.String(), `module \"chat.wasm\" not found`)
	if n := strings.Count(logs.String(), "the config file has a problem"); n != 1 {
		t.Fatalf("the missing module is reported %d times:\n%s", n, logs.String())
	}
	file("chat.wasm", version)
	settle()
	chat := d.Connect(r.URL+"/chat", nil)
	chatSid := chat.Connected().Sid
	jsonEq(t, chat.EmitAck("v"), `["V",`+quote(chatSid)+`]`)

	// The socket connected at the start was never disconnected.
	if s := r.Host.Server().Namespace("/").Socket(sid); s == nil || !s.Connected() {
		t.Fatal("the socket was disconnected")
	}
	jsonEq(t, c.EmitAck("v", 3), `[3]`)
}

func quote(s string) string { return `"` + s + `"` }

func jsonEq(t *testing.T, got []byte, want string) {
	t.Helper()
	var a, b bytes.Buffer
	if json.Compact(&a, got) != nil || json.Compact(&b, []byte(want)) != nil || a.String() != b.String() {
		t.Fatalf("got %s, want %s", got, want)
	}
}
