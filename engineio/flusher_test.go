package engineio_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/engineio"
)

// stalledWS is a WebSocket session whose client stops reading after the
// open packet, so that the server's writes to it fill the connection.
type stalledWS struct {
	conn net.Conn
	r    *bufio.Reader
	sid  string
}

// openStalledWS opens a WebSocket session over a raw connection with a
// raw connection and reads only the handshake and the open packet.
func (ts *testServer) openStalledWS(t *testing.T) *stalledWS {
	t.Helper()
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	fmt.Fprintf(conn, "GET %s?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", ts.path, ts.addr)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	c := &stalledWS{conn: conn, r: r}
	c.sid = parseOpen(t, c.frame(t)).Sid
	return c
}

// frame reads one unmasked, unfragmented server frame and returns its payload.
func (c *stalledWS) frame(t *testing.T) string {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	var h [2]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		t.Fatalf("frame header: %v", err)
	}
	if h[0] != 0x81 {
		t.Fatalf("frame starts with %#x, want a final text frame", h[0])
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		_, _ = io.ReadFull(c.r, ext[:])
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		_, _ = io.ReadFull(c.r, ext[:])
		n = binary.BigEndian.Uint64(ext[:])
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(c.r, p); err != nil {
		t.Fatalf("frame payload: %v", err)
	}
	return string(p)
}

// TestStalledReaderHoldsUpNobody fills the connection of a client that
// does not read, then checks that sessions sharing its flusher still get
// their messages, and that the stalled client, once it reads, receives
// every frame whole and in order: the part a non-blocking write left is
// written by a goroutine of its own.
func TestStalledReaderHoldsUpNobody(t *testing.T) {
	ts := startServer(t, &engineio.Config{MaxBufferedBytes: 64 << 20})
	stalled := ts.openStalledWS(t)
	s := ts.session(t, stalled.sid)
	const frames, size = 512, 64 << 10 // 32 MiB: more than both sockets' buffers take
	for i := range frames {
		fill := bytes.Repeat([]byte{'a' + byte(i%26)}, size)
		if err := s.Send(engineio.NewMessage(fill, false)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	// Sessions are dealt to the flushers in turn: one more than there are
	// flushers shares the stalled session's.
	for i := range runtime.GOMAXPROCS(0) + 1 {
		c, sid := ts.openWS(t, nil)
		if err := ts.session(t, sid).Send(engineio.NewMessage([]byte("hello"), false)); err != nil {
			t.Fatal(err)
		}
		if f := c.next(t); f.data != "4hello" {
			t.Fatalf("session %d received %q", i, f.data)
		}
	}
	for i := range frames {
		want := "4" + strings.Repeat(string(rune('a'+i%26)), size)
		if got := stalled.frame(t); got != want {
			t.Fatalf("frame %d: %d bytes starting %q, want %d of %q", i, len(got), got[:min(len(got), 8)], len(want), want[:2])
		}
	}
}

// TestFramesCoalesce queues many frames for many sessions at once and
// checks that each client receives all of its frames in order, whether
// they went out one per write or many per write.
func TestFramesCoalesce(t *testing.T) {
	ts := startServer(t, nil)
	const sessions, frames = 20, 200
	clients := make([]*wsClient, sessions)
	ss := make([]*engineio.Session, sessions)
	for i := range clients {
		var sid string
		clients[i], sid = ts.openWS(t, nil)
		ss[i] = ts.session(t, sid)
	}
	for f := range frames {
		m := engineio.NewMessage([]byte(fmt.Sprint(f)), false) // one message, shared
		for _, s := range ss {
			if err := s.Send(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, c := range clients {
		for f := range frames {
			if got := c.next(t); got.data != "4"+fmt.Sprint(f) {
				t.Fatalf("client %d frame %d: %q", i, f, got.data)
			}
		}
	}
}
