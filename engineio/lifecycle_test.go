package engineio_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/wasmio/wasmio/engineio"
)

func TestHeartbeat(t *testing.T) {
	cfg := &engineio.Config{PingInterval: 100 * time.Millisecond, PingTimeout: 300 * time.Millisecond}
	t.Run("websocket", func(t *testing.T) {
		ts := startServer(t, cfg)
		c, sid := ts.openWS(t, nil)
		// A client that answers keeps its session over several pings.
		for range 3 {
			c.expect(t, "2")
			c.send(t, "3")
		}
		if got := ts.rec.closeReasons(sid); len(got) != 0 {
			t.Fatalf("closed while answering pings: %v", got)
		}
		ts.session(t, sid)
		// One that stops answering is dropped.
		c.expect(t, "2")
		if r := ts.closeReason(t, sid); r != engineio.ReasonPingTimeout {
			t.Fatalf("reason %q", r)
		}
		c.waitClosed(t)
		ts.expectGone(t, sid)
	})
	t.Run("polling", func(t *testing.T) {
		ts := startServer(t, cfg)
		sid := ts.handshake(t)
		for range 3 {
			if status, body := ts.get(t, sid); status != 200 || body != "2" {
				t.Fatalf("GET: %d %q, want a ping", status, body)
			}
			if status, body := ts.post(t, sid, "3"); status != 200 || body != "ok" {
				t.Fatalf("POST pong: %d %q", status, body)
			}
		}
		if got := ts.rec.closeReasons(sid); len(got) != 0 {
			t.Fatalf("closed while answering pings: %v", got)
		}
		if status, body := ts.get(t, sid); status != 200 || body != "2" {
			t.Fatalf("GET: %d %q, want a ping", status, body)
		}
		// The client keeps polling but never answers.
		ch := ts.goGet(sid)
		if r := ts.closeReason(t, sid); r != engineio.ReasonPingTimeout {
			t.Fatalf("reason %q", r)
		}
		if r := <-ch; r.err != nil || r.status != 200 || r.body != "1" {
			t.Fatalf("pending GET: %+v", r)
		}
		ts.expectGone(t, sid)
	})
}

func TestCloseGraceful(t *testing.T) {
	t.Run("polling", func(t *testing.T) {
		ts := startServer(t, nil)
		sid := ts.handshake(t)
		s := ts.session(t, sid)
		_ = s.Send(engineio.NewMessage([]byte("a"), false))
		_ = s.Send(engineio.NewMessage([]byte("b"), false))
		s.Close()
		if got := ts.rec.closeReasons(sid); !slices.Equal(got, []string{engineio.ReasonForcedClose}) {
			t.Fatalf("OnClose %v", got)
		}
		if s.Open() {
			t.Fatal("open after Close")
		}
		if err := s.Send(engineio.NewMessage([]byte("c"), false)); !errors.Is(err, engineio.ErrClosed) {
			t.Fatalf("Send after Close: %v", err)
		}
		// The queued messages first, then the close packet on its own.
		if status, body := ts.get(t, sid); status != 200 || body != "4a\x1e4b" {
			t.Fatalf("first GET: %d %q", status, body)
		}
		if status, body := ts.get(t, sid); status != 200 || body != "1" {
			t.Fatalf("second GET: %d %q", status, body)
		}
		ts.expectGone(t, sid)
		s.Close() // again: nothing happens
		if got := ts.rec.closeReasons(sid); len(got) != 1 {
			t.Fatalf("OnClose %v", got)
		}
	})
	t.Run("polling with nothing queued", func(t *testing.T) {
		ts := startServer(t, nil)
		sid := ts.handshake(t)
		pending := ts.goGet(sid)
		ts.session(t, sid).Close()
		if r := <-pending; r.err != nil || r.status != 200 || r.body != "1" {
			t.Fatalf("pending GET: %+v", r)
		}
		ts.expectGone(t, sid)
	})
	t.Run("polling client that never comes back", func(t *testing.T) {
		ts := startServer(t, &engineio.Config{PingInterval: time.Minute, PingTimeout: 100 * time.Millisecond})
		sid := ts.handshake(t)
		ts.session(t, sid).Close()
		eventually(t, "the session to be dropped", func() bool { return ts.srv.Len() == 0 })
		ts.expectGone(t, sid)
	})
	t.Run("websocket", func(t *testing.T) {
		ts := startServer(t, nil)
		c, sid := ts.openWS(t, nil)
		s := ts.session(t, sid)
		_ = s.Send(engineio.NewMessage([]byte("a"), false), engineio.NewMessage([]byte("b"), false))
		s.Close()
		c.expect(t, "4a", "4b")
		err := c.waitClosed(t)
		var ce *gws.CloseError
		if !errors.As(err, &ce) || ce.Code != 1000 {
			t.Fatalf("client saw %v, want a 1000 close frame", err)
		}
		if r := ts.closeReason(t, sid); r != engineio.ReasonForcedClose {
			t.Fatalf("reason %q", r)
		}
		ts.expectGone(t, sid)
	})
	// A client that already sent "5" has stopped polling: the session closing
	// between the probe and the "5" must still deliver what it queued, on
	// the WebSocket (a socket.io-client otherwise sees "transport close"
	// instead of the server's DISCONNECT).
	t.Run("during an upgrade", func(t *testing.T) {
		for _, queued := range []bool{true, false} {
			ts := startServer(t, nil)
			sid := ts.handshake(t)
			s := ts.session(t, sid)
			pending := ts.goGet(sid)
			c := ts.mustDialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
			c.send(t, "2probe")
			c.expect(t, "3probe")
			if r := <-pending; r.body != "6" {
				t.Fatalf("pending GET: %+v", r)
			}
			if queued {
				_ = s.Send(engineio.NewMessage([]byte("bye"), false))
			}
			s.Close()
			c.send(t, "5")
			if queued {
				c.expect(t, "4bye")
			}
			err := c.waitClosed(t)
			var ce *gws.CloseError
			if !errors.As(err, &ce) || ce.Code != 1000 {
				t.Fatalf("queued %v: client saw %v, want a 1000 close frame", queued, err)
			}
			if r := ts.closeReason(t, sid); r != engineio.ReasonForcedClose {
				t.Fatalf("reason %q", r)
			}
			ts.expectGone(t, sid)
		}
	})
	t.Run("abort", func(t *testing.T) {
		ts := startServer(t, nil)
		sid := ts.handshake(t)
		s := ts.session(t, sid)
		_ = s.Send(engineio.NewMessage([]byte("dropped"), false))
		s.Abort("custom")
		if r := ts.closeReason(t, sid); r != "custom" {
			t.Fatalf("reason %q", r)
		}
		ts.expectGone(t, sid)
	})
}

func TestShutdown(t *testing.T) {
	t.Run("drains", func(t *testing.T) {
		ts := startServer(t, nil)
		sid := ts.handshake(t)
		pending := ts.goGet(sid)
		c, wsid := ts.openWS(t, nil)
		_ = ts.session(t, wsid).Send(engineio.NewMessage([]byte("last"), false))
		time.Sleep(20 * time.Millisecond) // let the GET start waiting; either way it gets the close packet
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := ts.shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if r := <-pending; r.err != nil || r.status != 200 || r.body != "1" {
			t.Fatalf("pending GET: %+v", r)
		}
		c.expect(t, "4last")
		c.waitClosed(t)
		for _, id := range []string{sid, wsid} {
			if r := ts.closeReason(t, id); r != engineio.ReasonServerShutdown {
				t.Fatalf("reason %q", r)
			}
		}
		if n := ts.srv.Len(); n != 0 {
			t.Fatalf("%d sessions left", n)
		}
		if err := <-ts.served; !errors.Is(err, engineio.ErrServerClosed) {
			t.Fatalf("Serve returned %v", err)
		}
		ts.served <- engineio.ErrServerClosed // for the cleanup
	})
	// A polling client that is gone (it never polls again) does not hold the
	// shutdown up for PingTimeout: it is dropped after a short grace.
	t.Run("gone polling client", func(t *testing.T) {
		ts := startServer(t, &engineio.Config{PingTimeout: time.Minute})
		sid := ts.handshake(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := ts.shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if r := ts.closeReason(t, sid); r != engineio.ReasonServerShutdown {
			t.Fatalf("reason %q", r)
		}
	})
	t.Run("context expires", func(t *testing.T) {
		ts := startServer(t, &engineio.Config{PingTimeout: time.Minute})
		sid := ts.handshake(t) // never polls again: it cannot drain
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := ts.shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown: %v", err)
		}
		if n := ts.srv.Len(); n != 0 {
			t.Fatalf("%d sessions left", n)
		}
		if r := ts.closeReason(t, sid); r != engineio.ReasonServerShutdown {
			t.Fatalf("reason %q", r)
		}
	})
}
