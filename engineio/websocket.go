package engineio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/lxzan/gws"
	"github.com/valyala/fasthttp"
)

// wsReadBufferSize sizes the reader gws parses frames from. It is small
// because idle sockets dominate memory; large messages are read past it.
const wsReadBufferSize = 1024

// wsConn is the connection gws runs on. Reads come from the bytes fasthttp
// had buffered and then the socket; every write, ours (data frames, several
// per writev) and gws's (the 101 response, pongs, close frames), goes
// through wmu so that frames never interleave.
type wsConn struct {
	net.Conn // the raw connection
	r        io.Reader
	wmu      sync.Mutex
	vectored bool            // the raw connection supports writev
	raw      syscall.RawConn // its descriptor, for non-blocking writes; nil for none
	timeout  time.Duration
	gc       *gws.Conn
	sess     *Session
	probing  bool // an upgrade from polling is in progress; reader goroutine only
	once     sync.Once
	release  func() // frees the connection's slot (limitListener); nil for none
}

func (c *wsConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *wsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}

// writeFrames writes complete frames in one system call where it can.
func (c *wsConn) writeFrames(bufs net.Buffers) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
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
	if c.gc != nil {
		_ = c.gc.WriteClose(1000, nil)
	}
	_ = c.Close()
}

// upgrade hands a WebSocket handshake to gws: a new session when ss is nil,
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
	hreq := &http.Request{Method: http.MethodGet, Header: req.Header, RemoteAddr: req.RemoteAddr, RequestURI: req.URL}
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		// fasthttp keeps its request context until this returns: take the
		// connection and what it had buffered, and run the socket elsewhere.
		w := s.newWSConn(c)
		go s.serveWebSocket(w, hreq, req, ss, refuse)
	})
}

func (s *Server) newWSConn(c net.Conn) *wsConn {
	raw := c
	if u, ok := c.(interface{ UnsafeConn() net.Conn }); ok {
		raw = u.UnsafeConn()
	}
	var r io.Reader = raw
	if raw != c {
		// Drain bytes fasthttp read ahead: with a deadline in the past, the
		// read returns buffered bytes and never touches the socket.
		var prefix []byte
		var tmp [512]byte
		_ = raw.SetReadDeadline(time.Unix(1, 0))
		for {
			n, err := c.Read(tmp[:])
			prefix = append(prefix, tmp[:n]...)
			if err != nil || n == 0 {
				break
			}
		}
		_ = raw.SetReadDeadline(time.Time{})
		if len(prefix) > 0 {
			r = io.MultiReader(bytes.NewReader(prefix), raw)
		}
	}
	// The request's read deadline (Config.ReadTimeout) ends here: from
	// now on the ping timeout watches the client.
	_ = raw.SetReadDeadline(time.Time{})
	var release func()
	if lc, ok := raw.(*limitedConn); ok {
		// Write to the TCP connection itself, for writev; free the slot
		// when the WebSocket closes.
		raw, release = lc.Conn, lc.release
		if r == lc {
			r = raw
		}
	}
	_, tcp := raw.(*net.TCPConn)
	_, unix := raw.(*net.UnixConn)
	wc := &wsConn{Conn: raw, r: &frameGuard{r: r}, vectored: tcp || unix, timeout: s.cfg.WriteTimeout, release: release}
	if wc.vectored {
		wc.raw = rawConn(raw)
	}
	return wc
}

// errFrameLength reports a frame whose 64-bit length has its top bit set.
var errFrameLength = errors.New("engineio: a WebSocket frame's length has its most significant bit set")

// frameGuard follows the frame headers of a client's stream and fails
// the read that brings a 64-bit payload length with its most significant
// bit set, which RFC 6455 5.2 forbids: gws (v1.8.9) reads that length
// into an int, and the negative number passes its ReadMaxPayloadSize
// check and panics its reader, ending the process.
type frameGuard struct {
	r    io.Reader
	hdr  [10]byte // the current frame's header, up to its length
	n    int      // bytes of hdr read
	skip uint64   // bytes of the current frame's mask key and payload left
}

func (g *frameGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		if g.skip > 0 {
			k := min(g.skip, uint64(len(b)))
			g.skip, b = g.skip-k, b[k:]
			continue
		}
		g.hdr[g.n], g.n, b = b[0], g.n+1, b[1:]
		if g.n < 2 {
			continue
		}
		length := uint64(g.hdr[1] & 0x7f)
		switch {
		case length == 126 && g.n == 4:
			length = uint64(binary.BigEndian.Uint16(g.hdr[2:4]))
		case length == 127 && g.n == 10:
			if length = binary.BigEndian.Uint64(g.hdr[2:10]); length >= 1<<63 {
				return 0, errFrameLength
			}
		case length >= 126:
			continue // the extended length is still to come
		}
		if g.hdr[1]&0x80 != 0 {
			length += 4 // the mask key
		}
		g.skip, g.n = length, 0
	}
	return n, err
}

func (s *Server) serveWebSocket(w *wsConn, hreq *http.Request, req *Request, ss *Session, refuse bool) {
	defer recoverPanic(s.log)
	gc, err := s.upgrader.UpgradeFromConn(w, bufio.NewReaderSize(w, wsReadBufferSize), hreq)
	if err != nil {
		s.log.Debug("engineio: websocket handshake failed", "remote", req.RemoteAddr, "err", err)
		if ss != nil && !refuse {
			ss.dropProbe(nil)
		}
		_ = w.Close()
		return
	}
	w.gc = gc
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
	// The read loop gets a goroutine of its own: the handshake's frames
	// grew this one's stack to 8 KiB, and an idle connection parked under
	// them would keep that much; parked alone it needs half.
	go gc.ReadLoop()
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

// onClose runs when gws's read loop ends.
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
// away is a "transport close", anything else a "transport error".
func closeReason(err error) string {
	var ce *gws.CloseError
	switch {
	case errors.As(err, &ce), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return ReasonTransportClose
	}
	return ReasonTransportError
}

// wsEvents adapts gws's callbacks; the connection's *wsConn carries the state.
type wsEvents struct{}

func (wsEvents) OnOpen(*gws.Conn)               {}
func (wsEvents) OnPong(*gws.Conn, []byte)       {}
func (wsEvents) OnPing(c *gws.Conn, p []byte)   { _ = c.WritePong(p) }
func (wsEvents) OnClose(c *gws.Conn, err error) { c.NetConn().(*wsConn).onClose(err) }
func (wsEvents) OnMessage(c *gws.Conn, m *gws.Message) {
	c.NetConn().(*wsConn).onFrame(m.Bytes(), m.Opcode == gws.OpcodeBinary)
	m.Close()
}
