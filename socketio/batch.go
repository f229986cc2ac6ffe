package socketio

import (
	"sync"

	"github.com/wasmio/wasmio/engineio"
)

// Batch holds packets until Flush, so that several operations select their
// receivers before any client can react to one of them. A Node handler's
// synchronous emits, joins and leaves complete before the next packet is
// read; without a batch, a handler that confirms a join to its socket and
// then tells the room could tell a socket that joined the room in answer
// to the confirmation. Held packets leave in the order they were held.
//
// The zero value is ready to use. Its methods are safe for concurrent use;
// after Flush it is empty and may be used again.
type Batch struct {
	mu      sync.Mutex
	held    []heldSend
	sockets []*Socket
}

type heldSend struct {
	c    *client
	msgs []*engineio.Message
}

func (b *Batch) hold(c *client, msgs []*engineio.Message) {
	b.mu.Lock()
	b.held = append(b.held, heldSend{c, msgs})
	b.mu.Unlock()
}

// Flush releases the sockets held with Socket.Hold and sends what b holds.
// A receiver whose connection closed meanwhile is skipped, as a broadcast
// skips it.
func (b *Batch) Flush() {
	b.mu.Lock()
	sockets := b.sockets
	b.sockets = nil
	b.mu.Unlock()
	// Release first: a socket holds under its lock, so whatever it held
	// before its release is taken below.
	for _, s := range sockets {
		s.mu.Lock()
		if s.batch == b {
			s.batch = nil
		}
		s.mu.Unlock()
	}
	b.mu.Lock()
	held := b.held
	b.held = nil
	b.mu.Unlock()
	for _, h := range held {
		_ = h.c.send(h.msgs...)
	}
}
