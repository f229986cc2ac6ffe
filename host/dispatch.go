package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/auth"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/socketio"
)

// hooks wires a namespace's Socket.IO events to its handlers. The namespace
// is acquired at each event, so a reload applies to the next event while
// the running ones finish on the version they started on.
func (h *Host) hooks(p *atomic.Pointer[namespace]) socketio.Hooks {
	return socketio.Hooks{
		Connect: func(s *socketio.Socket) error {
			h.jobs.add()
			defer h.jobs.done()
			n := h.acquire(p)
			defer h.release(n)
			return h.connect(n, s)
		},
		Connected: func(s *socketio.Socket) {
			st := state(s)
			if st.pending != nil {
				h.apply(p, s, nil, st.pending)
				st.pending = nil
			}
		},
		Event: func(s *socketio.Socket, e *socketio.Event) {
			if reservedEvent(e.Name) {
				h.log.Debug("ignoring a client event with a reserved name", "namespace", s.Namespace().Name(), "socket", s.ID(), "event", e.Name)
				if e.Ack != nil {
					h.answerFor(p.Load(), s, e.Ack, reservedAck)
				}
				return
			}
			ev := h.event(s, e.Name, bytes.Clone(e.Args), e.Attachments, e.Ack != nil)
			ack := e.Ack
			h.enqueue(s, func() {
				n := h.acquire(p)
				defer h.release(n)
				h.handle(p, n, s, ev, ack)
			})
		},
		Disconnect: func(s *socketio.Socket, reason string) {
			args, _ := json.Marshal([]string{reason})
			ev := h.event(s, abi.EventDisconnect, args, nil, false)
			// The socket's last job, after its queued events (which the
			// host skips once it is stopping, so that every $disconnect
			// runs within the shutdown's budget).
			h.jobs.add()
			ok := state(s).mailbox.finish(func() {
				defer h.jobs.done()
				n := h.acquire(p)
				// The socket's acks still unanswered end before it does.
				for _, r := range state(s).acks.close() {
					h.runAck(p, n, s, r)
				}
				h.handle(p, n, s, ev, nil)
				h.release(n)
				h.dropSocketScope(n.path, s.ID())
			})
			if !ok {
				h.dropJob()
			}
		},
	}
}

// enqueue queues a job on the socket's mailbox, counted until it has run.
// A job for a socket that is gone (its $disconnect queued) is dropped, and
// so is a job that would start once the host is stopping.
func (h *Host) enqueue(s *socketio.Socket, job func()) {
	h.jobs.add()
	ok := state(s).mailbox.push(func() {
		defer h.jobs.done()
		if h.stopping.Load() {
			h.droppedJobs.Add(1)
			return
		}
		job()
	})
	if !ok {
		h.dropJob()
	}
}

// dropJob accounts for a job a mailbox refused: counted by enqueue or the
// Disconnect hook, it will never run.
func (h *Host) dropJob() {
	h.jobs.done()
	h.droppedJobs.Add(1)
}

// connect authenticates the client, then runs $connect; an error rejects
// the connection with its message.
func (h *Host) connect(n *namespace, s *socketio.Socket) error {
	hs := s.Handshake()
	var claims []byte
	if n.auth != nil {
		res, err := n.auth.Authenticate(auth.Request{Auth: hs.Auth, Headers: hs.Headers(), Now: h.clock()})
		if err != nil {
			h.log.Info("connection refused", "namespace", n.path, "address", hs.Address, "reason", err)
			return &socketio.ConnectError{Message: err.Error()}
		}
		claims = res.Claims
	}
	headers := func() map[string][]string { return hs.Headers() }
	query := func() map[string][]string { return hs.Query() }
	st := &socketState{hs: sandbox.NewHandshake(headers, query, hs.Auth, claims, hs.Address, hs.Time)}
	s.SetUserData(st)
	m := n.module(abi.EventConnect)
	if m == nil {
		return nil
	}
	ev := h.event(s, abi.EventConnect, nil, nil, false)
	ev.AckSlots = abi.MaxPendingAcks // the socket awaits nothing yet
	eff, err := h.runner.Connect(h.runs, m, ev)
	switch {
	case eff == nil:
		h.logFailure(m, ev, err)
		return &socketio.ConnectError{Message: "handler failed"}
	case err != nil: // the rejection stands
		h.log.Warn("dropping a socket's key-value scope failed", "namespace", ev.Namespace, "socket", ev.SocketID, "reason", err)
	}
	if r := eff.Reject; r != nil {
		return &socketio.ConnectError{Message: r.Message, Data: r.Data}
	}
	st.pending = eff
	return nil
}

// event builds the sandbox event of a socket, as received now; handle
// fills in the rooms when it runs, after the events before it.
func (h *Host) event(s *socketio.Socket, name string, args []byte, atts [][]byte, wantsAck bool) *sandbox.Event {
	return &sandbox.Event{Name: name, Namespace: s.Namespace().Name(), SocketID: s.ID(), Args: args,
		Attachments: atts, Rooms: s.Rooms(), Handshake: state(s).hs, Time: h.clock(), WantsAck: wantsAck}
}

// handle runs an event's handler and applies its effects. When the run
// fails, a client awaiting an ack (ack non-nil) gets failedAck.
func (h *Host) handle(p *atomic.Pointer[namespace], n *namespace, s *socketio.Socket, ev *sandbox.Event, ack func([]byte, ...[]byte) error) {
	m := n.module(ev.Name)
	if m == nil {
		return
	}
	ev.Rooms = s.Rooms()
	ev.AckSlots = state(s).acks.slots(s)
	eff, err := h.run(m, ev)
	if err != nil {
		if ack != nil && !h.stopping.Load() {
			h.answerFor(n, s, ack, failedAck)
		}
		return
	}
	h.apply(p, s, ack, eff)
}

// run runs a handler as one transaction (package txn). Once the host is
// stopping, an ordinary event's run ends (nothing of it applies, as if it
// had been skipped in the mailbox); a socket's $disconnect and the $acks
// its end answers still run.
func (h *Host) run(m *sandbox.Module, ev *sandbox.Event) (*sandbox.Effects, error) {
	ctx := h.runs
	if ev.Name == abi.EventDisconnect || ev.AckError == abi.AckErrorDisconnected {
		ctx = context.Background()
	}
	eff, err := h.runner.Run(ctx, m, ev)
	switch {
	case err != nil && ctx.Err() != nil:
		h.droppedJobs.Add(1)
	case err != nil:
		h.logFailure(m, ev, err)
	}
	return eff, err
}

func (h *Host) logFailure(m *sandbox.Module, ev *sandbox.Event, err error) {
	h.log.Warn("handler failed", "namespace", ev.Namespace, "event", ev.Name, "socket", ev.SocketID,
		"module", m.Name(), "reason", err)
}

// apply carries out a successful run's effects in txn.Apply's order. When
// there are several, their packets wait in a batch until all have applied,
// as a Node handler's synchronous calls do: no client can react to one
// (join a room on the socket's confirmation, say) before a later one has
// selected its receivers.
func (h *Host) apply(p *atomic.Pointer[namespace], s *socketio.Socket, ack func([]byte, ...[]byte) error, eff *sandbox.Effects) {
	var b *socketio.Batch
	if len(eff.Ops) > 1 {
		b = new(socketio.Batch)
		s.Hold(b)
		defer b.Flush()
	}
	txn.Apply(eff, func(op *sandbox.Op) {
		var err error
		switch op.Kind {
		case sandbox.OpEmit:
			err = emit(s, op, b)
		case sandbox.OpEmitAck:
			h.emitAck(p, s, op)
		case sandbox.OpAck:
			if ack != nil {
				err = ack(op.Args, op.Attachments...)
			}
		case sandbox.OpJoin:
			s.Join(op.Room)
		case sandbox.OpLeave:
			s.Leave(op.Room)
		case sandbox.OpDisconnect:
			s.Disconnect(op.Close)
		}
		if err != nil && !errors.Is(err, socketio.ErrNotConnected) {
			h.log.Warn("effect failed", "namespace", s.Namespace().Name(), "socket", s.ID(), "effect", op.Kind, "reason", err)
		}
	})
}

// emit sends an emit effect; b, when not nil, holds its packets.
func emit(s *socketio.Socket, op *sandbox.Op, b *socketio.Batch) error {
	switch op.Mode {
	case abi.EmitSelf:
		return s.Emit(op.Event, op.Args, op.Attachments...)
	case abi.EmitBroadcast:
		_, err := s.Broadcast().To(op.To...).Except(op.Except...).Hold(b).Emit(op.Event, op.Args, op.Attachments...)
		return err
	default:
		_, err := s.Namespace().To(op.To...).Except(op.Except...).Hold(b).Emit(op.Event, op.Args, op.Attachments...)
		return err
	}
}

// dropSocketScope deletes a socket's key-value scope.
func (h *Host) dropSocketScope(ns, sid string) {
	if err := h.runner.DropSocket(context.Background(), ns, sid); err != nil {
		h.log.Warn("dropping a socket's key-value scope failed", "namespace", ns, "socket", sid, "reason", err)
	}
}

// describeAuth summarizes a namespace's authentication for the banner.
func describeAuth(c *auth.Config) string {
	var methods []string
	if c.APIKey != nil {
		methods = append(methods, "api_key")
	}
	if c.JWT != nil {
		methods = append(methods, "jwt")
	}
	mode := c.Mode
	if mode == "" {
		mode = "any"
	}
	return fmt.Sprintf("%s of %s", mode, strings.Join(methods, ", "))
}

// reservedEvent tells the names wasmio gives a meaning to: a client emitting
// "$connect" must not run the $connect handler.
func reservedEvent(name string) bool { return slices.Contains(config.HostEvents, name) }
