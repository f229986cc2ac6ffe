package engineio_test

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/wasmio/wasmio/engineio"
)

// rounds repeats the tests of races between transports, so that an answer
// depending on which goroutine ran first shows.
const rounds = 50

const badRequest = `{"code":3,"message":"Bad request"}`

// expectRefusedWS opens a second WebSocket for sid, which the server must
// accept (101) and then close with a close frame, as engine.io does.
func expectRefusedWS(t *testing.T, ts *testServer, sid string) {
	t.Helper()
	c, resp, err := ts.dialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("second WebSocket for %s: handshake failed (%d): %v", sid, status, err)
	}
	var ce *gws.CloseError
	if err := c.waitClosed(t); !errors.As(err, &ce) || ce.Code != 1000 {
		t.Fatalf("second WebSocket for %s: client saw %v, want a 1000 close frame", sid, err)
	}
}

// upgradeTo opens a probe for the polling session sid and answers it.
func upgradeProbe(t *testing.T, ts *testServer, sid string) *wsClient {
	t.Helper()
	c := ts.mustDialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
	c.send(t, "2probe")
	c.expect(t, "3probe")
	return c
}

// A client that closes its polling session with a close packet while a GET
// waits: the GET gets a noop, the POST "ok", whichever lands first.
func TestPollingClientClose(t *testing.T) {
	ts := startServer(t, nil)
	for range rounds {
		sid := ts.handshake(t)
		pending := ts.goGet(sid)
		eventually(t, "the GET to wait", func() bool { return engineio.PollWaiting(ts.session(t, sid)) })
		if status, body := ts.post(t, sid, "1"); status != 200 || body != "ok" {
			t.Fatalf("POST 1: %d %q", status, body)
		}
		if r := <-pending; r.err != nil || r.status != 200 || r.body != "6" {
			t.Fatalf("pending GET: %+v, want 200 \"6\"", r)
		}
		if r := ts.closeReason(t, sid); r != engineio.ReasonTransportClose {
			t.Fatalf("reason %q", r)
		}
		ts.expectGone(t, sid)
	}
	// The two requests sent together: the POST always gets its 200; the
	// GET a noop if it was waiting, else "Session ID unknown".
	for range rounds {
		sid := ts.handshake(t)
		get := ts.goGet(sid)
		post := make(chan response, 1)
		go func() { post <- ts.do(http.MethodPost, pollQuery(sid), "1", nil) }()
		if r := <-post; r.err != nil || r.status != 200 || r.body != "ok" {
			t.Fatalf("POST 1: %+v", r)
		}
		r := <-get
		if r.err != nil || !(r.status == 200 && r.body == "6" || r.status == 400 && r.body == `{"code":1,"message":"Session ID unknown"}`) {
			t.Fatalf("GET: %+v, want 200 \"6\" or 400 Session ID unknown", r)
		}
		ts.expectGone(t, sid)
	}
}

// A WebSocket for a session that upgraded already, or has a probe under way,
// completes its handshake and is closed; the session goes on untouched.
func TestSecondWebSocket(t *testing.T) {
	ts := startServer(t, nil)
	for range rounds {
		c, sid := ts.openWS(t, nil)
		expectRefusedWS(t, ts, sid)
		c.send(t, "4still")
		c.expect(t, "4still")

		psid := ts.handshake(t)
		probe := upgradeProbe(t, ts, psid)
		expectRefusedWS(t, ts, psid)
		probe.send(t, "5")
		probe.send(t, "4upgraded")
		probe.expect(t, "4upgraded")
		expectRefusedWS(t, ts, psid)
		if got := ts.rec.closeReasons(sid); len(got) != 0 {
			t.Fatalf("the WebSocket session closed: %v", got)
		}
		if got := ts.rec.closeReasons(psid); len(got) != 0 {
			t.Fatalf("the upgraded session closed: %v", got)
		}
		_ = c.conn.NetConn().Close()
		_ = probe.conn.NetConn().Close()
	}
}

// Once the client sent "5", every polling request gets 400, also when the
// HTTP goroutine runs before the WebSocket reader has read the "5".
func TestPollAfterUpgradePacket(t *testing.T) {
	ts := startServer(t, nil)
	// Only the "5" decides, never a slow scheduler.
	engineio.SetProbeSettle(ts.srv, time.Hour)
	for i := range rounds {
		sid := ts.handshake(t)
		c := upgradeProbe(t, ts, sid)
		c.send(t, "5")
		method, body := http.MethodGet, ""
		if i%2 == 1 {
			method, body = http.MethodPost, "4late"
		}
		if r := ts.mustDo(t, method, pollQuery(sid), body, nil); r.status != 400 || r.body != badRequest {
			t.Fatalf("round %d: %s after 5: %d %q, want 400", i, method, r.status, r.body)
		}
		if got := ts.rec.messages(sid); len(got) != 0 {
			t.Fatalf("round %d: a POST after 5 delivered %v", i, got)
		}
		_ = c.conn.NetConn().Close()
	}
}

// A poll that crosses the "3probe" (the client sent it before it read the
// "3probe") is released with a noop once the probe had time to complete, or
// answered with what is queued; the client can then pause and upgrade.
func TestPollDuringProbe(t *testing.T) {
	ts := startServer(t, nil)
	engineio.SetProbeSettle(ts.srv, 10*time.Millisecond)
	sid := ts.handshake(t)
	c := upgradeProbe(t, ts, sid)
	if status, body := ts.get(t, sid); status != 200 || body != "6" {
		t.Fatalf("GET during the probe: %d %q, want a noop", status, body)
	}
	_ = ts.session(t, sid).Send(engineio.NewMessage([]byte("queued"), false))
	if status, body := ts.get(t, sid); status != 200 || body != "4queued" {
		t.Fatalf("GET during the probe with a message queued: %d %q", status, body)
	}
	if status, body := ts.post(t, sid, "4during"); status != 200 || body != "ok" {
		t.Fatalf("POST during the probe: %d %q", status, body)
	}
	c.send(t, "5")
	c.send(t, "4ws")
	if got := ts.waitMessages(t, sid, 2); got[0] != text("during") || got[1] != text("ws") {
		t.Fatalf("messages %v", got)
	}
}

func TestUpgrade(t *testing.T) {
	ts := startServer(t, nil)
	sid := ts.handshake(t)
	s := ts.session(t, sid)
	pending := ts.goGet(sid)

	c := ts.mustDialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
	if s.Transport() != "polling" {
		t.Fatal("upgraded before the probe")
	}
	c.send(t, "2probe")
	c.expect(t, "3probe")
	// The waiting poll is released with a noop.
	if r := <-pending; r.err != nil || r.status != 200 || r.body != "6" {
		t.Fatalf("pending GET: %+v", r)
	}
	// A second upgrade while one is in progress is refused.
	expectRefusedWS(t, ts, sid)
	// Messages queued now go out on the WebSocket once the upgrade completes.
	for _, m := range []string{"m1", "m2"} {
		if err := s.Send(engineio.NewMessage([]byte(m), false)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Send(engineio.NewMessage([]byte{7}, true)); err != nil {
		t.Fatal(err)
	}
	c.send(t, "5")
	c.expect(t, "4m1", "4m2")
	if f := c.next(t); !f.binary || f.data != "\x07" {
		t.Fatalf("binary after upgrade: %q %v", f.data, f.binary)
	}
	if tr := s.Transport(); tr != "websocket" {
		t.Fatalf("transport %q", tr)
	}
	c.send(t, "4after")
	c.expect(t, "4after")
	if got := ts.waitMessages(t, sid, 1); !slices.Equal(got, []message{text("after")}) {
		t.Fatalf("messages %v", got)
	}
	// Polling is over for this session, and so are further upgrades.
	const badRequest = `{"code":3,"message":"Bad request"}`
	if status, body := ts.get(t, sid); status != 400 || body != badRequest {
		t.Fatalf("GET after upgrade: %d %q", status, body)
	}
	if status, body := ts.post(t, sid, "4x"); status != 400 || body != badRequest {
		t.Fatalf("POST after upgrade: %d %q", status, body)
	}
	expectRefusedWS(t, ts, sid)
	c.send(t, "4still")
	c.expect(t, "4still")
	if got := ts.rec.closeReasons(sid); len(got) != 0 {
		t.Fatalf("closed: %v", got)
	}
	_ = c.conn.NetConn().Close()
	if r := ts.closeReason(t, sid); r != engineio.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	ts.expectGone(t, sid)
}

func TestUpgradeAbandoned(t *testing.T) {
	tests := []struct {
		name string
		act  func(t *testing.T, c *wsClient)
	}{
		{"probe times out", func(t *testing.T, c *wsClient) {
			c.send(t, "2probe")
			c.expect(t, "3probe")
		}},
		{"no probe at all", func(t *testing.T, c *wsClient) {}},
		{"message instead of probe", func(t *testing.T, c *wsClient) { c.send(t, "4x") }},
		{"wrong probe", func(t *testing.T, c *wsClient) { c.send(t, "2prob") }},
		{"binary during probe", func(t *testing.T, c *wsClient) {
			c.send(t, "2probe")
			c.expect(t, "3probe")
			_ = c.conn.WriteMessage(gws.OpcodeBinary, []byte("5"))
		}},
		{"probe connection dropped", func(t *testing.T, c *wsClient) {
			c.send(t, "2probe")
			c.expect(t, "3probe")
			_ = c.conn.NetConn().Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &engineio.Config{UpgradeTimeout: 200 * time.Millisecond})
			sid := ts.handshake(t)
			c := ts.mustDialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
			tt.act(t, c)
			// The server drops the probe; the session goes on polling.
			c.waitClosed(t)
			s := ts.session(t, sid)
			if s.Transport() != "polling" || !s.Open() {
				t.Fatalf("transport %q, open %v", s.Transport(), s.Open())
			}
			if status, body := ts.post(t, sid, "4still"); status != 200 || body != "ok" {
				t.Fatalf("POST: %d %q", status, body)
			}
			// The probe left nothing queued: the echo comes alone.
			if status, body := ts.get(t, sid); status != 200 || body != "4still" {
				t.Fatalf("GET: %d %q", status, body)
			}
			// A new upgrade succeeds, once the server noticed that the
			// client dropped the probe (when it was the client).
			eventually(t, "a new upgrade", func() bool {
				var err error
				c, _, err = ts.dialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
				return err == nil
			})
			c.send(t, "2probe")
			c.expect(t, "3probe")
			c.send(t, "5")
			eventually(t, "the upgrade", func() bool { return s.Transport() == "websocket" })
			c.send(t, "4ws")
			c.expect(t, "4ws")
			if got := ts.rec.closeReasons(sid); len(got) != 0 {
				t.Fatalf("closed: %v", got)
			}
		})
	}
}

func TestUpgradeHandshakeFails(t *testing.T) {
	ts := startServer(t, nil)
	sid := ts.handshake(t)
	noKey := func(query string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, ts.url+"?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The WebSocket library refuses a handshake without a key.
	if status, body := noKey("EIO=4&transport=websocket&sid=" + sid); status != 400 {
		t.Fatalf("upgrade without a key: %d %q", status, body)
	}
	if status, body := noKey("EIO=4&transport=websocket"); status != 400 {
		t.Fatalf("handshake without a key: %d %q", status, body)
	}
	if ids := ts.rec.openedIDs(); len(ids) != 1 {
		t.Fatalf("sessions opened: %v", ids)
	}
	// The session is unharmed and its upgrade slot free again.
	s := ts.session(t, sid)
	if status, body := ts.post(t, sid, "4x"); status != 200 || body != "ok" {
		t.Fatalf("POST: %d %q", status, body)
	}
	var c *wsClient
	eventually(t, "an upgrade", func() bool {
		var err error
		c, _, err = ts.dialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
		return err == nil
	})
	c.send(t, "2probe")
	c.expect(t, "3probe")
	c.send(t, "5")
	c.expect(t, "4x") // the echo of the POST, still queued
	if s.Transport() != "websocket" {
		t.Fatalf("transport %q", s.Transport())
	}
}
