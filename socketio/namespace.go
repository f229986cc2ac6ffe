package socketio

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/internal/shardmap"
)

// Namespace is a served namespace: its connected sockets and their rooms.
// Its methods are safe for concurrent use.
type Namespace struct {
	name    string
	srv     *Server
	hooks   atomic.Pointer[Hooks]
	rooms   *roomIndex
	sockets *shardmap.Map[*Socket]
}

func newNamespace(s *Server, name string, hooks Hooks) *Namespace {
	n := &Namespace{name: name, srv: s, rooms: newRoomIndex(), sockets: shardmap.New[*Socket]()}
	n.hooks.Store(&hooks)
	return n
}

// Name returns the namespace's name, like "/" or "/chat".
func (n *Namespace) Name() string { return n.name }

// Hooks returns the namespace's current hooks.
func (n *Namespace) Hooks() Hooks { return *n.hooks.Load() }

// SetHooks replaces the namespace's hooks; calls already running finish with
// the old ones, connected sockets stay connected.
func (n *Namespace) SetHooks(h Hooks) { n.hooks.Store(&h) }

// Len returns the number of connected sockets.
func (n *Namespace) Len() int { return n.sockets.Len() }

func (n *Namespace) add(s *Socket)    { n.sockets.Set(s.id, s) }
func (n *Namespace) remove(s *Socket) { n.sockets.Delete(s.id) }

// Socket returns the connected socket with the given id, or nil.
func (n *Namespace) Socket(id string) *Socket {
	s, _ := n.sockets.Get(id)
	return s
}

// Rooms returns the names of the rooms sockets joined, sorted. The implicit
// room of each socket's own id is not listed.
func (n *Namespace) Rooms() []string {
	out := n.rooms.names()
	sort.Strings(out)
	return out
}

// RoomMembers returns the ids of the sockets in room, sorted; for a socket
// id that includes the socket itself.
func (n *Namespace) RoomMembers(room string) []string {
	members := n.appendRoom(nil, room)
	out := make([]string, len(members))
	for i, s := range members {
		out[i] = s.id
	}
	sort.Strings(out)
	return out
}

// appendRoom appends the members of room, including the socket whose id it
// is, to dst.
func (n *Namespace) appendRoom(dst []*Socket, room string) []*Socket {
	dst = n.rooms.appendMembers(dst, room)
	if s := n.Socket(room); s != nil {
		dst = append(dst, s)
	}
	return dst
}

func (n *Namespace) appendAll(dst []*Socket) []*Socket { return n.sockets.AppendValues(dst) }

// To returns an operator that emits to the members of rooms, the sender
// included when it is a member.
func (n *Namespace) To(rooms ...string) BroadcastOperator {
	return BroadcastOperator{nsp: n}.To(rooms...)
}

// Except returns an operator that emits to the namespace except the members
// of rooms.
func (n *Namespace) Except(rooms ...string) BroadcastOperator {
	return BroadcastOperator{nsp: n}.Except(rooms...)
}

// Emit sends an event to every socket of the namespace and returns how many
// it was queued for.
func (n *Namespace) Emit(event string, args []byte, attachments ...[]byte) (int, error) {
	return BroadcastOperator{nsp: n}.Emit(event, args, attachments...)
}

var socketsPool = sync.Pool{New: func() any { s := make([]*Socket, 0, 1024); return &s }}

// BroadcastOperator selects the receivers of a broadcast: the union of the
// To rooms (the whole namespace when there are none), minus every member of
// an Except room, minus the sending socket when it was made from one. It is
// a value: To and Except return extended copies.
type BroadcastOperator struct {
	nsp     *Namespace
	rooms   []string
	except  []string
	exclude *Socket
}

// To adds rooms to the receivers.
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	b.rooms = append(b.rooms[:len(b.rooms):len(b.rooms)], rooms...)
	return b
}

// Except removes the members of rooms from the receivers.
func (b BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	b.except = append(b.except[:len(b.except):len(b.except)], rooms...)
	return b
}

// Emit encodes the event once and queues it for every receiver; it returns
// how many receivers there were. A receiver that cannot keep up is
// disconnected (engineio.ReasonSlowConsumer) rather than slowing the others.
func (b BroadcastOperator) Emit(event string, args []byte, attachments ...[]byte) (int, error) {
	msgs, err := encodeEvent(b.nsp.name, event, args, 0, false, attachments)
	if err != nil {
		return 0, err
	}
	n := 0
	b.each(func(s *Socket) {
		if s.client.send(msgs...) == nil {
			n++
		}
	})
	return n, nil
}

// SocketIDs returns the ids of the receivers, sorted.
func (b BroadcastOperator) SocketIDs() []string {
	var out []string
	b.each(func(s *Socket) { out = append(out, s.id) })
	sort.Strings(out)
	return out
}

// each calls fn once for every receiver. Members are copied out of the index
// first so that no lock is held while queueing.
func (b BroadcastOperator) each(fn func(*Socket)) {
	bp := socketsPool.Get().(*[]*Socket)
	targets := (*bp)[:0]
	if len(b.rooms) == 0 {
		targets = b.nsp.appendAll(targets)
	} else {
		for _, r := range b.rooms {
			targets = b.nsp.appendRoom(targets, r)
		}
	}
	var skip map[*Socket]struct{}
	if len(b.rooms) > 1 || len(b.except) > 0 {
		skip = make(map[*Socket]struct{})
		var ex []*Socket
		for _, r := range b.except {
			ex = b.nsp.appendRoom(ex, r)
		}
		for _, s := range ex {
			skip[s] = struct{}{}
		}
	}
	for _, s := range targets {
		if s == b.exclude {
			continue
		}
		if skip != nil {
			if _, ok := skip[s]; ok {
				continue
			}
			if len(b.rooms) > 1 {
				skip[s] = struct{}{} // deliver once across overlapping rooms
			}
		}
		fn(s)
	}
	clear(targets)
	*bp = targets[:0]
	socketsPool.Put(bp)
}

// encodeEvent builds an event's Engine.IO messages, encoded once for every
// receiver: the packet, then one binary message per attachment.
func encodeEvent(nsp, event string, args []byte, id uint64, hasID bool, atts [][]byte) ([]*engineio.Message, error) {
	if reservedEvents[event] {
		return nil, ErrReservedEvent
	}
	args, err := checkArgs(args)
	if err != nil {
		return nil, err
	}
	return packetMessages(appendEvent(make([]byte, 0, len(args)+len(event)+len(nsp)+8), nsp, event, args, len(atts), id, hasID), atts), nil
}

func packetMessages(header []byte, atts [][]byte) []*engineio.Message {
	msgs := make([]*engineio.Message, 1, 1+len(atts))
	msgs[0] = engineio.NewMessage(header, false)
	for _, a := range atts {
		msgs = append(msgs, engineio.NewMessage(a, true))
	}
	return msgs
}

func encodeConnect(nsp, sid string) *engineio.Message {
	b := appendHeader(nil, PacketConnect, nsp, 0, 0, false)
	b = append(b, `{"sid":`...)
	b = appendJSONString(b, sid)
	return engineio.NewMessage(append(b, '}'), false)
}

func encodeConnectError(nsp, message string, data []byte) *engineio.Message {
	b := appendHeader(nil, PacketConnectError, nsp, 0, 0, false)
	b = append(b, `{"message":`...)
	b = appendJSONString(b, message)
	if len(data) > 0 {
		b = append(b, `,"data":`...)
		b = append(b, data...)
	}
	return engineio.NewMessage(append(b, '}'), false)
}

func encodeDisconnect(nsp string) *engineio.Message {
	return engineio.NewMessage(appendHeader(nil, PacketDisconnect, nsp, 0, 0, false), false)
}
