package engineio_test

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/internal/testing/hostile"
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
		if got := ts.session(t, sid).Request().Header().Get("Origin"); got != origin {
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
	if q := s.Request().Query(); q.Get("transport") != "websocket" || q.Get("EIO") != "4" {
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

// TestWebSocketHandshake checks the headers RFC 6455 4.2.1 requires: a
// handshake without them is refused with a 400 and opens no session.
func TestWebSocketHandshake(t *testing.T) {
	ts := startServer(t, nil)
	good := http.Header{
		"Connection":            {"keep-alive, Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
	tests := []struct {
		name   string
		header string
		value  string // "" deletes the header
		status int
	}{
		{"valid", "", "", http.StatusSwitchingProtocols},
		{"no key", "Sec-Websocket-Key", "", http.StatusBadRequest},
		{"key not base64", "Sec-Websocket-Key", "not base64!", http.StatusBadRequest},
		{"key of 15 bytes", "Sec-Websocket-Key", "AAAAAAAAAAAAAAAAAAAA", http.StatusBadRequest},
		{"version 8", "Sec-Websocket-Version", "8", http.StatusBadRequest},
		{"no version", "Sec-Websocket-Version", "", http.StatusBadRequest},
		{"Connection without upgrade", "Connection", "keep-alive", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, ts.url+"?EIO=4&transport=websocket", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range good {
				req.Header[k] = v
			}
			if tt.header != "" {
				req.Header.Del(tt.header)
				if tt.value != "" {
					req.Header.Set(tt.header, tt.value)
				}
			}
			before := len(ts.rec.openedIDs())
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			opened := len(ts.rec.openedIDs()) - before
			if tt.status == http.StatusSwitchingProtocols {
				// RFC 6455 1.3's example key and its accept value.
				if got := resp.Header.Get("Sec-Websocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
					t.Fatalf("Sec-WebSocket-Accept %q", got)
				}
				eventually(t, "the session opens", func() bool { return len(ts.rec.openedIDs()) > before })
			} else if opened != 0 {
				t.Fatalf("%d sessions opened", opened)
			}
		})
	}
}

// TestWebSocketPing checks that a client's ping is answered with a pong
// carrying its payload, and leaves the session open.
func TestWebSocketPing(t *testing.T) {
	ts := startServer(t, nil)
	c, _ := ts.openWS(t, nil)
	for _, p := range []string{"", "hey", strings.Repeat("p", 125)} {
		if err := c.conn.WritePing([]byte(p)); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-c.pongs:
			if got != p {
				t.Fatalf("pong %q, want %q", got, p)
			}
		case <-time.After(waitTimeout):
			t.Fatalf("no pong for %q", p)
		}
	}
	c.send(t, "4still")
	c.expect(t, "4still")
}

// TestIdleWebSocketsHoldNoGoroutine checks that an idle WebSocket session
// parks no goroutine on its connection: the poller reads it when bytes come.
func TestIdleWebSocketsHoldNoGoroutine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the epoll reader is Linux's")
	}
	ts := startServer(t, nil)
	var cs []*wsClient
	for range 50 {
		c, _ := ts.openWS(t, nil)
		cs = append(cs, c)
	}
	for i, c := range cs {
		msg := fmt.Sprintf("4m%d", i)
		c.send(t, msg)
		c.expect(t, msg)
	}
	eventually(t, "no goroutine reading a WebSocket", func() bool {
		buf := make([]byte, 1<<20)
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "engineio.(*wsConn)")
	})
	// And they still read: each echoes again.
	for _, c := range cs {
		c.send(t, "4again")
		c.expect(t, "4again")
	}
}

// TestWebSocketWritesAfterWriteTimeout checks that the write timeout
// bounds each blocking write only: a session written long after its
// handshake (a blocking write) still gets its messages.
func TestWebSocketWritesAfterWriteTimeout(t *testing.T) {
	ts := startServer(t, &engineio.Config{WriteTimeout: 50 * time.Millisecond})
	c, sid := ts.openWS(t, nil)
	time.Sleep(200 * time.Millisecond)
	if err := ts.session(t, sid).Send(engineio.NewMessage([]byte("late"), false)); err != nil {
		t.Fatal(err)
	}
	c.expect(t, "4late")
}

// TestWebSocketHandlerPanic checks that a handler's panic ends its own
// connection, is logged, and leaves the other sessions served.
func TestWebSocketHandlerPanic(t *testing.T) {
	logs := &hostile.ErrorLog{}
	ts := startServer(t, &engineio.Config{Logger: logs.Logger()})
	other, _ := ts.openWS(t, nil)
	c, sid := ts.openWS(t, nil)
	c.send(t, "4panic")
	if r := ts.closeReason(t, sid); r != engineio.ReasonTransportError {
		t.Fatalf("reason %q", r)
	}
	c.waitClosed(t)
	if l := logs.Take(); len(l) != 1 || !strings.Contains(l[0], "panic=") {
		t.Fatalf("logged %q", l)
	}
	other.send(t, "4still")
	other.expect(t, "4still")
}

// TestWebSocketFrameAcrossPauses checks that a frame sent in pieces, with
// pauses longer than a reader keeps its connection, arrives whole: the
// connection keeps its partial frame while no reader runs.
func TestWebSocketFrameAcrossPauses(t *testing.T) {
	ts := startServer(t, nil)
	c, _ := ts.openWS(t, nil)
	payload := "4" + strings.Repeat("slow", 40) // a 16-bit length
	frame := []byte{0x81, 0x80 | 126, byte(len(payload) >> 8), byte(len(payload)), 1, 2, 3, 4}
	for i := range len(payload) {
		frame = append(frame, payload[i]^byte(i%4+1))
	}
	for _, cut := range [][2]int{{0, 1}, {1, 3}, {3, 6}, {6, 50}, {50, len(frame)}} {
		if _, err := c.conn.NetConn().Write(frame[cut[0]:cut[1]]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(120 * time.Millisecond)
	}
	c.expect(t, payload)
}
