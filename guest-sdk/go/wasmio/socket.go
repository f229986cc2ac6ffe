package wasmio

import (
	"encoding/json"
	"slices"
	"time"
)

// Socket is the client socket that sent the event, in the event's
// namespace. Its effects (emits, joins, a disconnect...) take effect only
// when the handler succeeds.
type Socket struct{ r *run }

// ID returns the socket's id, which is also the name of its own room.
func (s *Socket) ID() string { return s.r.str(abiFieldSocketID) }

// Rooms returns the rooms the socket is in, its own id first: those it was
// in when the event started, updated by this handler's Join and Leave.
func (s *Socket) Rooms() []string { return slices.Clone(s.rooms()) }

func (s *Socket) rooms() []string {
	if !s.r.haveRoom {
		if json.Unmarshal(s.r.field(abiFieldRooms), &s.r.rooms) != nil || len(s.r.rooms) == 0 {
			s.r.rooms = []string{s.ID()}
		}
		s.r.haveRoom = true
	}
	return s.r.rooms
}

// InRoom reports whether the socket is in room (see Rooms).
func (s *Socket) InRoom(room string) bool { return slices.Contains(s.rooms(), room) }

// Join adds the socket to rooms, like socket.join(rooms), in order. Later
// emits of the handler see the change. It stops at the first invalid room
// (ErrInvalid: empty, or containing NUL); the rooms before it stay joined
// if the handler succeeds.
func (s *Socket) Join(rooms ...string) error {
	for _, room := range rooms {
		if err := checkRoom(room); err != nil {
			return err
		}
		if err := codeError(sysJoin(room)); err != nil {
			return err
		}
		if !slices.Contains(s.rooms(), room) {
			s.r.rooms = append(s.r.rooms, room)
		}
	}
	return nil
}

// Leave removes the socket from rooms, in order, stopping at the first
// invalid one like Join. Leaving its own room does nothing.
func (s *Socket) Leave(rooms ...string) error {
	for _, room := range rooms {
		if err := checkRoom(room); err != nil {
			return err
		}
		if err := codeError(sysLeave(room)); err != nil {
			return err
		}
		if room != s.ID() {
			s.r.rooms = slices.DeleteFunc(s.rooms(), func(r string) bool { return r == room })
		}
	}
	return nil
}

// Emit sends event with args to this socket only, like socket.emit.
// Each argument is encoded as JSON (see Raw), except a top-level Binary or
// []byte, which is sent as a binary attachment.
func (s *Socket) Emit(event string, args ...any) error {
	return emit(abiEmitSelf, nil, nil, event, args)
}

// EmitWithAck sends event with args to this socket only and asks its
// client for an acknowledgement, like socket.timeout(timeout).emit(event,
// ...args, callback). The answer comes to a later run, since this one is
// over by then: once the handler has succeeded, the host runs the $ack
// handler (OnAck) when the client answers, when timeout passes without an
// answer (zero means 10s; at most 10 minutes) or when the socket
// disconnects first, with tag (at most 1024 bytes) as Event.AckTag, to tell
// what the answer is for. Arguments are encoded as for Emit. It returns
// ErrState when no answer can come (in $disconnect, in a $ack whose socket
// disconnected) or when the socket already awaits 1024 acks.
func (s *Socket) EmitWithAck(tag string, timeout time.Duration, event string, args ...any) error {
	ms, err := ackTimeout(timeout)
	if err != nil {
		return err
	}
	data, atts, err := encodeArgs(args)
	if err != nil {
		return err
	}
	if err := stage(atts); err != nil {
		return err
	}
	return codeError(sysEmitAck(tag, ms, event, data))
}

// To selects the sockets in rooms, except this one, like socket.to(room).
func (s *Socket) To(rooms ...string) *Operator { return s.Broadcast().To(rooms...) }

// Except selects every socket of the namespace but those in rooms and this
// one, like socket.except(room).
func (s *Socket) Except(rooms ...string) *Operator { return s.Broadcast().Except(rooms...) }

// Broadcast selects every socket of the namespace except this one, like
// socket.broadcast.
func (s *Socket) Broadcast() *Operator { return &Operator{mode: abiEmitBroadcast} }

// Disconnect disconnects the socket from the namespace once the handler's
// other effects are applied; with closeConn the whole connection closes,
// including the socket's other namespaces. The client does not reconnect
// by itself. A second Disconnect in the same handler returns ErrState.
func (s *Socket) Disconnect(closeConn bool) error {
	var c int32
	if closeConn {
		c = 1
	}
	return codeError(sysDisconnect(c))
}

// Reject refuses the connection in a $connect handler (ErrState
// elsewhere, and when the handler already rejected it): the client's
// connect_error listener receives an Error with message and with data
// encoded as JSON (nil for none). The handler's other effects, except
// key-value writes, are dropped.
func (s *Socket) Reject(message string, data any) error {
	var b []byte
	if data != nil {
		var err error
		if b, err = marshal(data); err != nil {
			return err
		}
	}
	return codeError(sysReject(message, b))
}

// Handshake returns the details of the socket's connection.
func (s *Socket) Handshake() *Handshake { return &Handshake{r: s.r} }

// Data returns the socket's own key-value scope, which replaces Socket.IO's
// socket.data: it survives between the socket's events and is deleted after
// its $disconnect handler has run.
func (s *Socket) Data() KV { return KV{scope: abiScopeSocket} }

// Namespace returns the socket's namespace, to emit to all of its sockets
// (this one included) and to reach its key-value store. It is the only
// namespace a handler can reach.
func (s *Socket) Namespace() *Namespace { return &Namespace{r: s.r} }

// Namespace is the event's namespace, like io.of(name) in Socket.IO.
type Namespace struct{ r *run }

// Name returns the namespace's name, like "/" or "/chat".
func (n *Namespace) Name() string { return n.r.str(abiFieldNamespace) }

// To selects the sockets in rooms, this one included when it is in them,
// like io.to(room).
func (n *Namespace) To(rooms ...string) *Operator {
	return (&Operator{mode: abiEmitNamespace}).To(rooms...)
}

// Except selects every socket of the namespace but those in rooms, like
// io.except(room).
func (n *Namespace) Except(rooms ...string) *Operator {
	return (&Operator{mode: abiEmitNamespace}).Except(rooms...)
}

// Emit sends event with args to every socket of the namespace, this one
// included, like io.emit. Arguments are encoded as for Socket.Emit.
func (n *Namespace) Emit(event string, args ...any) error {
	return emit(abiEmitNamespace, nil, nil, event, args)
}

// KV returns the namespace's key-value scope, shared by every socket of
// the namespace and kept across connections and restarts.
func (n *Namespace) KV() KV { return KV{scope: abiScopeNamespace} }
