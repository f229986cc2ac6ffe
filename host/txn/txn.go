// Package txn runs one handler event as one transaction, the one place
// that decides how: begin a store transaction, run the module on it,
// commit, and run again with a fresh instance when a read went stale; the
// order in which a run's effects apply; what a rejected or failed $connect
// keeps; and the layout of the handlers' keys in the store (layout.go).
//
// The host and the wasmiotest kit both run events through a Runner, so a
// handler's test sees the host's rules.
package txn

import (
	"context"
	"errors"

	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/kv"
)

// maxAttempts bounds the runs of one event whose key-value reads keep
// going stale: far more than contention needs, but finite.
const maxAttempts = 1000

// Runner runs events against one store. A Runner is safe for concurrent
// use; its fields must not change once it is in use.
type Runner struct {
	// Store holds every namespace's and socket's keys. It must be set.
	Store *kv.Store
	// Slots, when non-nil, bounds the runs executing at once: a run holds
	// a slot while its module runs, not while its commit waits for the disk.
	Slots chan struct{}
}

// Run runs ev on m until its key-value writes commit: a run whose reads
// went stale is discarded and repeated with a fresh instance, which is safe
// because none of its effects were applied. It returns the effects of the
// committed run, for Apply. A ctx done while the run waits for a slot, or
// during the run, ends it with nothing committed.
func (r *Runner) Run(ctx context.Context, m *sandbox.Module, ev *sandbox.Event) (*sandbox.Effects, error) {
	for attempt := 1; ; attempt++ {
		txn := r.Store.Begin()
		if r.Slots != nil {
			select {
			case r.Slots <- struct{}{}:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		eff, err := m.Run(ctx, ev, Scope{Txn: txn, Namespace: ev.Namespace, SocketID: ev.SocketID})
		if r.Slots != nil {
			<-r.Slots
		}
		if err == nil {
			err = r.Store.Commit(txn)
			if errors.Is(err, kv.ErrConflict) && attempt < maxAttempts {
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		return eff, nil
	}
}

// Connect runs a $connect event. When the run fails or rejects the
// connection, the socket's scope is dropped, since the socket never
// existed; a rejection's writes to the namespace scope stay committed (a
// handler may count refusals), and its other effects never apply (Apply
// skips them).
func (r *Runner) Connect(ctx context.Context, m *sandbox.Module, ev *sandbox.Event) (*sandbox.Effects, error) {
	eff, err := r.Run(ctx, m, ev)
	if err != nil || eff.Reject != nil {
		if derr := r.DropSocket(ctx, ev.Namespace, ev.SocketID); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	return eff, err
}

// DropSocket deletes a socket's scope: after its $disconnect ran, or when
// its $connect did not accept it.
func (r *Runner) DropSocket(ctx context.Context, ns, sid string) error {
	return r.Store.Update(ctx, func(t *kv.Txn) error {
		return t.DeletePrefix(SocketPrefix(ns, sid))
	})
}

// Apply hands eff's operations to do in the order they apply: as the
// handler made them, except a disconnect, which goes last so that the
// others reach the socket first. A rejected $connect applies none.
func Apply(eff *sandbox.Effects, do func(op *sandbox.Op)) {
	if eff.Reject != nil {
		return
	}
	var disconnect *sandbox.Op
	for i := range eff.Ops {
		if op := &eff.Ops[i]; op.Kind == sandbox.OpDisconnect {
			disconnect = op
		} else {
			do(op)
		}
	}
	if disconnect != nil {
		do(disconnect)
	}
}
