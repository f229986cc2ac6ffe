package engineio_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/engineio"
)

func TestPollingMessages(t *testing.T) {
	ts := startServer(t, nil)
	sid := ts.handshake(t)

	// Two packets in one POST arrive in order.
	r := ts.mustDo(t, http.MethodPost, pollQuery(sid), "4hello\x1e4world", nil)
	if r.status != 200 || r.body != "ok" {
		t.Fatalf("POST: %d %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("POST Content-Type %q", ct)
	}
	if got := ts.rec.messages(sid); !slices.Equal(got, []message{text("hello"), text("world")}) {
		t.Fatalf("messages %v", got)
	}
	// The echoes come back in one GET, joined by the record separator.
	if status, body := ts.get(t, sid); status != 200 || body != "4hello\x1e4world" {
		t.Fatalf("GET: %d %q", status, body)
	}

	// Binary both ways, as base64 records.
	if status, body := ts.post(t, sid, "bAQID\x1e4x\x1eb"); status != 200 || body != "ok" {
		t.Fatalf("POST: %d %q", status, body)
	}
	want := []message{text("hello"), text("world"), {"\x01\x02\x03", true}, text("x"), {"", true}}
	if got := ts.rec.messages(sid); !slices.Equal(got, want) {
		t.Fatalf("messages %v", got)
	}
	if status, body := ts.get(t, sid); status != 200 || body != "bAQID\x1e4x\x1eb" {
		t.Fatalf("GET: %d %q", status, body)
	}

	// Messages the server sends queue until the next GET.
	s := ts.session(t, sid)
	if err := s.Send(engineio.NewMessage([]byte("a"), false), engineio.NewMessage([]byte{0xff, 0x1e}, true)); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(engineio.NewMessage([]byte("é"), false)); err != nil {
		t.Fatal(err)
	}
	r = ts.mustDo(t, http.MethodGet, pollQuery(sid), "", nil)
	if r.status != 200 || r.body != "4a\x1eb/x4=\x1e4é" {
		t.Fatalf("GET: %d %q", r.status, r.body)
	}
	if ct, cc := r.header.Get("Content-Type"), r.header.Get("Cache-Control"); ct != "text/plain; charset=UTF-8" || cc != "no-store" {
		t.Errorf("GET headers: Content-Type %q, Cache-Control %q", ct, cc)
	}

	// A GET waits for the next message.
	ch := ts.goGet(sid)
	time.Sleep(20 * time.Millisecond) // let it start waiting; the outcome is the same either way
	if err := s.Send(engineio.NewMessage([]byte("late"), false)); err != nil {
		t.Fatal(err)
	}
	if r := <-ch; r.err != nil || r.status != 200 || r.body != "4late" {
		t.Fatalf("waiting GET: %+v", r)
	}
	if got := ts.rec.closeReasons(sid); len(got) != 0 {
		t.Fatalf("closed: %v", got)
	}
}

func TestPollingOverlappingGET(t *testing.T) {
	ts := startServer(t, nil)
	sid := ts.handshake(t)
	// Whichever arrives second is refused, and the session closes, which
	// releases the first with a close packet.
	a, b := ts.goGet(sid), ts.goGet(sid)
	ra, rb := <-a, <-b
	if ra.err != nil || rb.err != nil {
		t.Fatal(ra.err, rb.err)
	}
	if ra.status == 400 {
		ra, rb = rb, ra
	}
	if ra.status != 200 || ra.body != "1" || rb.status != 400 {
		t.Fatalf("responses %d %q and %d %q; want a 200 close packet and a 400", ra.status, ra.body, rb.status, rb.body)
	}
	if r := ts.closeReason(t, sid); r != engineio.ReasonTransportError {
		t.Fatalf("reason %q", r)
	}
	ts.expectGone(t, sid)
}

func TestPollingPOSTCloses(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		contentType string
		status      int
		respBody    string
		reason      string
		msgs        []message
	}{
		{name: "close packet", body: "1", status: 200, respBody: "ok", reason: engineio.ReasonTransportClose},
		{name: "close packet after a message", body: "4a\x1e1\x1e4b", status: 200, respBody: "ok", reason: engineio.ReasonTransportClose, msgs: []message{text("a")}},
		{name: "client ping", body: "2", status: 200, respBody: "ok", reason: engineio.ReasonTransportError},
		{name: "unknown packet type", body: "4a\x1e9", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonParseError, msgs: []message{text("a")}},
		{name: "trailing separator", body: "4a\x1e", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonParseError},
		{name: "empty body", body: "", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonParseError},
		{name: "bad base64", body: "b!!!", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonParseError},
		{name: "upgrade packet over polling", body: "5", status: 200, respBody: "ok", reason: engineio.ReasonParseError},
		{name: "raw binary body", body: "\x01\x02", contentType: "application/octet-stream", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonTransportError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, nil)
			sid := ts.handshake(t)
			var hdr http.Header
			if tt.contentType != "" {
				hdr = http.Header{"Content-Type": {tt.contentType}}
			}
			r := ts.mustDo(t, http.MethodPost, pollQuery(sid), tt.body, hdr)
			if r.status != tt.status || r.body != tt.respBody {
				t.Fatalf("POST: %d %q, want %d %q", r.status, r.body, tt.status, tt.respBody)
			}
			if r := ts.closeReason(t, sid); r != tt.reason {
				t.Fatalf("reason %q, want %q", r, tt.reason)
			}
			if got := ts.rec.messages(sid); !slices.Equal(got, tt.msgs) {
				t.Fatalf("messages %v, want %v", got, tt.msgs)
			}
			ts.expectGone(t, sid)
		})
	}
}

func TestPollingPayloadLimit(t *testing.T) {
	const limit = 100
	tests := []struct {
		name    string
		size    int
		chunked bool
		ok      bool
	}{
		{"at the limit", limit, false, true},
		{"over the limit", limit + 1, false, false},
		{"far over the limit", 100 * limit, false, false},
		{"chunked at the limit", limit, true, true},
		{"chunked over the limit", limit + 1, true, false},
		// Past what fasthttp drains itself (256 KiB): refused bodies are
		// read, so that the client gets the 413 rather than a reset.
		{"megabytes over the limit", 2 << 20, false, false},
		{"chunked megabytes over the limit", 2 << 20, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &engineio.Config{MaxPayload: limit})
			sid := ts.handshake(t)
			body := "4" + strings.Repeat("x", tt.size-1)
			var rd io.Reader = strings.NewReader(body)
			if tt.chunked {
				rd = io.MultiReader(strings.NewReader(body[:10]), strings.NewReader(body[10:])) // no length known
			}
			req, err := http.NewRequest(http.MethodPost, ts.url+pollQuery(sid), rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.ok {
				if resp.StatusCode != 200 || string(b) != "ok" {
					t.Fatalf("POST: %d %q", resp.StatusCode, b)
				}
				if got := ts.rec.messages(sid); len(got) != 1 || got[0].data != body[1:] {
					t.Fatalf("messages %v", got)
				}
				if !ts.session(t, sid).Open() {
					t.Fatal("the session closed")
				}
				return
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("POST: %d %q, want 413", resp.StatusCode, b)
			}
			if r := ts.closeReason(t, sid); r != engineio.ReasonTransportError {
				t.Fatalf("reason %q", r)
			}
			if got := ts.rec.messages(sid); len(got) != 0 {
				t.Fatalf("an oversized payload delivered %d messages", len(got))
			}
			ts.expectGone(t, sid)
		})
	}
}
