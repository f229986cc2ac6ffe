package engineio

import (
	"bytes"
	"time"

	"github.com/valyala/fasthttp"
)

// openPolling answers a polling handshake with the open packet.
func (s *Server) openPolling(ctx *fasthttp.RequestCtx) {
	ss := s.open(newRequest(ctx), nil)
	ss.serveGet(ctx, false)
}

// servePolling answers a GET (the client waits for packets) or a POST (the
// client sends packets) of an existing polling session. Once the session
// upgraded, polling is over: every request gets 400, as in engine.io.
func (s *Session) servePolling(ctx *fasthttp.RequestCtx) {
	upgraded, probing := s.settleUpgrade()
	switch {
	case upgraded:
		s.srv.reject(ctx, errBadRequest)
	case ctx.IsGet():
		s.serveGet(ctx, probing)
	case ctx.IsPost():
		s.servePost(ctx)
	default:
		s.srv.reject(ctx, errBadRequest)
	}
}

// settleUpgrade holds a request that arrives after "3probe" went out until
// the upgrade completes (upgraded), the probe is dropped, or
// Server.probeSettle passes (probing). A client that sent "5" and then
// polls gets 400 whichever goroutine ran first, its WebSocket reader or
// this one: its request waits for the "5" to be read. A client whose poll
// crossed the "3probe" is served after probeSettle, as engine.io's 100 ms
// noop check serves it.
func (s *Session) settleUpgrade() (upgraded, probing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.probed && s.ws == nil {
		expired := false
		t := time.AfterFunc(s.srv.probeSettle, func() {
			s.mu.Lock()
			expired = true
			s.changed.Broadcast()
			s.mu.Unlock()
		})
		for s.probed && s.ws == nil && !expired && sessionState(s.state.Load()) != stateClosed {
			s.changed.Wait()
		}
		t.Stop()
	}
	return s.ws != nil, s.probed && s.ws == nil
}

// serveGet holds the request until packets are queued, then answers with all
// of them joined by the record separator. A GET during a probe (probing,
// or waiting when "2probe" arrives) is answered at once, with a noop when
// nothing is queued, so the client can pause polling. A second GET while
// one waits breaks the protocol and closes the session, as the spec says.
func (s *Session) serveGet(ctx *fasthttp.RequestCtx, probing bool) {
	if !s.claim(ctx, &s.getActive) {
		return
	}
	s.mu.Lock()
	for len(s.queue) == 0 && s.ws == nil && sessionState(s.state.Load()) != stateClosed && !probing && !s.releasePoll {
		s.changed.Wait()
	}
	batch := s.queue
	state := sessionState(s.state.Load())
	upgraded := s.ws != nil
	if !upgraded {
		s.queue, s.queued = nil, 0
		if state == stateClosing && len(batch) > 0 && batch[len(batch)-1] != msgClose {
			s.queue = []*Message{msgClose} // for the next poll
		}
	}
	s.getActive, s.releasePoll = false, false
	clientClosed := s.clientClosed
	s.mu.Unlock()

	switch {
	case upgraded:
		// The upgrade completed while this poll waited: the client sent
		// "5" and polls no more, so this request came after it.
		s.srv.reject(ctx, errBadRequest)
		return
	case len(batch) == 0 && state == stateClosed && !clientClosed:
		ctx.SetBody(msgClose.pollRecord())
	case len(batch) == 0:
		// Released for a probe, or the client closed the session with a
		// close packet of its own (engine.io answers that poll with a noop).
		ctx.SetBody(msgNoop.pollRecord())
	default:
		for i, m := range batch {
			if i > 0 {
				ctx.Response.AppendBody([]byte{recordSeparator})
			}
			ctx.Response.AppendBody(m.pollRecord())
		}
		if state == stateClosing && batch[len(batch)-1] == msgClose {
			s.finish()
		}
	}
	ctx.SetContentType("text/plain; charset=UTF-8")
	ctx.Response.Header.Set("Cache-Control", "no-store")
}

// claim marks a GET or POST (active) as under way. A second one while one
// is under way breaks the protocol: the session closes, as the spec says,
// and the request gets 400.
func (s *Session) claim(ctx *fasthttp.RequestCtx, active *bool) bool {
	s.mu.Lock()
	busy := *active
	*active = true
	s.mu.Unlock()
	if busy {
		s.fail(ReasonTransportError)
		ctx.SetStatusCode(fasthttp.StatusBadRequest)
	}
	return !busy
}

// servePost decodes a payload of packets and hands them to the session.
func (s *Session) servePost(ctx *fasthttp.RequestCtx) {
	if bytes.HasPrefix(ctx.Request.Header.ContentType(), []byte("application/octet-stream")) {
		// Engine.IO v4 sends binary as base64 text; raw binary bodies are v3.
		s.fail(ReasonTransportError)
		s.srv.reject(ctx, errBadRequest)
		return
	}
	if !s.claim(ctx, &s.postActive) {
		return
	}
	defer func() {
		s.mu.Lock()
		s.postActive = false
		s.mu.Unlock()
	}()

	body, err := ReadBody(ctx, s.srv.cfg.MaxPayload)
	if err != nil {
		s.fail(ReasonTransportError)
		ctx.Error("payload too large", fasthttp.StatusRequestEntityTooLarge)
		return
	}
	s.deliver.Lock()
	err = DecodePayload(body, func(p Packet) error {
		if !s.onPacket(p) {
			return ErrClosed
		}
		return nil
	})
	s.deliver.Unlock()
	if err != nil && err != ErrClosed {
		s.srv.log.Debug("engineio: bad polling payload", "sid", s.id, "err", err)
		s.fail(ReasonParseError)
		s.srv.reject(ctx, errBadRequest)
		return
	}
	ctx.SetContentType("text/html")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBodyString("ok")
}
