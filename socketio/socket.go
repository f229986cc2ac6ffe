package socketio

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/internal/randid"
)

// Handshake is what a socket's client presented when it connected: the
// Engine.IO handshake request plus the auth object of the namespace CONNECT.
// It is shared and must not be modified.
type Handshake struct {
	req *engineio.Request
	// Auth is the raw JSON object the client passed as auth; "{}" if none.
	Auth json.RawMessage
	// Address is the client's IP address.
	Address string
	// Time is when the Engine.IO handshake was received.
	Time time.Time
	// Secure is set for a TLS connection.
	Secure bool
	// URL is the handshake request URI.
	URL string
}

func newHandshake(r *engineio.Request, auth []byte) *Handshake {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	return &Handshake{req: r, Auth: auth, Address: addr, Time: r.Time, Secure: r.Secure, URL: r.URL}
}

// Headers returns the handshake request's headers, with canonical keys, in
// a new map on every call.
func (h *Handshake) Headers() http.Header { return h.req.Header() }

// Query returns the handshake URL's query parameters, in a new map on
// every call.
func (h *Handshake) Query() url.Values { return h.req.Query() }

type pendingAck struct {
	fn    func(args []byte, attachments [][]byte, err error)
	timer *time.Timer
}

// Socket is one client's connection to one namespace. Its methods are safe
// for concurrent use.
type Socket struct {
	id     string
	nsp    *Namespace
	client *client
	hs     *Handshake

	userData any

	mu        sync.Mutex
	connected bool
	rooms     []string // joined rooms, sorted, without the socket's own id
	acks      map[uint64]*pendingAck
	nextAck   uint64
	batch     *Batch // set by Hold: where the socket's own packets wait
}

func newSocket(n *Namespace, c *client, hs *Handshake) *Socket {
	return &Socket{id: randid.New(), nsp: n, client: c, hs: hs}
}

// ID returns the socket's id, which is also the name of its own room.
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns what the client presented when it connected.
func (s *Socket) Handshake() *Handshake { return s.hs }

// Session returns the Engine.IO session carrying the socket.
func (s *Socket) Session() *engineio.Session { return s.client.sess }

// SetUserData attaches v to the socket. Set it in Hooks.Connect to have it
// in place before any other hook; it is not synchronized otherwise.
func (s *Socket) SetUserData(v any) { s.userData = v }

// UserData returns what SetUserData attached, or nil.
func (s *Socket) UserData() any { return s.userData }

// Connected reports whether the socket is connected to its namespace.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// markConnected makes the socket reachable, unless its connection closed
// since the CONNECT was accepted.
func (s *Socket) markConnected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.client
	c.mu.Lock()
	gone := c.closed || c.socketLocked(s.nsp.name) != s
	c.mu.Unlock()
	if !gone {
		s.connected = true
		s.nsp.add(s)
	}
	return !gone
}

// Rooms returns the socket's rooms, its own id first, then the rooms it
// joined in name order.
func (s *Socket) Rooms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.rooms)+1)
	return append(append(out, s.id), s.rooms...)
}

// Join adds the socket to rooms. Joining its own id, or a room it is in, does
// nothing; so does joining after the socket disconnected. The socket's
// rooms are a sorted slice, smaller than a set for the few rooms a socket
// is in: a join costs O(rooms it is in).
func (s *Socket) Join(rooms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected {
		return
	}
	for _, r := range rooms {
		i, in := slices.BinarySearch(s.rooms, r)
		if in || r == s.id {
			continue
		}
		s.rooms = slices.Insert(s.rooms, i, r)
		s.nsp.adapter.AddAll(s, []string{r})
	}
}

// Leave removes the socket from rooms. A socket never leaves its own room.
func (s *Socket) Leave(rooms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rooms {
		if i, in := slices.BinarySearch(s.rooms, r); in {
			s.rooms = slices.Delete(s.rooms, i, i+1)
			s.nsp.adapter.Del(s, r)
		}
	}
}

// Emit sends an event to this socket. args is a JSON array of the arguments
// after the name (nil means none); attachments are binary arguments that
// args references with {"_placeholder":true,"num":N}.
func (s *Socket) Emit(event string, args []byte, attachments ...[]byte) error {
	msgs, err := encodeEvent(s.nsp.name, event, args, 0, false, attachments)
	if err != nil {
		return err
	}
	return s.send(msgs)
}

// EmitWithAck sends an event asking the client for an acknowledgement: fn
// receives the client's reply (args a view valid during the call), or
// ErrAckTimeout after timeout, or ErrNotConnected if the socket disconnects
// first. fn runs exactly once unless EmitWithAck returns an error.
func (s *Socket) EmitWithAck(event string, args []byte, attachments [][]byte, timeout time.Duration, fn func(args []byte, attachments [][]byte, err error)) error {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return ErrNotConnected
	}
	id := s.nextAck
	s.nextAck++
	msgs, err := encodeEvent(s.nsp.name, event, args, id, true, attachments)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	pa := &pendingAck{fn: fn}
	if s.acks == nil {
		s.acks = make(map[uint64]*pendingAck)
	}
	s.acks[id] = pa
	pa.timer = time.AfterFunc(timeout, func() {
		if s.takeAck(id) != nil {
			fn(nil, nil, ErrAckTimeout)
		}
	})
	if s.batch != nil {
		s.batch.hold(s.client, msgs)
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	if err := s.client.send(msgs...); err != nil {
		if s.takeAck(id) != nil {
			pa.timer.Stop()
			return err
		}
	}
	return nil
}

func (s *Socket) takeAck(id uint64) *pendingAck {
	s.mu.Lock()
	defer s.mu.Unlock()
	pa := s.acks[id]
	delete(s.acks, id)
	return pa
}

func (s *Socket) send(msgs []*engineio.Message) error {
	s.mu.Lock()
	switch {
	case !s.connected:
		s.mu.Unlock()
		return ErrNotConnected
	case s.batch != nil:
		s.batch.hold(s.client, msgs) // under s.mu: see Batch.Flush
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	return s.client.send(msgs...)
}

// Hold makes the packets that s's own methods send (Emit, EmitWithAck,
// the Ack of its events) wait in b until b.Flush. Broadcasts wait only
// when their operator holds b too (BroadcastOperator.Hold). Disconnect
// flushes b first, so that what was held reaches the client before the
// DISCONNECT.
func (s *Socket) Hold(b *Batch) {
	s.mu.Lock()
	s.batch = b
	s.mu.Unlock()
	b.mu.Lock()
	b.sockets = append(b.sockets, s)
	b.mu.Unlock()
}

// To returns an operator that emits to the members of rooms, except this socket.
func (s *Socket) To(rooms ...string) BroadcastOperator { return s.Broadcast().To(rooms...) }

// Except returns an operator that emits to the namespace, except this socket
// and the members of rooms.
func (s *Socket) Except(rooms ...string) BroadcastOperator { return s.Broadcast().Except(rooms...) }

// Broadcast returns an operator that emits to the namespace, except this
// socket: its own room is left out, as Socket.IO's socket.broadcast does.
func (s *Socket) Broadcast() BroadcastOperator {
	return BroadcastOperator{nsp: s.nsp, opts: BroadcastOptions{Except: []string{s.id}}}
}

// Disconnect sends the client a DISCONNECT for this namespace (its client will
// not reconnect on its own) and closes the socket with
// ReasonServerNamespaceDisconnect. With closeConn, every socket of the same
// connection is disconnected and the connection closed.
func (s *Socket) Disconnect(closeConn bool) {
	s.mu.Lock()
	b := s.batch
	s.mu.Unlock()
	if b != nil {
		b.Flush()
	}
	if !closeConn {
		s.disconnect(ReasonServerNamespaceDisconnect)
		return
	}
	s.client.disconnectAll(ReasonServerNamespaceDisconnect)
	s.client.sess.Close()
}

func (s *Socket) disconnect(reason string) {
	if s.Connected() {
		_ = s.client.send(encodeDisconnect(s.nsp.name))
	}
	s.onClose(reason)
}

func (s *Socket) onEvent(p Packet, atts [][]byte) {
	hooks := s.nsp.Hooks()
	if hooks.Event == nil {
		return
	}
	name, off, err := splitEvent(p.Data)
	if err != nil {
		return // DecodePacket already validated the payload
	}
	args := emptyArray
	if off >= 0 {
		p.Data[off] = '['
		args = p.Data[off:]
	}
	ev := &Event{Name: name, Args: args, Attachments: atts}
	if p.HasID {
		id := p.ID
		ev.Ack = func(args []byte, attachments ...[]byte) error { return s.ack(id, args, attachments) }
	}
	hooks.Event(s, ev)
}

var emptyArray = []byte("[]")

func (s *Socket) ack(id uint64, args []byte, atts [][]byte) error {
	args, err := checkArgs(args)
	if err != nil {
		return err
	}
	return s.send(packetMessages(appendAck(nil, s.nsp.name, id, args, len(atts)), atts))
}

func (s *Socket) onAck(p Packet, atts [][]byte) {
	if !p.HasID {
		return
	}
	pa := s.takeAck(p.ID)
	if pa == nil {
		return
	}
	pa.timer.Stop()
	pa.fn(p.Data, atts, nil)
}

// onClose disconnects the socket once: it leaves every room, pending acks
// fail with ErrNotConnected, and the Disconnect hook runs.
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		s.client.removeSocket(s)
		return
	}
	s.connected = false
	if len(s.rooms) > 0 {
		s.nsp.adapter.DelAll(s, s.rooms)
	}
	s.rooms = nil
	acks := s.acks
	s.acks = nil
	s.nsp.remove(s)
	s.mu.Unlock()
	s.client.removeSocket(s)
	for _, pa := range acks {
		pa.timer.Stop()
		pa.fn(nil, nil, ErrNotConnected)
	}
	if h := s.nsp.Hooks().Disconnect; h != nil {
		h(s, reason)
	}
}
