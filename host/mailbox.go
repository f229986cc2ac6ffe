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
// that exists only while jobs are queued. Its last job (finish) never waits
// for room: the socket's $disconnect must not queue behind a full mailbox,
// and may be queued from the mailbox's own goroutine (a handler that
// disconnects its socket).
type mailbox struct {
	mu      sync.Mutex
	notFull sync.Cond
	jobs    []func()
	final   func() // runs after jobs; set by finish
	done    bool   // finish was called: push refuses
	running bool
}

// push queues job, waiting while the mailbox is full. It returns false,
// without queueing, once finish was called.
func (m *mailbox) push(job func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.notFull.L == nil {
		m.notFull.L = &m.mu
	}
	for len(m.jobs) >= mailboxSize && !m.done {
		m.notFull.Wait()
	}
	if m.done {
		return false
	}
	m.jobs = append(m.jobs, job)
	m.start()
	return true
}

// finish queues job as the last one, after the queued jobs. It never
// waits, and every push after it is refused, so pushes waiting for room
// return. It reports false, dropping job, when called a second time.
func (m *mailbox) finish(job func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done {
		return false
	}
	m.done, m.final = true, job
	if m.notFull.L != nil {
		m.notFull.Broadcast()
	}
	m.start()
	return true
}

// start starts the mailbox's goroutine unless it runs; m.mu is held.
func (m *mailbox) start() {
	if !m.running {
		m.running = true
		go m.run()
	}
}

func (m *mailbox) run() {
	for {
		m.mu.Lock()
		var job func()
		switch {
		case len(m.jobs) > 0:
			job = m.jobs[0]
			m.jobs[0] = nil
			m.jobs = m.jobs[1:]
			if m.notFull.L != nil {
				m.notFull.Signal()
			}
		case m.final != nil:
			job, m.final = m.final, nil
		default:
			m.running = false
			m.mu.Unlock()
			return
		}
		m.mu.Unlock()
		job()
	}
}
