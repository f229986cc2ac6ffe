package engineio_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/wasmio/wasmio/engineio"
)

// noise returns random bytes biased towards the protocol's own characters.
func noise(rng *rand.Rand, max int) []byte {
	const alphabet = "0123456789b\x1e/+=[]{}\",:AQID-probe"
	b := make([]byte, rng.IntN(max+1))
	for i := range b {
		if rng.IntN(2) == 0 {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		} else {
			b[i] = byte(rng.Uint32())
		}
	}
	return b
}

func TestBadInputNeverCrashes(t *testing.T) {
	ts := startServer(t, &engineio.Config{MaxPayload: 1000})
	rng := rand.New(rand.NewPCG(1, 2))

	// Polling: random POST bodies, a new session whenever one closes.
	sid := ""
	for range 300 {
		if sid == "" || ts.srv.Session(sid) == nil {
			sid = ts.handshake(t)
		}
		ct := "text/plain;charset=UTF-8"
		if rng.IntN(20) == 0 {
			ct = "application/octet-stream"
		}
		r := ts.mustDo(t, http.MethodPost, pollQuery(sid), string(noise(rng, 1200)), http.Header{"Content-Type": {ct}})
		if r.status != 200 && r.status != 400 && r.status != 413 {
			t.Fatalf("POST: %d %q", r.status, r.body)
		}
	}
	// Random queries, escaped so that every byte reaches the server's
	// query parsing: each gets a handshake or a 400.
	for range 100 {
		q := "EIO=" + url.QueryEscape(string(noise(rng, 3))) + "&transport=" + url.QueryEscape(string(noise(rng, 10))) +
			"&sid=" + url.QueryEscape(string(noise(rng, 20)))
		r := ts.mustDo(t, http.MethodGet, "?"+q, "", nil)
		if r.status != 200 && r.status != 400 {
			t.Fatalf("GET ?%s: %d %q", q, r.status, r.body)
		}
	}

	// WebSocket: random frames, redialling whenever the server hangs up.
	var c *wsClient
	for range 300 {
		if c == nil {
			c, _ = ts.openWS(t, nil)
		}
		op := gws.OpcodeText
		if rng.IntN(4) == 0 {
			op = gws.OpcodeBinary
		}
		err := c.conn.WriteMessage(op, noise(rng, 1200))
		select {
		case <-c.closed:
			c = nil
		default:
			if err != nil {
				_ = c.conn.NetConn().Close()
				c = nil
			}
		}
	}

	// Raw bytes: a WebSocket handshake followed by garbage frames, and
	// garbage instead of HTTP.
	for i := range 60 {
		conn, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		var b []byte
		if i%3 != 0 {
			b = fmt.Appendf(nil, "GET %s?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\n"+
				"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", ts.path, ts.addr)
		}
		b = append(b, noise(rng, 300)...)
		_, _ = conn.Write(b)
		_ = conn.(*net.TCPConn).CloseWrite()
		_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
		if _, err := io.Copy(io.Discard, bufio.NewReader(conn)); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept connection %d open after EOF", i)
			}
		}
		conn.Close()
	}

	// The server still works, both ways.
	sid = ts.handshake(t)
	if status, body := ts.post(t, sid, "4fine"); status != 200 || body != "ok" {
		t.Fatalf("POST: %d %q", status, body)
	}
	if status, body := ts.get(t, sid); status != 200 || body != "4fine" {
		t.Fatalf("GET: %d %q", status, body)
	}
	c, _ = ts.openWS(t, nil)
	c.send(t, "4fine")
	c.expect(t, "4fine")
}
