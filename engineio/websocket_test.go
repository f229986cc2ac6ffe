package engineio_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lxzan/gws"
	"github.com/wasmio/wasmio/engineio"
)

func TestWebSocketOrigin(t *testing.T) {
	ts := startServer(t, &engineio.Config{CORS: engineio.CORS{Origins: []string{"https://a.example"}}})
	const forbidden = `{"code":4,"message":"Forbidden"}`
	// Refused before the handshake, with the protocol error.
	if status, body := ts.rawUpgrade(t, "EIO=4&transport=websocket", http.Header{"Origin": {"https://b.example"}}); status != 403 || body != forbidden {
		t.Fatalf("disallowed origin: %d %q", status, body)
	}
	if _, resp, err := ts.dialWS(t, "EIO=4&transport=websocket", http.Header{"Origin": {"http://evil.example"}}); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("gws client from a disallowed origin: %v", err)
	}
	// An upgrade of a polling session is refused too, and the session survives.
	sid := ts.handshake(t)
	if status, body := ts.rawUpgrade(t, "EIO=4&transport=websocket&sid="+sid, http.Header{"Origin": {"https://b.example"}}); status != 403 || body != forbidden {
		t.Fatalf("disallowed origin upgrade: %d %q", status, body)
	}
	if status, body := ts.post(t, sid, "4still"); status != 200 || body != "ok" {
		t.Fatalf("POST after a refused upgrade: %d %q", status, body)
	}
	if n := len(ts.rec.openedIDs()); n != 1 {
		t.Fatalf("%d sessions opened", n)
	}
	// Allowed: a listed origin, the server's own origin, and no origin.
	for _, origin := range []string{"https://a.example", "HTTPS://A.EXAMPLE", "http://" + ts.addr, ""} {
		hdr := http.Header{}
		if origin != "" {
			hdr.Set("Origin", origin)
		}
		c, sid := ts.openWS(t, hdr)
		c.send(t, "4hi")
		c.expect(t, "4hi")
		if got := ts.session(t, sid).Request().Header.Get("Origin"); got != origin {
			t.Errorf("request origin %q, want %q", got, origin)
		}
	}
}

func TestWebSocketDirect(t *testing.T) {
	ts := startServer(t, nil)
	c, sid := ts.openWS(t, nil)
	s := ts.session(t, sid)
	if s.Transport() != "websocket" {
		t.Fatalf("transport %q", s.Transport())
	}
	if q := s.Request().Query; q.Get("transport") != "websocket" || q.Get("EIO") != "4" {
		t.Fatalf("query %v", q)
	}
	s.SetUserData(42)
	if s.UserData() != 42 {
		t.Fatal("user data lost")
	}
	c.send(t, "4x")
	c.expect(t, "4x") // the echo
	if err := c.conn.WriteMessage(gws.OpcodeBinary, []byte{0, 1, 0xff}); err != nil {
		t.Fatal(err)
	}
	if f := c.next(t); !f.binary || f.data != "\x00\x01\xff" {
		t.Fatalf("binary echo %q binary %v", f.data, f.binary)
	}
	c.send(t, "4")
	c.expect(t, "4")
	c.send(t, "6") // a noop is ignored
	want := []message{text("x"), {"\x00\x01\xff", true}, text("")}
	if got := ts.waitMessages(t, sid, 3); !slices.Equal(got, want) {
		t.Fatalf("messages %v", got)
	}
	// Several sends reach the client in order.
	for i := range 50 {
		if err := s.Send(engineio.NewMessage(fmt.Appendf(nil, "m%d", i), false)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		c.expect(t, fmt.Sprintf("4m%d", i))
	}
	// A large message both ways.
	big := strings.Repeat("z", 70000)
	c.send(t, "4"+big)
	c.expect(t, "4"+big)
	if got := ts.rec.closeReasons(sid); len(got) != 0 {
		t.Fatalf("closed: %v", got)
	}
}

func TestWebSocketCloses(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name   string
		act    func(t *testing.T, c *wsClient)
		reason string
	}{
		{"unknown packet type", func(t *testing.T, c *wsClient) { c.send(t, "9x") }, engineio.ReasonParseError},
		{"empty text frame", func(t *testing.T, c *wsClient) { c.send(t, "") }, engineio.ReasonParseError},
		{"upgrade packet on a direct session", func(t *testing.T, c *wsClient) { c.send(t, "5") }, engineio.ReasonParseError},
		{"client ping", func(t *testing.T, c *wsClient) { c.send(t, "2") }, engineio.ReasonTransportError},
		{"close packet", func(t *testing.T, c *wsClient) { c.send(t, "1") }, engineio.ReasonTransportClose},
		{"close frame", func(t *testing.T, c *wsClient) { _ = c.conn.WriteClose(1000, nil) }, engineio.ReasonTransportClose},
		{"connection dropped", func(t *testing.T, c *wsClient) { _ = c.conn.NetConn().Close() }, engineio.ReasonTransportClose},
		{"text over MaxPayload", func(t *testing.T, c *wsClient) { c.send(t, "4"+strings.Repeat("x", limit)) }, engineio.ReasonTransportError},
		{"binary over MaxPayload", func(t *testing.T, c *wsClient) {
			_ = c.conn.WriteMessage(gws.OpcodeBinary, make([]byte, limit+1))
		}, engineio.ReasonTransportError},
		// gws alone reads the length as a negative int and panics.
		{"frame length with its top bit set", func(t *testing.T, c *wsClient) {
			_, _ = c.conn.NetConn().Write([]byte("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x00mask"))
		}, engineio.ReasonTransportError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &engineio.Config{MaxPayload: limit})
			c, sid := ts.openWS(t, nil)
			// A message exactly at the limit is fine.
			c.send(t, "4"+strings.Repeat("y", limit-1))
			c.expect(t, "4"+strings.Repeat("y", limit-1))
			tt.act(t, c)
			if r := ts.closeReason(t, sid); r != tt.reason {
				t.Fatalf("reason %q, want %q", r, tt.reason)
			}
			c.waitClosed(t)
			ts.expectGone(t, sid)
			if got := ts.rec.messages(sid); len(got) != 1 {
				t.Fatalf("%d messages delivered", len(got))
			}
		})
	}
}

func TestSlowConsumer(t *testing.T) {
	ts := startServer(t, &engineio.Config{MaxBufferedBytes: 100})
	sid := ts.handshake(t)
	s := ts.session(t, sid)
	// A message larger than the cap is accepted into an empty queue.
	if err := s.Send(engineio.NewMessage(make([]byte, 150), false)); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	if status, body := ts.get(t, sid); status != 200 || len(body) != 151 {
		t.Fatalf("GET: %d, %d bytes", status, len(body))
	}
	if err := s.Send(engineio.NewMessage(make([]byte, 60), false)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := s.Send(engineio.NewMessage(make([]byte, 40), true)); err != nil {
		t.Fatalf("Send up to the cap: %v", err)
	}
	if err := s.Send(engineio.NewMessage([]byte("x"), false)); !errors.Is(err, engineio.ErrSlowConsumer) {
		t.Fatalf("Send over the cap: %v", err)
	}
	if r := ts.closeReason(t, sid); r != engineio.ReasonSlowConsumer {
		t.Fatalf("reason %q", r)
	}
	if err := s.Send(engineio.NewMessage([]byte("x"), false)); !errors.Is(err, engineio.ErrClosed) {
		t.Fatalf("Send after close: %v", err)
	}
	ts.expectGone(t, sid)
}

// TestWebSocketInvalidUTF8 checks that a text frame that is not UTF-8
// closes the connection with 1007 and never reaches the handler.
func TestWebSocketInvalidUTF8(t *testing.T) {
	ts := startServer(t, nil)
	c, sid := ts.openWS(t, nil)
	if err := c.conn.WriteMessage(gws.OpcodeText, []byte("4bad \xff\xfe")); err != nil {
		t.Fatal(err)
	}
	var ce *gws.CloseError
	if err := c.waitClosed(t); !errors.As(err, &ce) || ce.Code != 1007 {
		t.Fatalf("closed with %v, want code 1007", err)
	}
	if r := ts.closeReason(t, sid); r != engineio.ReasonTransportError && r != engineio.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	if m := ts.rec.messages(sid); len(m) != 0 {
		t.Fatalf("the handler received %v", m)
	}
}
