package engineio

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// wsReadBufferSize sizes the buffer a blocking reader (no epoll, or a
// connection without a descriptor) reads into.
const wsReadBufferSize = 1024

// wsConn is a WebSocket connection. Its reads are parsed by rd, driven by
// the epoll poller (wsread_linux.go) or a goroutine of its own; every
// write, ours (data frames, several per writev) and the reader's (pongs,
// close frames), goes through wmu so that frames never interleave.
type wsConn struct {
	net.Conn // the raw connection
	srv      *Server
	wmu      sync.Mutex
	vectored bool            // the raw connection supports writev
	raw      syscall.RawConn // its descriptor, for non-blocking I/O; nil for none
	timeout  time.Duration
	sess     *Session
	probing  bool // an upgrade from polling is in progress; reader only
	once     sync.Once
	release  func() // frees the connection's slot (limitListener); nil for none

	rmu    sync.Mutex // held while reading: one reader at a time
	rd     *wsReader  // the parser, while a frame is partly read or a reader runs; nil otherwise
	prefix []byte     // bytes fasthttp read past the handshake, parsed first
	pollID uint64     // the connection's key in the poller; 0 for none
}

func (c *wsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	defer c.writeDeadline()()
	return c.Conn.Write(p)
}

// writeDeadline bounds a blocking write by the write timeout and returns
// the function that lifts the bound again: left in place, it would fail
// the flusher's non-blocking writes once it passed. wmu must be held.
func (c *wsConn) writeDeadline() func() {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return func() { _ = c.Conn.SetWriteDeadline(time.Time{}) }
}

// writeFrames writes complete frames in one system call where it can.
func (c *wsConn) writeFrames(bufs net.Buffers) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	defer c.writeDeadline()()
	var err error
	if c.vectored || len(bufs) == 1 {
		_, err = bufs.WriteTo(c.Conn)
	} else {
		// TLS would write a record per buffer: join them instead.
		_, err = c.Conn.Write(bytes.Join(bufs, nil))
	}
	return err
}

// Close closes the raw connection once.
func (c *wsConn) Close() error {
	c.once.Do(func() {
		c.unregister()
		if c.Conn != nil {
			_ = c.Conn.Close()
		}
		if c.release != nil {
			c.release()
		}
	})
	return nil
}

// closeNormally sends a close frame (1000) and closes the connection.
func (c *wsConn) closeNormally() {
	if c.Conn != nil {
		_ = c.writeFrames(net.Buffers{closeFrame(closeNormal)})
	}
	_ = c.Close()
}

// upgrade answers a WebSocket handshake: a new session when ss is nil,
// otherwise a probe to upgrade ss from polling. A session that cannot take
// a probe now (it upgraded already, another probe is under way, it is
// closing) gets the handshake completed and the new connection closed at
// once, leaving the session untouched, as engine.io does: a 400 instead
// would surface as an unhandled error in a `ws` client.
func (s *Server) upgrade(ctx *fasthttp.RequestCtx, ss *Session) {
	if !s.originAllowed(ctx) {
		s.reject(ctx, errForbidden)
		return
	}
	accept, ok := wsAccept(&ctx.Request.Header)
	if !ok {
		s.reject(ctx, errBadRequest)
		return
	}
	refuse := false
	if ss != nil {
		ss.mu.Lock()
		refuse = ss.ws != nil || ss.probe != nil || sessionState(ss.state.Load()) != stateOpen
		if !refuse {
			// Reserve the upgrade slot before the handshake completes.
			ss.probe = &wsConn{}
		}
		ss.mu.Unlock()
	}
	req := newRequest(ctx)
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		// fasthttp keeps its request context until this returns: take the
		// connection and what it had buffered, and run the socket elsewhere.
		w := s.newWSConn(c)
		go s.serveWebSocket(w, accept, req, ss, refuse)
	})
}

// wsGUID is RFC 6455's key suffix for Sec-WebSocket-Accept.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// wsAccept checks a handshake's headers (RFC 6455 4.2.1; the method and
// Upgrade are checked already) and returns its Sec-WebSocket-Accept.
func wsAccept(h *fasthttp.RequestHeader) (string, bool) {
	if string(h.Peek("Sec-WebSocket-Version")) != "13" || !hasToken(h.Peek("Connection"), "upgrade") {
		return "", false
	}
	key := h.Peek("Sec-WebSocket-Key")
	if raw, err := base64.StdEncoding.DecodeString(string(key)); err != nil || len(raw) != 16 {
		return "", false
	}
	sum := sha1.Sum(append(key, wsGUID...))
	return base64.StdEncoding.EncodeToString(sum[:]), true
}

// hasToken reports whether a comma-separated header value lists token,
// case-insensitively.
func hasToken(v []byte, token string) bool {
	for _, t := range bytes.Split(v, []byte(",")) {
		if bytes.EqualFold(bytes.TrimSpace(t), []byte(token)) {
			return true
		}
	}
	return false
}

func (s *Server) newWSConn(c net.Conn) *wsConn {
	raw := c
	if u, ok := c.(interface{ UnsafeConn() net.Conn }); ok {
		raw = u.UnsafeConn()
	}
	var prefix []byte
	if raw != c {
		// Drain bytes fasthttp read ahead: with a deadline in the past, the
		// read returns buffered bytes and never touches the socket.
		var tmp [512]byte
		_ = raw.SetReadDeadline(time.Unix(1, 0))
		for {
			n, err := c.Read(tmp[:])
			prefix = append(prefix, tmp[:n]...)
			if err != nil || n == 0 {
				break
			}
		}
	}
	// The request's read deadline (Config.ReadTimeout) ends here: from
	// now on the ping timeout watches the client.
	_ = raw.SetReadDeadline(time.Time{})
	var release func()
	if lc, ok := raw.(*limitedConn); ok {
		// Read and write the TCP connection itself, for epoll and writev;
		// free the slot when the WebSocket closes.
		raw, release = lc.Conn, lc.release
	}
	_, tcp := raw.(*net.TCPConn)
	_, unix := raw.(*net.UnixConn)
	wc := &wsConn{Conn: raw, srv: s, vectored: tcp || unix, timeout: s.cfg.WriteTimeout, release: release, prefix: prefix}
	if wc.vectored {
		wc.raw = rawConn(raw)
	}
	return wc
}

func (s *Server) serveWebSocket(w *wsConn, accept string, req *Request, ss *Session, refuse bool) {
	defer recoverPanic(s.log, nil)
	_, err := w.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + accept + "\r\n\r\n"))
	if err != nil {
		s.log.Debug("engineio: websocket handshake failed", "remote", req.RemoteAddr, "err", err)
		if ss != nil && !refuse {
			ss.dropProbe(nil)
		}
		_ = w.Close()
		return
	}
	switch {
	case refuse:
		s.log.Debug("engineio: closing a WebSocket for a session that cannot upgrade now", "sid", ss.id)
		w.closeNormally()
		return
	case ss == nil:
		s.open(req, w)
	case !ss.startProbe(w):
		_ = w.Close()
		return
	}
	w.startReading()
}

// startProbe installs w as the session's upgrade candidate.
func (s *Session) startProbe(w *wsConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.probe == nil || s.probe.Conn != nil || sessionState(s.state.Load()) != stateOpen {
		return false
	}
	w.sess, w.probing = s, true
	s.probe = w
	s.probeTimer = time.AfterFunc(s.srv.cfg.UpgradeTimeout, func() { s.dropProbe(w) })
	return true
}

// dropProbe abandons an upgrade; w nil drops the reservation made before
// the handshake.
func (s *Session) dropProbe(w *wsConn) {
	s.mu.Lock()
	if s.probe != nil && (s.probe == w || w == nil && s.probe.Conn == nil) {
		s.probe, s.probed = nil, false
		if s.probeTimer != nil {
			s.probeTimer.Stop()
		}
		s.changed.Broadcast()
	}
	s.mu.Unlock()
	if w != nil {
		_ = w.Close()
	}
}

// onProbeFrame runs the upgrade handshake: "2probe" is answered "3probe",
// and a poll waiting then is released with a noop so that the client can
// pause polling; "5" completes the upgrade. Anything else abandons it.
func (s *Session) onProbeFrame(w *wsConn, data []byte, binary bool) {
	p, err := DecodePacket(data, binary)
	switch {
	case err == nil && p.Type == PacketPing && string(p.Data) == "probe":
		// probed is set before the "3probe" can reach the client, so that
		// every request the client sends after reading it is settled.
		s.mu.Lock()
		ok := s.probe == w && s.ws == nil && sessionState(s.state.Load()) != stateClosed
		if ok {
			s.probed = true
		}
		s.mu.Unlock()
		if !ok || w.writeFrames(net.Buffers{msgPong3p.wsFrame()}) != nil {
			s.dropProbe(w)
			return
		}
		s.mu.Lock()
		if s.probe == w {
			// Only the poll waiting now: a noop left queued would answer
			// a poll the client sends after "5" instead of its 400.
			s.releasePoll = s.getActive
			s.changed.Broadcast()
		}
		s.mu.Unlock()
	case err == nil && p.Type == PacketUpgrade:
		s.completeUpgrade(w)
	default:
		s.dropProbe(w)
	}
}

// completeUpgrade moves the session onto w; packets still queued for
// polling go out on the WebSocket, minus a close packet meant for a poll. A
// session closing gracefully completes the upgrade too, because the client
// that sent "5" polls no more: what it queued goes out on w, then w closes
// (its close frame standing in for the polling close packet).
func (s *Session) completeUpgrade(w *wsConn) {
	s.mu.Lock()
	if s.probe != w || sessionState(s.state.Load()) == stateClosed {
		s.mu.Unlock()
		s.dropProbe(w)
		return
	}
	s.probe, s.probed = nil, false
	s.probeTimer.Stop()
	s.ws = w
	w.probing = false
	q := s.queue[:0]
	for _, m := range s.queue {
		if m != msgClose {
			q = append(q, m)
		}
	}
	clear(s.queue[len(q):])
	s.queue = q
	s.kickLocked()        // when closing, the flush closes w once the queue is empty
	s.changed.Broadcast() // a poll still waiting gets its 400
	s.mu.Unlock()
	s.srv.log.Debug("engineio: session upgraded", "sid", s.id)
}

// onFrame handles one WebSocket message.
func (w *wsConn) onFrame(data []byte, binary bool) {
	s := w.sess
	if w.probing {
		s.onProbeFrame(w, data, binary)
		return
	}
	p, err := DecodePacket(data, binary)
	if err != nil {
		s.fail(ReasonParseError)
		return
	}
	s.deliver.Lock()
	s.onPacket(p)
	s.deliver.Unlock()
}

// onClose runs when reading ends, with why.
func (w *wsConn) onClose(err error) {
	s := w.sess
	if s == nil {
		_ = w.Close()
		return
	}
	s.mu.Lock()
	probe, main := s.probe == w, s.ws == w
	s.mu.Unlock()
	switch {
	case probe:
		s.dropProbe(w)
	case main:
		s.fail(closeReason(err))
	}
	_ = w.Close()
}

// closeReason maps how a WebSocket ended to Node's reasons: the peer going
// away is a "transport close", anything else (a protocol violation
// included) a "transport error".
func closeReason(err error) string {
	switch {
	case errors.Is(err, errPeerClosed), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return ReasonTransportClose
	}
	return ReasonTransportError
}
