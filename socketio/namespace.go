package socketio

import (
	"sort"
	"sync/atomic"

	"github.com/wasmio/wasmio/internal/shardmap"
)

// Namespace is a served namespace: its connected sockets, and its Adapter,
// which holds their rooms and carries their broadcasts. Its methods are
// safe for concurrent use.
type Namespace struct {
	name    string
	srv     *Server
	hooks   atomic.Pointer[Hooks]
	adapter Adapter
	sockets *shardmap.Map[*Socket]
}

func newNamespace(s *Server, name string, hooks Hooks) *Namespace {
	n := &Namespace{name: name, srv: s, sockets: shardmap.New[*Socket]()}
	n.adapter = s.newAdapter(n)
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

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

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
	out := n.adapter.Rooms()
	sort.Strings(out)
	return out
}

// RoomMembers returns the ids of the sockets in room, sorted; for a socket
// id that includes the socket itself.
func (n *Namespace) RoomMembers(room string) []string {
	return n.To(room).SocketIDs()
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

// BroadcastOperator selects the receivers of a broadcast: the union of the
// To rooms (the whole namespace when there are none), minus every member of
// an Except room; an operator made from a socket leaves that socket out
// (its own room is in Except). It is a value: To and Except return extended
// copies.
type BroadcastOperator struct {
	nsp   *Namespace
	opts  BroadcastOptions
	batch *Batch
}

// Hold makes the packets of the operator's emits to this process's
// receivers wait in b until b.Flush; a nil b sends them at once.
func (b BroadcastOperator) Hold(batch *Batch) BroadcastOperator {
	b.batch = batch
	return b
}

// To adds rooms to the receivers.
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	b.opts.Rooms = append(b.opts.Rooms[:len(b.opts.Rooms):len(b.opts.Rooms)], rooms...)
	return b
}

// Except removes the members of rooms from the receivers.
func (b BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	b.opts.Except = append(b.opts.Except[:len(b.opts.Except):len(b.opts.Except)], rooms...)
	return b
}

// Emit encodes the event once and hands it to the namespace's adapter,
// which queues it for every receiver; it returns how many receivers of this
// process there were. A receiver that cannot keep up is disconnected
// (engineio.ReasonSlowConsumer) rather than slowing the others.
func (b BroadcastOperator) Emit(event string, args []byte, attachments ...[]byte) (int, error) {
	args, err := checkArgs(args)
	if err != nil {
		return 0, err
	}
	msgs, err := encodeEvent(b.nsp.name, event, args, 0, false, attachments)
	if err != nil {
		return 0, err
	}
	return b.nsp.adapter.Broadcast(&Broadcast{Event: event, Args: args, Attachments: attachments, Options: b.opts, msgs: msgs, batch: b.batch}), nil
}

// SocketIDs returns the ids of the receivers in this process, sorted.
func (b BroadcastOperator) SocketIDs() []string {
	out := b.nsp.adapter.SocketIDs(b.opts)
	sort.Strings(out)
	return out
}
