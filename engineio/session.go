package engineio

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// shutdownPollGrace is how long a shutting-down server waits for a polling
// client to fetch its last packets.
const shutdownPollGrace = 2 * time.Second

type sessionState int32

const (
	stateOpen    sessionState = iota
	stateClosing              // flushing its queue before the transport closes
	stateClosed
)

// Session is one Engine.IO connection, whichever transport carries it.
// Its methods are safe for concurrent use.
type Session struct {
	id  string
	srv *Server
	req *Request

	userData any

	// deliver serializes calls into the Handler, which the transports could
	// otherwise overlap during an upgrade.
	deliver sync.Mutex

	lastRecv atomic.Int64 // unix nanoseconds of the last packet received
	state    atomic.Int32 // sessionState; written under mu

	mu         sync.Mutex
	ws         *wsConn // the WebSocket carrying the session; nil while polling
	probe      *wsConn // a WebSocket completing an upgrade
	probeTimer *time.Timer
	queue      []*Message // packets not yet handed to the transport
	spare      []*Message // a drained queue kept for reuse
	queued     int        // bytes in queue
	flushing   bool       // a WebSocket write is pending or under way
	flusher    *flusher   // the shard that writes the WebSocket's queue
	getActive  bool       // a polling GET is waiting
	postActive bool       // a polling POST is being processed
	// changed is broadcast, with mu held, whenever a waiting polling
	// request may have to return: packets queued, the transport or the
	// state changed, a probe was answered or dropped, a wait expired.
	changed sync.Cond
	// probed is set once "3probe" went out: from then on the client may
	// complete the upgrade at any moment (see settleUpgrade).
	probed bool
	// releasePoll answers the GET waiting when "2probe" arrived with a
	// noop, so that the client can pause polling and send "5".
	releasePoll bool
	// clientClosed is set when the client sent a close packet: a waiting
	// GET is answered with a noop, as engine.io answers it.
	clientClosed bool
	hbTimer      *time.Timer
	hbGen        uint64
	pingPending  bool
	closeTimer   *time.Timer
}

func newSession(srv *Server, id string, req *Request) *Session {
	s := &Session{id: id, srv: srv, req: req, flusher: srv.flusher()}
	s.changed.L = &s.mu
	s.lastRecv.Store(time.Now().UnixNano())
	return s
}

// ID returns the session id the client uses in its requests.
func (s *Session) ID() string { return s.id }

// Request returns the handshake request. It must not be modified.
func (s *Session) Request() *Request { return s.req }

// SetUserData attaches v to the session. Set it in Handler.OnOpen so that it
// is in place before the first message; it is not synchronized otherwise.
func (s *Session) SetUserData(v any) { s.userData = v }

// UserData returns what SetUserData attached, or nil.
func (s *Session) UserData() any { return s.userData }

// Transport returns "polling" or "websocket".
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transportName()
}

func (s *Session) transportName() string {
	if s.ws != nil {
		return "websocket"
	}
	return "polling"
}

// Open reports whether the session still accepts packets.
func (s *Session) Open() bool { return sessionState(s.state.Load()) == stateOpen }

// Send queues messages for the client, in order and without interleaving
// with other Sends, and returns at once: a dedicated flush writes everything
// pending for the connection in one write. It returns ErrClosed once the
// session is closing, and ErrSlowConsumer (closing the session) when the
// unsent data would pass Config.MaxBufferedBytes.
func (s *Session) Send(msgs ...*Message) error {
	n := 0
	for _, m := range msgs {
		n += len(m.p.Data)
	}
	s.mu.Lock()
	if sessionState(s.state.Load()) != stateOpen {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.queued+n > s.srv.cfg.MaxBufferedBytes && s.queued > 0 {
		s.mu.Unlock()
		s.fail(ReasonSlowConsumer)
		return ErrSlowConsumer
	}
	s.queue = append(s.queue, msgs...)
	s.queued += n
	s.kickLocked()
	s.mu.Unlock()
	return nil
}

// enqueueLocked queues a control packet; it skips the open-state check
// because closing sessions still send their close packet.
func (s *Session) enqueueLocked(m *Message) {
	s.queue = append(s.queue, m)
	s.queued += len(m.p.Data)
	s.kickLocked()
}

// kickLocked makes the transport pick the queue up: it marks a WebSocket
// session dirty for its flusher unless a write is under way, or wakes a
// waiting polling GET. A closing session's WebSocket is flushed even with
// nothing queued: the flush is what closes it.
func (s *Session) kickLocked() {
	if s.ws != nil {
		if !s.flushing && (len(s.queue) > 0 || sessionState(s.state.Load()) == stateClosing) {
			s.flushing = true
			s.flusher.add(s)
		}
		return
	}
	s.changed.Broadcast()
}

var buffersPool = sync.Pool{New: func() any { b := make(net.Buffers, 0, 64); return &b }}

// flush is the writer of a connection that did not take all of a
// flusher's write: it writes pending, what is left of batch's frames, then
// the queue until it is empty, waiting for the connection as long as its
// write timeout allows. It keeps s.flushing meanwhile.
func (s *Session) flush(c *wsConn, pending net.Buffers, batch []*Message) {
	bp := buffersPool.Get().(*net.Buffers)
	defer buffersPool.Put(bp)
	bufs := pending
	for {
		err := c.writeFrames(bufs)
		clear(bufs)
		clear(batch)
		if err != nil {
			s.srv.log.Debug("engineio: write failed", "sid", s.id, "err", err)
			s.fail(ReasonTransportError)
			return
		}
		s.mu.Lock()
		s.spare = batch[:0]
		if s.ws != c || len(s.queue) == 0 {
			s.flushing = false
			done := s.ws == c && sessionState(s.state.Load()) == stateClosing
			s.mu.Unlock()
			if done {
				s.closeWS(c)
			}
			return
		}
		batch = s.takeQueueLocked()
		s.mu.Unlock()
		bufs = appendFrames((*bp)[:0], batch)
		*bp = bufs
	}
}

// takeQueueLocked hands the queue to its writer and starts a new one on
// the spare; mu must be held.
func (s *Session) takeQueueLocked() []*Message {
	batch := s.queue
	s.queue, s.spare, s.queued = s.spare, nil, 0
	return batch
}

// appendFrames appends the WebSocket frames of batch to bufs.
func appendFrames(bufs net.Buffers, batch []*Message) net.Buffers {
	for _, m := range batch {
		bufs = append(bufs, m.wsFrame())
	}
	return bufs
}

// closeWS ends a gracefully closing session once its queue went out on c:
// the close frame, then the session's end.
func (s *Session) closeWS(c *wsConn) {
	c.closeNormally()
	s.finish()
}

// onPacket handles a packet that arrived on the session's own transport.
// It returns false when the session closed because of it.
func (s *Session) onPacket(p Packet) bool {
	if sessionState(s.state.Load()) != stateOpen {
		if p.Type == PacketClose {
			s.finish() // the client acknowledged a graceful close
		}
		return false
	}
	s.lastRecv.Store(time.Now().UnixNano())
	switch p.Type {
	case PacketMessage:
		s.srv.handler.OnMessage(s, p.Data, p.Binary)
	case PacketPong:
		s.mu.Lock()
		if s.pingPending {
			s.pingPending = false
			s.schedule(s.srv.cfg.PingInterval)
		}
		s.mu.Unlock()
	case PacketClose:
		s.mu.Lock()
		s.clientClosed = true
		s.mu.Unlock()
		s.fail(ReasonTransportClose)
		return false
	case PacketNoop:
	case PacketPing:
		// In v4 only the server pings.
		s.fail(ReasonTransportError)
		return false
	default:
		s.fail(ReasonParseError)
		return false
	}
	return true
}

// schedule arms the heartbeat timer; mu must be held. The generation makes a
// timer that fired while being replaced a no-op.
func (s *Session) schedule(d time.Duration) {
	s.hbGen++
	gen := s.hbGen
	if s.hbTimer != nil {
		s.hbTimer.Stop()
	}
	s.hbTimer = time.AfterFunc(d, func() { s.heartbeat(gen) })
}

// heartbeat sends a ping after PingInterval, and after PingTimeout without a
// pong closes the session, unless other packets arrived meanwhile: a client
// still sending data is alive even if its pong queues behind that data.
func (s *Session) heartbeat(gen uint64) {
	s.mu.Lock()
	if gen != s.hbGen || sessionState(s.state.Load()) != stateOpen {
		s.mu.Unlock()
		return
	}
	timeout := s.srv.cfg.PingTimeout
	if !s.pingPending {
		s.pingPending = true
		s.enqueueLocked(msgPing)
		s.schedule(timeout)
		s.mu.Unlock()
		return
	}
	if idle := time.Duration(time.Now().UnixNano() - s.lastRecv.Load()); idle < timeout {
		s.schedule(timeout - idle)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.fail(ReasonPingTimeout)
}

// leaveOpenLocked moves an open session to next and stops its heartbeat;
// it reports whether the session was open. mu must be held.
func (s *Session) leaveOpenLocked(next sessionState) bool {
	if sessionState(s.state.Load()) != stateOpen {
		return false
	}
	s.state.Store(int32(next))
	s.hbGen++
	if s.hbTimer != nil {
		s.hbTimer.Stop()
	}
	return true
}

// Close closes the session gracefully: packets already queued are sent
// first, then the transport closes. OnClose receives ReasonForcedClose.
func (s *Session) Close() { s.closeGracefully(ReasonForcedClose) }

func (s *Session) closeGracefully(reason string) {
	s.mu.Lock()
	if !s.leaveOpenLocked(stateClosing) {
		s.mu.Unlock()
		return
	}
	if s.ws == nil {
		// Polling: the close packet goes out with the GET after the queued
		// packets (serveGet adds it), never in the same payload: the client
		// handles a close at once but Socket.IO packets a tick later, so a
		// DISCONNECT next to a close would be lost. A client that never polls
		// again is dropped after PingTimeout, or after shutdownPollGrace when
		// the server shuts down: a live client polls again within a round
		// trip, and one that is gone must not hold the shutdown up.
		if len(s.queue) == 0 {
			s.enqueueLocked(msgClose)
		}
		grace := s.srv.cfg.PingTimeout
		if s.srv.closing.Load() {
			grace = min(grace, shutdownPollGrace)
		}
		s.closeTimer = time.AfterFunc(grace, s.finish)
	} else {
		s.kickLocked()
	}
	s.mu.Unlock()
	s.srv.handler.OnClose(s, reason)
}

// fail closes the session at once, dropping what is queued.
func (s *Session) fail(reason string) {
	s.mu.Lock()
	wasOpen := s.leaveOpenLocked(stateClosed)
	if !wasOpen && sessionState(s.state.Load()) == stateClosed && s.ws == nil && s.probe == nil {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.finish()
	if wasOpen {
		s.srv.log.Debug("engineio: session closed", "sid", s.id, "reason", reason)
		s.srv.handler.OnClose(s, reason)
	}
}

// finish releases the transports and forgets the session.
func (s *Session) finish() {
	s.mu.Lock()
	s.state.Store(int32(stateClosed))
	ws, probe := s.ws, s.probe
	s.ws, s.probe = nil, nil
	if s.closeTimer != nil {
		s.closeTimer.Stop()
	}
	if s.probeTimer != nil {
		s.probeTimer.Stop()
	}
	s.queue, s.spare, s.queued = nil, nil, 0
	s.probed = false
	s.changed.Broadcast()
	s.mu.Unlock()
	if ws != nil {
		ws.Close()
	}
	if probe != nil {
		probe.Close()
	}
	s.srv.remove(s)
}

// Abort closes the session at once, dropping what is queued; OnClose
// receives reason.
func (s *Session) Abort(reason string) { s.fail(reason) }
