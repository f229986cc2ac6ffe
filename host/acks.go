package host

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/socketio"
)

// A handler's emit_ack is answered by a later run of $ack on the same
// socket's mailbox. Answers and timeouts come from the reader and timer
// goroutines, which may queue a job; a disconnect may come from the
// socket's own mailbox goroutine (a handler's disconnect effect), which must
// never wait for room in its own mailbox, so those answers wait in the
// ackState for the $disconnect job, which runs every $ack left before
// $disconnect.

// ackResult is the outcome of one emit_ack: the client's answer, or why
// there is none.
type ackResult struct {
	seq  uint64 // emission order
	tag  string
	args []byte   // the answer's JSON array, owned
	atts [][]byte // its binary arguments
	err  string   // "", abi.AckErrorTimeout or abi.AckErrorDisconnected
}

// ackState is a socket's emit_acks from their emission until their $ack
// starts. The zero value is ready to use.
type ackState struct {
	mu      sync.Mutex
	waiting int         // emitted, $ack not started: at most abi.MaxPendingAcks
	seq     uint64      // emit_acks so far
	ready   []ackResult // answers and timeouts, in arrival order; a job is queued for each
	orphans []ackResult // acks the disconnect ended, for the $disconnect job
	closed  bool        // the $disconnect job took the results: later ones are dropped
}

// slots returns how many emit_acks a run of s may make now: none once the
// socket is gone (no client could answer).
func (a *ackState) slots(s *socketio.Socket) int {
	connected := s.Connected()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || !connected {
		return 0
	}
	return abi.MaxPendingAcks - a.waiting
}

// emitted counts one more emit_ack and returns its sequence number.
func (a *ackState) emitted() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.waiting++
	a.seq++
	return a.seq
}

// add keeps r in list (ready or orphans) for its $ack; it reports false,
// dropping r, once the $disconnect job has run.
func (a *ackState) add(list *[]ackResult, r ackResult) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		a.waiting--
		return false
	}
	*list = append(*list, r)
	return true
}

// next takes the oldest answer or timeout; false when the $disconnect job
// took it.
func (a *ackState) next() (ackResult, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.ready) == 0 {
		return ackResult{}, false
	}
	r := a.ready[0]
	a.ready[0] = ackResult{}
	a.ready = a.ready[1:]
	a.waiting--
	return r, true
}

// close takes every result left for the $disconnect job: the answers and
// timeouts in arrival order, then the disconnected acks in emission order.
func (a *ackState) close() []ackResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	slices.SortFunc(a.orphans, func(x, y ackResult) int { return cmp.Compare(x.seq, y.seq) })
	out := append(a.ready, a.orphans...)
	a.ready, a.orphans = nil, nil
	a.waiting -= len(out)
	return out
}

// emitAck applies an emit_ack effect: the client's answer, or the timeout,
// becomes a $ack run on the socket's mailbox.
func (h *Host) emitAck(p *atomic.Pointer[namespace], s *socketio.Socket, op *sandbox.Op) {
	a := &state(s).acks
	r := ackResult{seq: a.emitted(), tag: op.Tag}
	orphan := func() {
		r.err = abi.AckErrorDisconnected
		if !a.add(&a.orphans, r) {
			h.log.Debug("dropping an ack: the socket's $disconnect already ran", "namespace", s.Namespace().Name(), "socket", s.ID(), "tag", r.tag)
		}
	}
	err := s.EmitWithAck(op.Event, op.Args, op.Attachments, op.Timeout, func(args []byte, atts [][]byte, err error) {
		switch {
		case err == nil:
			r.args, r.atts = bytes.Clone(args), atts
		case errors.Is(err, socketio.ErrAckTimeout):
			r.err = abi.AckErrorTimeout
		default:
			orphan() // this may be the socket's mailbox goroutine: no job
			return
		}
		if a.add(&a.ready, r) {
			h.enqueue(s, func() { h.deliverAck(p, s) })
		}
	})
	if err != nil {
		orphan() // every send error closes the socket: its $disconnect job follows
	}
}

// deliverAck runs $ack for the socket's oldest answer, unless the
// $disconnect job already did.
func (h *Host) deliverAck(p *atomic.Pointer[namespace], s *socketio.Socket) {
	r, ok := state(s).acks.next()
	if !ok {
		return
	}
	n := h.acquire(p)
	defer h.release(n)
	h.runAck(p, n, s, r)
}

// runAck runs the $ack handler for r.
func (h *Host) runAck(p *atomic.Pointer[namespace], n *namespace, s *socketio.Socket, r ackResult) {
	if n.module(abi.EventAck) == nil {
		h.log.Debug("dropping an ack: no module handles $ack", "namespace", n.path, "socket", s.ID(), "tag", r.tag)
		return
	}
	ev := h.event(s, abi.EventAck, r.args, r.atts, false)
	ev.AckTag, ev.AckError = r.tag, r.err
	h.handle(p, n, s, ev, nil)
}

// Answers the host sends a client awaiting an ack when the handler cannot,
// unless the namespace's failed_ack is "silent".
var (
	failedAck   = []byte(`[{"error":"handler failed"}]`)
	reservedAck = []byte(`[{"error":"reserved event"}]`)
)

// answerFor answers a client's ack with args on the handler's behalf.
func (h *Host) answerFor(n *namespace, s *socketio.Socket, ack func([]byte, ...[]byte) error, args []byte) {
	if n.conf.FailedAck == config.FailedAckSilent {
		return
	}
	if err := ack(args); err != nil && !errors.Is(err, socketio.ErrNotConnected) {
		h.log.Warn("answering an ack failed", "namespace", n.path, "socket", s.ID(), "reason", err)
	}
}
