package sandbox

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
)

// An instance of a snapshot's module may serve one event after another,
// and each event still starts from the snapshot: nothing of an earlier
// event is visible to it. After an event that ended well, the instance is
// brought back to the snapshot's state (its memory reset by its pool's
// rule, memory.go, and every mutable global set again) and kept for the
// next event. It is closed instead, and the next event gets a new
// instance, when the event failed in any way (a trap, a timeout, a
// handler error, an exit), when its memory grew (a memory cannot shrink),
// and always for a module whose code can change what a reset does not
// restore: tables and dropped segments (checkReusable). The rest of an
// instance's state cannot change: its WASI descriptors are fixed
// (instantiateWASI) and the host functions keep nothing between calls
// but the invocation, which is the event's own.
//
// Reuse saves what a new instance costs in wazero: instantiation (for
// standard Go, a function reference for each of its ~2,200 table
// entries), the call stack allocated for the first call, and closing;
// bench/ANALYSIS.md has the figures.
type instance struct {
	mod     api.Module
	handle  api.Function
	memory  *linearMemory
	globals []api.MutableGlobal // in the order of snapshot.globals
	inv     *invocation         // the event being served
	out     [2]instanceOut
}

// instanceOut passes an instance's WASI stdout or stderr to the event it
// serves.
type instanceOut struct {
	inst *instance
	i    int
}

func (w *instanceOut) Write(p []byte) (int, error) { return w.inst.inv.out[w.i].Write(p) }

// runInstance handles inv's event in an idle instance of the snapshot, or
// a new one.
func (m *Module) runInstance(ctx context.Context, inv *invocation) error {
	snap := m.snap
	return m.run(ctx, inv, snap.pool, func(ctx context.Context) error {
		inst := snap.take()
		if inst == nil {
			var err error
			if inst, err = m.newInstance(inv); err != nil {
				return err
			}
		}
		inst.inv = inv
		err := callHandle(inv, inst.handle)
		// A deadline that passed during the call may still close the
		// module after it returned: such an instance is not kept.
		snap.settle(inst, err == nil && ctx.Err() == nil)
		return err
	})
}

// newInstance instantiates the snapshot's module for inv and restores the
// snapshot's state in it.
func (m *Module) newInstance(inv *invocation) (*instance, error) {
	snap := m.snap
	inst := &instance{inv: inv}
	inst.out = [2]instanceOut{{inst, 0}, {inst, 1}}
	cfg := m.r.base.WithStartFunctions().WithStdout(&inst.out[0]).WithStderr(&inst.out[1])
	mod, err := m.r.rt.InstantiateModule(inv.ctx, snap.compiled, cfg)
	if err != nil {
		inv.freeMemory()
		return nil, err
	}
	inst.mod, inst.memory, inst.handle = mod, inv.memory, mod.ExportedFunction(abi.ExportHandle)
	for _, g := range snap.globals {
		inst.globals = append(inst.globals, mod.ExportedGlobal(g.name).(api.MutableGlobal))
	}
	mem := mod.Memory()
	if have, want := mem.Size(), uint32(len(snap.memory)); have < want {
		if _, ok := mem.Grow((want - have) / 65536); !ok {
			inst.close()
			return nil, fmt.Errorf("%w: cannot grow memory to the snapshot's %d bytes", ErrTrap, want)
		}
	}
	inst.setGlobals(snap)
	return inst, nil
}

func (inst *instance) setGlobals(snap *snapshot) {
	for i, g := range snap.globals {
		inst.globals[i].Set(g.value)
	}
}

func (inst *instance) close() { _ = inst.mod.Close(context.Background()) }

// reuseInstances is false only in benchmarks that measure a new instance
// per event.
var reuseInstances = true

// take returns an idle instance, or nil.
func (snap *snapshot) take() *instance {
	snap.idleMu.Lock()
	defer snap.idleMu.Unlock()
	n := len(snap.idle)
	if n == 0 {
		return nil
	}
	inst := snap.idle[n-1]
	snap.idle = snap.idle[:n-1]
	snap.reused.Add(1)
	return inst
}

// settle keeps inst for the next event, reset to the snapshot, if its
// event ended well and nothing stands in the way; otherwise it closes it,
// which resets and frees its memory.
func (snap *snapshot) settle(inst *instance, ok bool) {
	inst.inv = nil
	ok = ok && reuseInstances && snap.reusable == nil && !inst.mod.IsClosed() &&
		inst.mod.Memory().Size() == uint32(len(snap.memory)) && inst.memory.reset()
	if ok {
		inst.setGlobals(snap)
		snap.idleMu.Lock()
		ok = !snap.closed && len(snap.idle) < snap.pool.size
		if ok {
			snap.idle = append(snap.idle, inst)
		}
		snap.idleMu.Unlock()
	}
	if !ok {
		inst.close()
	}
}

// closeIdle closes the idle instances; instances still serving an event
// are closed when it ends.
func (snap *snapshot) closeIdle() {
	snap.idleMu.Lock()
	idle := snap.idle
	snap.idle, snap.closed = nil, true
	snap.idleMu.Unlock()
	for _, inst := range idle {
		inst.close()
	}
}
