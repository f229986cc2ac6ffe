// Package sandbox runs wasmio handler modules on wazero: each module is
// compiled once, and each event runs in an instance in the module's initial
// state (a new one, or one reset after an earlier event) that sees only that
// event and acts only through the ABI v1 host functions (abi/ABI.md). A run
// returns the effects the handler asked for; applying them is the caller's
// job, so that a failed run changes nothing.
package sandbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"
	"github.com/wasmio/wasmio/abi"
)

// Config configures a Runtime. A nil *Config means defaults.
type Config struct {
	// CacheDir keeps wazero's compiled code on disk so that a restart does
	// not recompile. Empty means an in-memory cache only.
	CacheDir string
	// Limits bound every run of the runtime's modules.
	Limits Limits
	// Logger receives guest log lines and WASI stdout/stderr, within the
	// limits' log budget, and the summaries of the lines dropped (log.go).
	// Nil means slog.Default().
	Logger *slog.Logger
	// Clock is the time guests see through clock_now and WASI clocks. Nil
	// means time.Now; tests set it to control time.
	Clock func() time.Time
}

// Runtime compiles and runs modules under one set of limits. It is safe for
// concurrent use.
type Runtime struct {
	rt     wazero.Runtime
	cache  wazero.CompilationCache
	limits Limits
	log    *slog.Logger
	clock  func() time.Time
	base   wazero.ModuleConfig
	// memory serves the modules without a snapshot and the runs that load
	// a module; each snapshot has a pool of its own, listed in pools.
	memory  *memoryPool
	poolsMu sync.Mutex
	pools   map[*memoryPool]bool
	// running is held for reading by every run; Close takes it to wait for
	// the runs it interrupted before it unmaps their memories.
	running sync.RWMutex
	closing atomic.Bool
}

// NewRuntime returns a runtime with the wasmio_v1 and WASI host modules.
func NewRuntime(ctx context.Context, cfg *Config) (*Runtime, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if err := c.Limits.Validate(); err != nil {
		return nil, fmt.Errorf("sandbox: limits: %w", err)
	}
	r := &Runtime{limits: c.Limits.WithDefaults(), log: c.Logger, clock: c.Clock, pools: map[*memoryPool]bool{}}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.memory, _ = r.newMemoryPool(nil) // no base: never mapped
	if r.clock == nil {
		r.clock = time.Now
	}
	var err error
	if c.CacheDir != "" {
		if r.cache, err = wazero.NewCompilationCacheWithDir(c.CacheDir); err != nil {
			return nil, fmt.Errorf("sandbox: compilation cache: %w", err)
		}
	} else {
		r.cache = wazero.NewCompilationCache()
	}
	rc := wazero.NewRuntimeConfig().
		WithCompilationCache(r.cache).
		WithMemoryLimitPages(r.limits.memoryPages()).
		// Without it a runaway loop cannot be interrupted; its cost is
		// measured in bench/RESULTS.md.
		WithCloseOnContextDone(true).
		WithCoreFeatures(api.CoreFeaturesV2)
	r.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	if err := instantiateWASI(ctx, r.rt); err != nil {
		_ = r.rt.Close(ctx)
		return nil, err
	}
	if err := instantiateHost(ctx, r.rt); err != nil {
		_ = r.rt.Close(ctx)
		return nil, err
	}
	// No filesystem, environment or arguments: only clocks, randomness and
	// output that goes to the log.
	r.base = wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions(abi.ExportInitialize).
		WithRandSource(rand.Reader).
		WithWalltime(r.walltime, 1).
		WithNanotime(r.nanotime, 1)
	return r, nil
}

func (r *Runtime) walltime() (int64, int32) {
	t := r.clock()
	return t.Unix(), int32(t.Nanosecond())
}

func (r *Runtime) nanotime() int64 { return r.clock().UnixNano() }

// Limits returns the runtime's limits with defaults filled in.
func (r *Runtime) Limits() Limits { return r.limits }

// Close releases the runtime and every module compiled by it. Runs in
// progress are interrupted, and Close returns once they have.
func (r *Runtime) Close(ctx context.Context) error {
	r.closing.Store(true)
	err := r.rt.Close(ctx)
	r.running.Lock()
	defer r.running.Unlock()
	r.memory.close()
	r.poolsMu.Lock()
	for p := range r.pools {
		p.close()
	}
	clear(r.pools)
	r.poolsMu.Unlock()
	if e := r.cache.Close(ctx); err == nil {
		err = e
	}
	return err
}

// newMemoryPool returns a pool of memories that start as base and may grow
// to the runtime's memory limit, with room for every worker to find one;
// the error says why a pool that should map its memories copies them.
func (r *Runtime) newMemoryPool(base []byte) (*memoryPool, error) {
	return newMemoryPool(4*runtime.GOMAXPROCS(0), base, uint64(r.limits.memoryPages())*65536, &r.closing)
}

// addPool lists a snapshot's pool, for Close to release.
func (r *Runtime) addPool(p *memoryPool) {
	r.poolsMu.Lock()
	defer r.poolsMu.Unlock()
	r.pools[p] = true
}

// dropPool releases a snapshot's pool.
func (r *Runtime) dropPool(p *memoryPool) {
	r.poolsMu.Lock()
	delete(r.pools, p)
	r.poolsMu.Unlock()
	p.close()
}

// Module is a compiled handler module. It is safe for concurrent use: each
// Run has an instance to itself.
type Module struct {
	r        *Runtime
	name     string
	compiled wazero.CompiledModule
	snap     *snapshot // nil: each run initializes the module itself
	advice   []string
	logs     logLimiter
}

// Name returns the name the module was compiled under.
func (m *Module) Name() string { return m.name }

// Advice returns what makes the module slower per event than it needs to
// be, each with the fix; empty means nothing was found. Such a module is
// served all the same. The slice is shared, not a copy.
func (m *Module) Advice() []string { return m.advice }

// asyncifyExport marks a module that TinyGo built with its default
// scheduler for wasip1 (asyncify).
const asyncifyExport = "asyncify_get_state"

// Compile validates wasm against the ABI (see Check) and compiles it; name
// labels it in logs and errors. It also instantiates it once to check the
// version its wasmio_abi_version returns.
func (r *Runtime) Compile(ctx context.Context, name string, wasm []byte) (*Module, error) {
	compiled, err := r.rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrModule, name, err)
	}
	if err := checkShape(compiled); err != nil {
		_ = compiled.Close(ctx)
		return nil, fmt.Errorf("%w: %s: %v", ErrModule, name, err)
	}
	m := &Module{r: r, name: name, compiled: compiled}
	v, err := m.version(ctx)
	if err != nil {
		_ = compiled.Close(ctx)
		return nil, fmt.Errorf("%w: %s: calling %s: %v", ErrModule, name, abi.ExportVersion, err)
	}
	if v != abi.Version {
		_ = compiled.Close(ctx)
		return nil, fmt.Errorf("%w: %s: built for ABI version %d, this host speaks version %d: rebuild it with a matching SDK", ErrModule, name, v, abi.Version)
	}
	if _, ok := compiled.ExportedFunctions()[asyncifyExport]; ok {
		// Measured in bench/ANALYSIS.md: 300 µs per event against 11 µs for
		// the same minimal module built with -scheduler=none.
		m.advice = append(m.advice, "built with TinyGo's asyncify scheduler: every event runs on a new goroutine whose stack "+
			"is allocated and cleared first, about 30 times the cost of the handler itself; "+
			"rebuild with -scheduler=none (wasmio build does) unless the handler needs goroutines")
	}
	_, initializes := compiled.ExportedFunctions()[abi.ExportInitialize]
	m.snap, err = r.takeSnapshot(ctx, name, wasm)
	switch {
	case errors.Is(err, errNoSnapshot):
		if initializes {
			m.advice = append(m.advice, fmt.Sprintf("runs %s on every event, because it cannot be started from a snapshot (%v)",
				abi.ExportInitialize, err))
		}
	case err != nil:
		_ = compiled.Close(ctx)
		return nil, fmt.Errorf("%w: %s: %v", ErrModule, name, err)
	case m.snap.reusable != nil:
		m.advice = append(m.advice, fmt.Sprintf("gets a new instance for every event, which costs more than resetting one (%v)", m.snap.reusable))
	}
	return m, nil
}

// Snapshotted reports whether runs start from a recorded initialized state
// rather than running _initialize.
func (m *Module) Snapshotted() bool { return m.snap != nil }

// Close releases the compiled code, and the snapshot's memories as their
// runs end.
func (m *Module) Close(ctx context.Context) error {
	if m.snap != nil {
		m.snap.closeIdle()
		_ = m.snap.compiled.Close(ctx)
		m.r.dropPool(m.snap.pool)
	}
	return m.compiled.Close(ctx)
}

// loadTimeout bounds the runs made while loading a module (the version
// check, the snapshot's _initialize): a runtime's start-up is not an event
// and may take longer than one, on a loaded machine or under the race
// detector, while a module that never finishes still fails to load.
const loadTimeout = 30 * time.Second

func (m *Module) version(ctx context.Context) (int32, error) {
	inv := newInvocation(m, &Event{Name: abi.ExportVersion}, nil)
	inv.timeout = loadTimeout
	var v int32
	err := m.instantiate(ctx, inv, func(mod api.Module) error {
		res, err := mod.ExportedFunction(abi.ExportVersion).Call(inv.ctx)
		if err == nil {
			v = int32(res[0])
		}
		return err
	})
	return v, err
}

// Run handles ev in an instance in the module's initial state and returns the effects the handler
// asked for. kv may be nil: the key-value imports then return ERR_STATE.
// The error, if any, wraps ErrTrap, ErrTimeout, ErrLimit or ErrHandler; the
// effects of a failed run must be discarded.
func (m *Module) Run(ctx context.Context, ev *Event, kv KV) (*Effects, error) {
	inv := newInvocation(m, ev, kv)
	var err error
	if m.snap != nil {
		err = m.runInstance(ctx, inv)
	} else {
		err = m.instantiate(ctx, inv, func(mod api.Module) error {
			return callHandle(inv, mod.ExportedFunction(abi.ExportHandle))
		})
	}
	if err != nil {
		return nil, err
	}
	return &inv.effects, nil
}

// callHandle calls the module's wasmio_handle for inv's event.
func callHandle(inv *invocation, handle api.Function) error {
	res, err := handle.Call(inv.ctx)
	if err == nil && int32(res[0]) != 0 {
		return fmt.Errorf("%w: %s returned %d", ErrHandler, abi.ExportHandle, int32(res[0]))
	}
	return err
}

// instantiate runs fn on a fresh instance under the run's deadline and
// classifies what went wrong.
func (m *Module) instantiate(ctx context.Context, inv *invocation, fn func(api.Module) error) error {
	return m.run(ctx, inv, m.r.memory, func(context.Context) error {
		cfg := m.r.base.WithStdout(&inv.out[0]).WithStderr(&inv.out[1])
		mod, err := m.r.rt.InstantiateModule(inv.ctx, m.compiled, cfg)
		if err != nil {
			inv.freeMemory()
			return err
		}
		err = fn(mod)
		_ = mod.Close(context.Background())
		return err
	})
}

// run is the frame of every run: it gives inv its memory pool, its
// context (the deadline, the memory allocator, the invocation for host
// functions) and, after body, its log and the sandbox's error for what
// went wrong. body gets the deadline's context.
func (m *Module) run(ctx context.Context, inv *invocation, pool *memoryPool, body func(context.Context) error) error {
	m.r.running.RLock()
	defer m.r.running.RUnlock()
	inv.pool = pool
	ctx, cancel := context.WithTimeout(experimental.WithMemoryAllocator(ctx, inv), inv.timeout)
	defer cancel()
	inv.ctx = context.WithValue(ctx, invocationKey{}, inv)
	err := body(ctx)
	inv.endLog()
	if err == nil {
		return nil
	}
	return inv.classify(ctx, err)
}

// classify turns a wazero error into one of the sandbox's.
func (inv *invocation) classify(ctx context.Context, err error) error {
	if inv.failure != nil {
		return inv.failure
	}
	if errors.Is(err, ErrHandler) {
		return err
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded:
			return fmt.Errorf("%w: the run took longer than %v", ErrTimeout, inv.timeout)
		case sys.ExitCodeContextCanceled:
			return fmt.Errorf("%w: %v", ErrTimeout, ctx.Err())
		}
		return fmt.Errorf("%w: the module exited with code %d", ErrTrap, exit.ExitCode())
	}
	return fmt.Errorf("%w: %v", ErrTrap, err)
}
