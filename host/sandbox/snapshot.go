package sandbox

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
)

// A snapshot lets a module that initializes itself (Go and TinyGo reactors
// run their runtime and package init in _initialize) start every event from
// its initialized state instead of initializing again: standard Go spends
// milliseconds there, and every instance would do the same work to reach the
// same state. The module is initialized once; its linear memory and mutable
// globals are recorded; each event then gets a fresh instance of a rewritten
// module (same code, no data segments to write, globals exported) whose
// memory and globals are set to the recorded ones. Each event still has an
// instance of its own that no other event has touched. The memory comes
// from a pool that holds the recorded bytes already (memory.go), so that
// starting an event copies nothing.
//
// What a snapshot cannot capture, it refuses (errNoSnapshot) and the module
// runs the plain way: modules with a start section, mutable imported or
// v128 globals. Caveat, as with any pre-initialization: whatever
// _initialize derived from the clock or random bytes (hash seeds, for
// example) is the same in every instance.
type snapshot struct {
	compiled wazero.CompiledModule // no data to write, mutable globals exported
	memory   []byte                // linear memory after _initialize
	globals  []snapshotGlobal
	pool     *memoryPool // memories that start as memory
}

type snapshotGlobal struct {
	name  string
	value uint64
}

// takeSnapshot initializes wasm once and records its state.
func (r *Runtime) takeSnapshot(ctx context.Context, name string, wasm []byte) (*snapshot, error) {
	recording, info, err := rewriteForSnapshot(wasm, false)
	if err != nil {
		return nil, err
	}
	restoring, _, err := rewriteForSnapshot(wasm, true)
	if err != nil {
		return nil, err
	}
	compiled, err := r.rt.CompileModule(ctx, recording)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoSnapshot, err)
	}
	defer compiled.Close(ctx)
	snap := &snapshot{}
	m := &Module{r: r, name: name, compiled: compiled}
	inv := newInvocation(m, &Event{Name: abi.ExportInitialize}, nil)
	inv.timeout = loadTimeout
	err = m.instantiate(ctx, inv, func(mod api.Module) error {
		mem := mod.Memory()
		b, _ := mem.Read(0, mem.Size())
		snap.memory = bytes.Clone(b)
		for _, g := range info.globals {
			snap.globals = append(snap.globals, snapshotGlobal{g, mod.ExportedGlobal(g).Get()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", abi.ExportInitialize, err)
	}
	if snap.compiled, err = r.rt.CompileModule(ctx, restoring); err != nil {
		return nil, fmt.Errorf("%w: %v", errNoSnapshot, err)
	}
	if snap.pool, err = r.newMemoryPool(snap.memory); err != nil {
		r.log.Warn("the snapshot's memory is copied back after every event, not mapped", "module", name, "reason", err)
	}
	r.addPool(snap.pool)
	return snap, nil
}

// restore brings a fresh instance of snap.compiled to the recorded state.
// Its memory already holds the recorded bytes (snap.pool provides them); it
// only needs to grow to their size and to get the globals back.
func (snap *snapshot) restore(mod api.Module) error {
	mem := mod.Memory()
	if have, want := mem.Size(), uint32(len(snap.memory)); have < want {
		if _, ok := mem.Grow((want - have) / 65536); !ok {
			return fmt.Errorf("%w: cannot grow memory to the snapshot's %d bytes", ErrTrap, want)
		}
	}
	for _, g := range snap.globals {
		mod.ExportedGlobal(g.name).(api.MutableGlobal).Set(g.value)
	}
	return nil
}
