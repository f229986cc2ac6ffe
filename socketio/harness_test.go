package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/socketio"
)

// harness runs a socketio.Server on a loopback port for one test. Sockets
// introduce themselves with auth {"name": ...} so tests can find them.
type harness struct {
	t   *testing.T
	srv *socketio.Server
	url string

	mu          sync.Mutex
	cond        *sync.Cond
	sockets     map[string]*socketio.Socket // by auth name
	disconnects map[string]string           // auth name -> reason
	events      []serverEvent
}

type serverEvent struct {
	socket string // auth name
	name   string
	args   string
	atts   [][]byte
}

func newHarness(t *testing.T, cfg *socketio.Config) *harness {
	t.Helper()
	srv, err := socketio.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: srv, url: "http://" + ln.Addr().String(),
		sockets: map[string]*socketio.Socket{}, disconnects: map[string]string{}}
	h.cond = sync.NewCond(&h.mu)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln, nil) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, engineio.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return h
}

func authName(s *socketio.Socket) string {
	var a struct{ Name string }
	_ = json.Unmarshal(s.Handshake().Auth, &a)
	return a.Name
}

// serve registers a namespace whose hooks record sockets, events and
// disconnects; onEvent, if set, also runs for every event.
func (h *harness) serve(nsp string, onEvent func(s *socketio.Socket, e *socketio.Event)) *socketio.Namespace {
	h.t.Helper()
	n, err := h.srv.Of(nsp, socketio.Hooks{
		Connected: func(s *socketio.Socket) {
			h.mu.Lock()
			h.sockets[nsp+"#"+authName(s)] = s
			h.cond.Broadcast()
			h.mu.Unlock()
		},
		Event: func(s *socketio.Socket, e *socketio.Event) {
			h.mu.Lock()
			h.events = append(h.events, serverEvent{authName(s), e.Name, string(e.Args), e.Attachments})
			h.cond.Broadcast()
			h.mu.Unlock()
			if onEvent != nil {
				onEvent(s, e)
			}
		},
		Disconnect: func(s *socketio.Socket, reason string) {
			h.mu.Lock()
			h.disconnects[nsp+"#"+authName(s)] = reason
			h.cond.Broadcast()
			h.mu.Unlock()
		},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// waitFor blocks until cond holds (checked under the harness lock).
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(nodetest.Timeout)
	t := time.AfterFunc(nodetest.Timeout, func() { h.mu.Lock(); h.cond.Broadcast(); h.mu.Unlock() })
	defer t.Stop()
	h.mu.Lock()
	defer h.mu.Unlock()
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		h.cond.Wait()
	}
}

// socket waits for the server side of the socket named name in nsp.
func (h *harness) socket(nsp, name string) *socketio.Socket {
	h.t.Helper()
	var s *socketio.Socket
	h.waitFor("socket "+name, func() bool { s = h.sockets[nsp+"#"+name]; return s != nil })
	return s
}

// disconnectReason waits for the disconnect of the socket named name.
func (h *harness) disconnectReason(nsp, name string) string {
	h.t.Helper()
	var r string
	h.waitFor("disconnect of "+name, func() bool { var ok bool; r, ok = h.disconnects[nsp+"#"+name]; return ok })
	return r
}

// event waits for the first event called name from the socket named from.
func (h *harness) event(from, name string) serverEvent {
	h.t.Helper()
	var ev serverEvent
	h.waitFor("event "+name, func() bool {
		for _, e := range h.events {
			if e.socket == from && e.name == name {
				ev = e
				return true
			}
		}
		return false
	})
	return ev
}

// connect opens a client named name to nsp and waits until the server sees it.
func (h *harness) connect(d *nodetest.Driver, nsp, name string, opts map[string]any) (*nodetest.Client, *socketio.Socket) {
	h.t.Helper()
	if opts == nil {
		opts = map[string]any{}
	}
	opts["auth"] = map[string]any{"name": name}
	path := nsp
	if path == "/" {
		path = ""
	}
	c := d.Connect(h.url+path, opts)
	c.Connected()
	return c, h.socket(nsp, name)
}
