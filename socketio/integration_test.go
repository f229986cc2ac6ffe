package socketio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/socketio"
)

// echo answers "echo" with an ack carrying the same arguments and
// attachments, and "emitBack" with an event "back" carrying them.
func echo(s *socketio.Socket, e *socketio.Event) {
	switch e.Name {
	case "echo":
		if e.Ack != nil {
			_ = e.Ack(e.Args, e.Attachments...)
		}
	case "emitBack":
		_ = s.Emit("back", e.Args, e.Attachments...)
	}
}

var transports = []struct {
	name      string
	opts      map[string]any
	transport string // the transport once connected and settled
}{
	{"websocket only", map[string]any{"transports": []string{"websocket"}}, "websocket"},
	{"polling only", map[string]any{"transports": []string{"polling"}}, "polling"},
	{"polling upgraded", map[string]any{}, "websocket"},
}

func TestTransports(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.serve("/", echo)
			d := nodetest.Start(t)
			c, s := h.connect(d, "/", "a", tr.opts)
			if tr.name == "polling upgraded" {
				if m := c.Wait("upgrade", nil); m.Transport != "websocket" {
					t.Fatalf("upgraded to %q", m.Transport)
				}
			}
			// Client to server with an ack, both ways of the socket.
			nodetest.JSONEq(t, c.EmitAck("echo", map[string]any{"k": []int{1, 2}}, "two", 3), `[{"k":[1,2]},"two",3]`)
			c.Emit("emitBack", "hello", nil)
			nodetest.JSONEq(t, c.Event("back").Args, `["hello",null]`)
			// Server to client, and the client's own id.
			if err := s.Emit("greet", []byte(`[{"x":1}]`)); err != nil {
				t.Fatal(err)
			}
			nodetest.JSONEq(t, c.Event("greet").Args, `[{"x":1}]`)
			if got := s.Session().Transport(); got != tr.transport {
				t.Fatalf("server transport %q, want %q", got, tr.transport)
			}
			// The socket is in the room of its own id.
			if r := s.Rooms(); len(r) != 1 || r[0] != s.ID() {
				t.Fatalf("rooms %v", r)
			}
			c.Disconnect()
			if r := h.disconnectReason("/", "a"); r != socketio.ReasonClientNamespaceDisconnect {
				t.Fatalf("reason %q", r)
			}
		})
	}
}

func TestBinaryBothWays(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.serve("/", echo)
			d := nodetest.Start(t)
			c, _ := h.connect(d, "/", "a", tr.opts)
			blob := make([]byte, 70000) // spans several TCP segments and base64 chunks
			for i := range blob {
				blob[i] = byte(i * 7)
			}
			small := nodetest.Bin{0, 1, 2, 255, 0x1e}
			c.Emit("emitBack", nodetest.Bin(blob), map[string]any{"nested": small}, "text")
			ev := h.event("a", "emitBack")
			if len(ev.atts) != 2 || !bytes.Equal(ev.atts[0], blob) || !bytes.Equal(ev.atts[1], small) {
				t.Fatalf("attachments arrived changed: %d", len(ev.atts))
			}
			nodetest.JSONEq(t, json.RawMessage(ev.args), `[{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}},"text"]`)

			var back []json.RawMessage
			nodetest.Args(t, c.Event("back").Args, &back)
			var b0 nodetest.Bin
			var b1 struct{ Nested nodetest.Bin }
			nodetest.Args(t, back[0], &b0)
			nodetest.Args(t, back[1], &b1)
			if !bytes.Equal(b0, blob) || !bytes.Equal(b1.Nested, small) {
				t.Fatal("the echoed buffers differ")
			}
			// A binary ack.
			var ack []nodetest.Bin
			nodetest.Args(t, c.EmitAck("echo", small), &ack)
			if !bytes.Equal(ack[0], small) {
				t.Fatalf("binary ack %v", ack)
			}
		})
	}
}

func TestTwoNamespacesOneConnection(t *testing.T) {
	h := newHarness(t, nil)
	h.serve("/", echo)
	h.serve("/admin", echo)
	d := nodetest.Start(t)
	opts := func() map[string]any { return map[string]any{"forceNew": false, "auth": map[string]any{"name": "a"}} }
	root := d.Connect(h.url, opts())
	admin := d.Connect(h.url+"/admin", opts())
	mr, ma := root.Connected(), admin.Connected()
	if mr.EngineID != ma.EngineID || mr.Sid == ma.Sid {
		t.Fatalf("want one engine session and two sockets: %+v %+v", mr, ma)
	}
	sr, sa := h.socket("/", "a"), h.socket("/admin", "a")
	if sr.Session() != sa.Session() {
		t.Fatal("namespaces do not share the engine session")
	}
	_ = sa.Emit("only-admin", nil)
	_ = sr.Emit("only-root", nil)
	admin.Event("only-admin")
	root.Event("only-root")
	nodetest.JSONEq(t, admin.EmitAck("echo", "x"), `["x"]`)
	// Leaving one namespace keeps the other.
	admin.Disconnect()
	if r := h.disconnectReason("/admin", "a"); r != socketio.ReasonClientNamespaceDisconnect {
		t.Fatal(r)
	}
	nodetest.JSONEq(t, root.EmitAck("echo", 1), `[1]`)
}

func TestInvalidNamespace(t *testing.T) {
	h := newHarness(t, nil)
	h.serve("/", nil)
	d := nodetest.Start(t)
	c := d.Connect(h.url+"/nope", nil)
	if m := c.Wait("connect_error", nil); m.Message != "Invalid namespace" {
		t.Fatalf("message %q", m.Message)
	}
}

func TestConnectRejected(t *testing.T) {
	h := newHarness(t, nil)
	_, err := h.srv.Of("/", socketio.Hooks{Connect: func(s *socketio.Socket) error {
		if authName(s) == "ok" {
			return nil
		}
		return &socketio.ConnectError{Message: "not authorized", Data: json.RawMessage(`{"code":"E_AUTH","retry":false}`)}
	}})
	if err != nil {
		t.Fatal(err)
	}
	d := nodetest.Start(t)
	for _, tr := range transports {
		bad := d.Connect(h.url, map[string]any{"auth": map[string]any{"name": "bad"}, "transports": tr.opts["transports"]})
		m := bad.Wait("connect_error", nil)
		if m.Message != "not authorized" {
			t.Fatalf("%s: message %q", tr.name, m.Message)
		}
		nodetest.JSONEq(t, m.Data, `{"code":"E_AUTH","retry":false}`)
	}
	d.Connect(h.url, map[string]any{"auth": map[string]any{"name": "ok"}}).Connected()
}

func TestAcks(t *testing.T) {
	h := newHarness(t, nil)
	h.serve("/", echo)
	d := nodetest.Start(t)
	c, s := h.connect(d, "/", "a", nil)
	c.AutoAck("pong", map[string]any{"n": 1}, nodetest.Bin{9, 8, 7})

	type reply struct {
		args string
		atts [][]byte
		err  error
	}
	got := make(chan reply, 1)
	err := s.EmitWithAck("ping", []byte(`["q"]`), nil, 5*time.Second, func(args []byte, atts [][]byte, err error) {
		got <- reply{string(args), atts, err}
	})
	if err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	nodetest.JSONEq(t, json.RawMessage(r.args), `["pong",{"n":1},{"_placeholder":true,"num":0}]`)
	if len(r.atts) != 1 || !bytes.Equal(r.atts[0], []byte{9, 8, 7}) {
		t.Fatalf("ack attachments %v", r.atts)
	}
	if m := c.Event("ping"); !m.Ack {
		t.Fatal("the client was not asked for an ack")
	}

}

func TestAckTimeoutAndDisconnect(t *testing.T) {
	h := newHarness(t, nil)
	h.serve("/", nil)
	d := nodetest.Start(t)
	c, s := h.connect(d, "/", "a", nil)
	c.IgnoreAcks()
	done := make(chan error, 2)
	if err := s.EmitWithAck("x", nil, nil, 200*time.Millisecond, func(_ []byte, _ [][]byte, err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != socketio.ErrAckTimeout {
		t.Fatalf("got %v, want ErrAckTimeout", err)
	}
	if err := s.EmitWithAck("y", nil, nil, time.Minute, func(_ []byte, _ [][]byte, err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	c.Event("y")
	s.Disconnect(false)
	if err := <-done; err != socketio.ErrNotConnected {
		t.Fatalf("pending ack on disconnect: %v", err)
	}
}

// TestTargeting checks every row of the targeting table: sender S in room a;
// X in a; Y in a and b; Z in b; W in no room.
func TestTargeting(t *testing.T) {
	for _, tr := range transports[:2] {
		t.Run(tr.name, func(t *testing.T) {
			h := newHarness(t, nil)
			nsp := h.serve("/", nil)
			d := nodetest.Start(t)
			names := []string{"S", "X", "Y", "Z", "W"}
			clients := map[string]*nodetest.Client{}
			sockets := map[string]*socketio.Socket{}
			for _, n := range names {
				clients[n], sockets[n] = h.connect(d, "/", n, tr.opts)
			}
			sockets["S"].Join("a")
			sockets["X"].Join("a")
			sockets["Y"].Join("a", "b")
			sockets["Z"].Join("b")
			S := sockets["S"]
			rows := []struct {
				op   string
				emit func(ev string) (int, error)
				want []string
			}{
				{"emit to the sender", func(ev string) (int, error) { return 1, S.Emit(ev, nil) }, []string{"S"}},
				{"to(a), excluding sender", func(ev string) (int, error) { return S.To("a").Emit(ev, nil) }, []string{"X", "Y"}},
				{"to(a).to(b), excluding sender", func(ev string) (int, error) { return S.To("a").To("b").Emit(ev, nil) }, []string{"X", "Y", "Z"}},
				{"to(a).except(b), excluding sender", func(ev string) (int, error) { return S.To("a").Except("b").Emit(ev, nil) }, []string{"X"}},
				{"broadcast, excluding sender", func(ev string) (int, error) { return S.Broadcast().Emit(ev, nil) }, []string{"W", "X", "Y", "Z"}},
				{"except(b), excluding sender", func(ev string) (int, error) { return S.Except("b").Emit(ev, nil) }, []string{"W", "X"}},
				{"to(a), including sender", func(ev string) (int, error) { return nsp.To("a").Emit(ev, nil) }, []string{"S", "X", "Y"}},
				{"except(b), namespace level", func(ev string) (int, error) { return nsp.Except("b").Emit(ev, nil) }, []string{"S", "W", "X"}},
				{"whole namespace", func(ev string) (int, error) { return nsp.Emit(ev, nil) }, []string{"S", "W", "X", "Y", "Z"}},
				{"to(Z's socket id)", func(ev string) (int, error) { return S.To(sockets["Z"].ID()).Emit(ev, nil) }, []string{"Z"}},
			}
			for i, row := range rows {
				ev := fmt.Sprintf("row%d", i)
				n, err := row.emit(ev)
				if err != nil {
					t.Fatalf("%s: %v", row.op, err)
				}
				if n != len(row.want) {
					t.Errorf("%s: queued for %d sockets, want %d", row.op, n, len(row.want))
				}
				// A marker to everyone after the row: per-socket order means a
				// socket that got the marker without the row event never will.
				marker := ev + "-end"
				_, _ = nsp.Emit(marker, nil)
				var got []string
				for _, name := range names {
					c := clients[name]
					c.Event(marker)
					for _, m := range c.Events() {
						if m.Name == ev {
							got = append(got, name)
						}
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, row.want) {
					t.Errorf("%s: receivers %v, want %v", row.op, got, row.want)
				}
			}
			// Room listings.
			if r := nsp.Rooms(); !slices.Equal(r, []string{"a", "b"}) {
				t.Errorf("rooms %v", r)
			}
			wantA := []string{S.ID(), sockets["X"].ID(), sockets["Y"].ID()}
			slices.Sort(wantA)
			if m := nsp.RoomMembers("a"); !slices.Equal(m, wantA) {
				t.Errorf("members of a %v, want %v", m, wantA)
			}
			if nsp.Len() != 5 {
				t.Errorf("len %d", nsp.Len())
			}
			sockets["Y"].Leave("a")
			if m := nsp.RoomMembers("b"); len(m) != 2 {
				t.Errorf("members of b after Y left a: %v", m)
			}
		})
	}
}

func TestPerSocketOrder(t *testing.T) {
	const n = 2000
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			h := newHarness(t, nil)
			var got []int
			h.serve("/", func(s *socketio.Socket, e *socketio.Event) {
				var v []int
				_ = json.Unmarshal(e.Args, &v)
				h.mu.Lock()
				got = append(got, v[0])
				h.mu.Unlock()
				if e.Ack != nil {
					_ = e.Ack(nil)
				}
			})
			d := nodetest.Start(t)
			c, _ := h.connect(d, "/", "a", tr.opts)
			for i := 0; i < n; i++ {
				c.Emit("seq", i)
			}
			c.EmitAck("seq", n)
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(got) != n+1 {
				t.Fatalf("got %d events", len(got))
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("event %d carried %d", i, v)
				}
			}
		})
	}
}

func TestPingTimeout(t *testing.T) {
	h := newHarness(t, &socketio.Config{Engine: engineio.Config{PingInterval: 200 * time.Millisecond, PingTimeout: 300 * time.Millisecond}})
	h.serve("/", echo)
	d := nodetest.Start(t)
	for _, tr := range transports[:2] {
		name := "p-" + tr.name
		c, _ := h.connect(d, "/", name, tr.opts)
		// A client that answers keeps its socket across several intervals.
		time.Sleep(700 * time.Millisecond)
		nodetest.JSONEq(t, c.EmitAck("echo"), `[]`)
		c.StopPong()
		if r := h.disconnectReason("/", name); r != engineio.ReasonPingTimeout {
			t.Fatalf("%s: reason %q", tr.name, r)
		}
	}
}

func TestOversizedPayloadClosesSession(t *testing.T) {
	h := newHarness(t, &socketio.Config{Engine: engineio.Config{MaxPayload: 10000}})
	h.serve("/", echo)
	d := nodetest.Start(t)
	for _, tr := range transports[:2] {
		name := "o-" + tr.name
		c, _ := h.connect(d, "/", name, tr.opts)
		nodetest.JSONEq(t, c.EmitAck("echo", strings.Repeat("x", 5000)), fmt.Sprintf("[%q]", strings.Repeat("x", 5000)))
		c.Emit("big", strings.Repeat("y", 20000))
		if r := h.disconnectReason("/", name); r != engineio.ReasonTransportError {
			t.Fatalf("%s: reason %q", tr.name, r)
		}
		c.Wait("disconnect", nil)
	}
}

func TestServerDisconnect(t *testing.T) {
	h := newHarness(t, nil)
	h.serve("/", nil)
	d := nodetest.Start(t)
	c, s := h.connect(d, "/", "a", nil)
	s.Disconnect(false)
	if m := c.Wait("disconnect", nil); m.Reason != "io server disconnect" {
		t.Fatalf("client reason %q", m.Reason)
	}
	if r := h.disconnectReason("/", "a"); r != socketio.ReasonServerNamespaceDisconnect {
		t.Fatalf("server reason %q", r)
	}
	if err := s.Emit("late", nil); err != socketio.ErrNotConnected {
		t.Fatalf("emit after disconnect: %v", err)
	}
}

// TestShutdownLetsClientsReconnect: Shutdown closes the transports as
// Node's io.close() does, so every client sees "transport close", the
// reason on which socket.io-client reconnects by itself (host's
// TestRestartClientsReconnect restarts a server under 100 of them).
func TestShutdownLetsClientsReconnect(t *testing.T) {
	h := newHarness(t, nil)
	h.serve("/", nil)
	d := nodetest.Start(t)
	var cs []*nodetest.Client
	for i, tr := range transports {
		c, _ := h.connect(d, "/", fmt.Sprint("s", i), tr.opts)
		cs = append(cs, c)
	}
	cs[2].Wait("upgrade", nil)
	ctxDone := make(chan error, 1)
	go func() { ctxDone <- shutdown(h.srv) }()
	for i, c := range cs {
		if m := c.Wait("disconnect", nil); m.Reason != "transport close" {
			t.Fatalf("%s: client reason %q, want transport close", transports[i].name, m.Reason)
		}
	}
	if err := <-ctxDone; err != nil {
		t.Fatal(err)
	}
	for i := range transports {
		if r := h.disconnectReason("/", fmt.Sprint("s", i)); r != engineio.ReasonServerShutdown {
			t.Fatalf("reason %q", r)
		}
	}
	if n := h.srv.Engine().Len(); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
}

// TestDisconnectAllThenShutdown: DisconnectAll before Shutdown tells every
// client to go away ("io server disconnect": it does not reconnect).
func TestDisconnectAllThenShutdown(t *testing.T) {
	h := newHarness(t, nil)
	h.serve("/", nil)
	h.serve("/other", nil)
	d := nodetest.Start(t)
	var cs []*nodetest.Client
	for i, tr := range transports {
		c, _ := h.connect(d, "/", fmt.Sprint("s", i), tr.opts)
		o, _ := h.connect(d, "/other", fmt.Sprint("o", i), tr.opts)
		cs = append(cs, c, o)
	}
	cs[4].Wait("upgrade", nil)
	h.srv.DisconnectAll(engineio.ReasonServerShutdown)
	ctxDone := make(chan error, 1)
	go func() { ctxDone <- shutdown(h.srv) }()
	for i, c := range cs {
		if m := c.Wait("disconnect", nil); m.Reason != "io server disconnect" {
			t.Fatalf("%s: client reason %q", transports[i/2].name, m.Reason)
		}
	}
	if err := <-ctxDone; err != nil {
		t.Fatal(err)
	}
	for i := range transports {
		for _, s := range []string{"/#s", "/other#o"} {
			nsp, name, _ := strings.Cut(s, "#")
			if r := h.disconnectReason(nsp, fmt.Sprint(name, i)); r != engineio.ReasonServerShutdown {
				t.Fatalf("%s%d: reason %q", s, i, r)
			}
		}
	}
}

// TestBadPackets sends malformed Socket.IO packets: each closes that
// connection with "parse error" and the server keeps serving.
func TestBadPackets(t *testing.T) {
	h := newHarness(t, nil)
	h.serve("/", echo)
	d := nodetest.Start(t)
	bad := []string{
		"9",                       // unknown type
		`2["connect"]`,            // reserved event name
		`2{"a":1}`,                // event payload not an array
		`2[`,                      // invalid JSON
		`2[{}]`,                   // event name not a string
		`51-`,                     // binary header without payload
		`5999-["x"]`,              // too many attachments
		`399999999999999999["x"]`, // ack id too large
		`0/,"x"`,                  // CONNECT payload not an object
		`4{"message":"x"}`,        // CONNECT_ERROR from a client
	}
	for i, pkt := range bad {
		name := fmt.Sprint("bad", i)
		c, _ := h.connect(d, "/", name, map[string]any{"transports": []string{"websocket"}})
		c.Raw(pkt)
		if r := h.disconnectReason("/", name); r != engineio.ReasonParseError {
			t.Errorf("%q: reason %q", pkt, r)
		}
	}
	// Binary data outside a binary packet.
	c, _ := h.connect(d, "/", "rawbin", map[string]any{"transports": []string{"websocket"}})
	c.RawBinary([]byte{1, 2, 3})
	if r := h.disconnectReason("/", "rawbin"); r != engineio.ReasonParseError {
		t.Errorf("raw binary: reason %q", r)
	}
	c, _ = h.connect(d, "/", "good", nil)
	nodetest.JSONEq(t, c.EmitAck("echo", "still serving"), `["still serving"]`)
}

func shutdown(s *socketio.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

// TestPartialBinaryPacket checks that a binary packet whose attachments
// stop coming closes its connection after AttachmentTimeout, while a
// binary packet that arrives whole within it is delivered.
func TestPartialBinaryPacket(t *testing.T) {
	h := newHarness(t, &socketio.Config{AttachmentTimeout: 300 * time.Millisecond})
	h.serve("/", echo)
	d := nodetest.Start(t)
	c, _ := h.connect(d, "/", "partial", map[string]any{"transports": []string{"websocket"}})
	c.Raw(`52-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
	c.RawBinary(bytes.Repeat([]byte{7}, 1000))
	if r := h.disconnectReason("/", "partial"); r != engineio.ReasonParseError {
		t.Fatalf("reason %q, want %q", r, engineio.ReasonParseError)
	}
	// Attachments sent slowly, but within the timeout, are fine.
	c, _ = h.connect(d, "/", "slow", map[string]any{"transports": []string{"websocket"}})
	c.Raw(`52-["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
	c.RawBinary([]byte{1})
	time.Sleep(100 * time.Millisecond)
	c.RawBinary([]byte{2})
	h.event("slow", "echo")
	time.Sleep(400 * time.Millisecond) // past the first packet's timeout
	nodetest.JSONEq(t, c.EmitAck("echo", "still connected"), `["still connected"]`)
}
