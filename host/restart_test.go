package host_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/internal/testing/wat"
	"github.com/wasmio/wasmio/internal/units"
)

// serveOn runs a host for cfg on ln until the returned stop is called.
func serveOn(t *testing.T, cfg *config.Config, ln net.Listener) (stop func() error) {
	t.Helper()
	_, stop = serveHost(t, cfg, ln)
	return stop
}

// serveHost is serveOn, returning the host too.
func serveHost(t *testing.T, cfg *config.Config, ln net.Listener) (*host.Host, func() error) {
	t.Helper()
	h, err := host.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Serve(ln) }()
	return h, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := h.Shutdown(ctx)
		if serr := <-done; serr != nil && err == nil {
			err = serr
		}
		return err
	}
}

// restartConfig serves testdata/disconnects.wat, which counts $disconnect
// runs per reason in the namespace key named by the reason's JSON.
func restartConfig(t *testing.T, shutdown string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.wasm"), wat.Build(t, filepath.Join("testdata", "disconnects.wat")), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Shutdown: shutdown, Namespaces: []config.Namespace{{Path: "/", Module: "d.wasm"}}}
	cfg.SetDir(dir)
	return cfg
}

// clientTransports spreads clients over WebSocket, long-polling and
// polling upgraded to WebSocket.
var clientTransports = [][]string{{"websocket"}, {"polling"}, {"polling", "websocket"}}

// TestRestartClientsReconnect restarts a server under 100 connected
// socket.io-client sockets: each sees "transport close" and reconnects by
// itself to the new server on the same address, and each one's $disconnect
// ran exactly once, with "server shutting down".
func TestRestartClientsReconnect(t *testing.T) {
	const sockets = 100
	cfg := restartConfig(t, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	stop := serveOn(t, cfg, ln)
	d := nodetest.Start(t)
	cs := make([]*nodetest.Client, sockets)
	first := make([]string, sockets)
	for i := range cs {
		cs[i] = d.Connect("http://"+addr, map[string]any{
			"transports": clientTransports[i%len(clientTransports)],
			// socket.io-client's defaults, with shorter delays.
			"reconnection": true, "reconnectionDelay": 100, "reconnectionDelayMax": 1000,
		})
	}
	for i, c := range cs {
		first[i] = c.Connected().Sid
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for i, c := range cs {
		if m := c.Wait("disconnect", nil); m.Reason != "transport close" {
			t.Fatalf("client %d (%v): disconnect reason %q, want transport close", i, clientTransports[i%3], m.Reason)
		}
	}
	if got, _ := kvValue(filepath.Join(cfg.Dir(), "data"), "/", `["server shutting down"]`); got != fmt.Sprint(sockets) {
		t.Fatalf("$disconnect ran %s times with \"server shutting down\", want %d", got, sockets)
	}
	// The new server, on the same address: every client comes back alone.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	stop = serveOn(t, cfg, ln)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	// A client whose attempt came before the listener reports a
	// connect_error and tries again: wait for its connect.
	for i, c := range cs {
		if m := c.Wait("connect", nil); m.Sid == "" || m.Sid == first[i] {
			t.Fatalf("client %d reconnected as %q (first %q)", i, m.Sid, first[i])
		}
	}
}

// TestShutdownDisconnect: with shutdown = "disconnect" the clients are told
// to go away ("io server disconnect", on which socket.io-client does not
// reconnect), and $disconnect still runs once per socket.
func TestShutdownDisconnect(t *testing.T) {
	cfg := restartConfig(t, config.ShutdownDisconnect)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := serveOn(t, cfg, ln)
	d := nodetest.Start(t)
	var cs []*nodetest.Client
	for _, tr := range clientTransports {
		c := d.Connect("http://"+ln.Addr().String(), map[string]any{"transports": tr})
		c.Connected()
		cs = append(cs, c)
	}
	cs[2].Wait("upgrade", nil)
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for i, c := range cs {
		if m := c.Wait("disconnect", nil); m.Reason != "io server disconnect" {
			t.Fatalf("%v: disconnect reason %q", clientTransports[i], m.Reason)
		}
	}
	if got, _ := kvValue(filepath.Join(cfg.Dir(), "data"), "/", `["server shutting down"]`); got != "3" {
		t.Fatalf("$disconnect ran %s times with \"server shutting down\", want 3", got)
	}
}

// TestShutdownBusyMailboxes stops a host whose sockets each have a full
// mailbox of events that run until their timeout: the queued events are
// dropped, and every socket's $disconnect runs exactly once, within the
// shutdown's budget of 10 s (the queued events alone would take 10 min).
func TestShutdownBusyMailboxes(t *testing.T) {
	const sockets = 8
	cfg := busyConfig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h, stop := serveHost(t, cfg, ln)
	d := nodetest.Start(t)
	cs := make([]*nodetest.Client, sockets)
	for i := range cs {
		cs[i] = d.Connect("http://"+ln.Addr().String(), map[string]any{"transports": clientTransports[i%2]})
		cs[i].Connected()
	}
	for _, c := range cs {
		for range 300 {
			c.Emit("slow")
		}
	}
	waitFor(t, "full mailboxes", func() bool { return h.QueuedJobs() >= sockets*mailboxFull })
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if got, _ := kvValue(filepath.Join(cfg.Dir(), "data"), "/", `["server shutting down"]`); got != fmt.Sprint(sockets) {
		t.Fatalf("$disconnect ran %s times with \"server shutting down\", want %d", got, sockets)
	}
}

// TestDisconnectFromFullMailbox has a handler disconnect its own socket
// while the socket's mailbox is full: the $disconnect is queued without
// waiting for room (the mailbox's goroutine is the one that would have to
// make it) and runs once.
func TestDisconnectFromFullMailbox(t *testing.T) {
	cfg := busyConfig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := serveOn(t, cfg, ln)
	d := nodetest.Start(t)
	c := d.Connect("http://"+ln.Addr().String(), map[string]any{"transports": []string{"websocket"}})
	c.Connected()
	// "bye" spins while the "slow" events behind it fill the mailbox, then
	// disconnects its socket.
	c.Emit("bye")
	for range 300 {
		c.Emit("slow")
	}
	if m := c.Wait("disconnect", nil); m.Reason != "io server disconnect" {
		t.Fatalf("disconnect reason %q", m.Reason)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if got, _ := kvValue(filepath.Join(cfg.Dir(), "data"), "/", `["server namespace disconnect"]`); got != "1" {
		t.Fatalf("$disconnect ran %q times, want 1", got)
	}
}

// mailboxFull is what a full mailbox holds, the host's mailboxSize, plus
// the event running.
const mailboxFull = 256 + 1

// busyConfig serves testdata/busy.wat, whose "slow" events run until
// their 2 s timeout.
func busyConfig(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b.wasm"), wat.Build(t, filepath.Join("testdata", "busy.wat")), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Namespaces: []config.Namespace{{Path: "/", Module: "b.wasm",
		Limits: config.Limits{Timeout: units.Duration(2 * time.Second)}}}}
	cfg.SetDir(dir)
	return cfg
}
