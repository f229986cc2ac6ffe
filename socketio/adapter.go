package socketio

import "github.com/wasmio/wasmio/engineio"

// Adapter is where a namespace's rooms live and where its broadcasts leave
// for their receivers, as in Socket.IO's own design: the namespace hands
// every join and leave, every broadcast and every "which sockets are in
// these rooms" question to its adapter. The memory adapter (the default)
// keeps rooms in this process; an adapter for a cluster would also publish
// each broadcast to the other nodes and deliver theirs.
//
// A socket's own room, named after its id, is implicit: it is never passed
// to AddAll or Del, yet an adapter selects the socket when a Broadcast or
// query names its id. Methods are called concurrently.
type Adapter interface {
	// AddAll adds s to rooms.
	AddAll(s *Socket, rooms []string)
	// Del removes s from room.
	Del(s *Socket, room string)
	// DelAll removes s, which is disconnecting, from rooms: every room it joined.
	DelAll(s *Socket, rooms []string)
	// Broadcast queues b for its receivers, calling b.Deliver for each of
	// this process, and returns how many it was queued for.
	Broadcast(b *Broadcast) int
	// SocketIDs returns the ids of this process's sockets that opts selects.
	SocketIDs(opts BroadcastOptions) []string
	// Rooms returns the rooms that have members in this process.
	Rooms() []string
	// Close releases the adapter.
	Close() error
}

// NewAdapter makes the adapter of namespace n. Config.Adapter takes one.
type NewAdapter func(n *Namespace) Adapter

// BroadcastOptions selects the receivers of a broadcast, as Socket.IO's
// adapters receive them: the members of any of Rooms (every socket of the
// namespace when Rooms is empty), minus the members of any of Except. A
// socket's own id names its own room, so a socket that broadcasts to
// others is in Except.
type BroadcastOptions struct {
	Rooms  []string
	Except []string
}

// Broadcast is one event on its way to the sockets its Options select.
// Its fields must not be modified once it is handed to an Adapter.
type Broadcast struct {
	// Event is the event name; Args the JSON array of its arguments ("[]"
	// for none), which reference Attachments as {"_placeholder":true,"num":N}.
	Event       string
	Args        []byte
	Attachments [][]byte
	// Options selects the receivers.
	Options BroadcastOptions

	msgs  []*engineio.Message
	batch *Batch
}

// Deliver queues the broadcast for s, one of its receivers in this
// process, or holds it in the batch of the operator that made it.
func (b *Broadcast) Deliver(s *Socket) error {
	if b.batch != nil {
		b.batch.hold(s.client, b.msgs)
		return nil
	}
	return s.client.send(b.msgs...)
}

// Messages returns the broadcast's Engine.IO messages, encoded once and
// shared by every receiver: the packet, then one binary message per
// attachment.
func (b *Broadcast) Messages() []*engineio.Message { return b.msgs }
