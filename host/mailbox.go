package host

import (
	"context"
	"sync"

	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/socketio"
)

// jobCounter counts work the host must finish before it shuts down. Unlike
// a sync.WaitGroup, it may go up while someone waits.
type jobCounter struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to zero
}

func (c *jobCounter) add() {
	c.mu.Lock()
	if c.n == 0 {
		c.zero = make(chan struct{})
	}
	c.n++
	c.mu.Unlock()
}

func (c *jobCounter) done() {
	c.mu.Lock()
	c.n--
	if c.n == 0 {
		close(c.zero)
	}
	c.mu.Unlock()
}

func (c *jobCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// wait returns once no job is left, or ctx's error.
func (c *jobCounter) wait(ctx context.Context) error {
	for {
		c.mu.Lock()
		n, zero := c.n, c.zero
		c.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-zero:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// socketState is the host's per-socket state, attached to the socket.
type socketState struct {
	hs      *sandbox.Handshake
	mailbox mailbox
	pending *sandbox.Effects // $connect's effects, applied once connected
	acks    ackState         // emit_acks awaiting their $ack (acks.go)
}

func state(s *socketio.Socket) *socketState { return s.UserData().(*socketState) }

// mailboxSize bounds a socket's queued events; a client sending faster
// than its handlers run is slowed down by its reader blocking, not by
// unbounded memory.
const mailboxSize = 256

// mailbox runs one socket's jobs in order, one at a time, on a goroutine
// that exists only while jobs are queued.
type mailbox struct {
	mu      sync.Mutex
	notFull sync.Cond
	jobs    []func()
	running bool
}

func (m *mailbox) push(job func()) {
	m.mu.Lock()
	if m.notFull.L == nil {
		m.notFull.L = &m.mu
	}
	for len(m.jobs) >= mailboxSize {
		m.notFull.Wait()
	}
	m.jobs = append(m.jobs, job)
	if !m.running {
		m.running = true
		go m.run()
	}
	m.mu.Unlock()
}

func (m *mailbox) run() {
	for {
		m.mu.Lock()
		if len(m.jobs) == 0 {
			m.running = false
			m.mu.Unlock()
			return
		}
		job := m.jobs[0]
		m.jobs[0] = nil
		m.jobs = m.jobs[1:]
		if m.notFull.L != nil {
			m.notFull.Signal()
		}
		m.mu.Unlock()
		job()
	}
}
