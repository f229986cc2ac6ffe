package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
)

// A snapshot lets every event start from a module's initialized state
// instead of initializing again. Go and TinyGo reactors run their runtime
// and package init in _initialize, and standard Go spends milliseconds
// there; other modules are snapshotted after instantiation (their data
// segments written), so that every module can take the same path. The
// module is initialized once; its linear memory and mutable globals are
// recorded; events then run in instances of a rewritten module (same
// code, no data segments to write, globals exported) whose memory and
// globals are set to the recorded ones. An instance may serve several
// events, one after another, and is brought back to the recorded state
// before each (instance.go): no event sees what an earlier one did. The
// memory comes from a pool that holds the recorded bytes already
// (memory.go), so that starting an event copies nothing.
//
// What a snapshot cannot capture, it refuses (errNoSnapshot) and the module
// runs the plain way, a fresh instance per event: modules with a start
// section, mutable imported or v128 globals. Caveat, as with any
// pre-initialization: whatever _initialize derived from the clock or
// random bytes (hash seeds, for example) is the same in every instance.
type snapshot struct {
	compiled wazero.CompiledModule // no data to write, mutable globals exported
	memory   []byte                // linear memory after _initialize
	globals  []snapshotGlobal
	pool     *memoryPool // memories that start as memory
	// reusable is nil if an instance may serve one event after another
	// (instance.go), or says why not.
	reusable error

	idleMu sync.Mutex
	idle   []*instance  // at most pool.size
	closed bool         // the module is closed: no instance is kept
	reused atomic.Int64 // events served by an instance that served one before
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
	snap := &snapshot{reusable: checkReusable(wasm)}
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
