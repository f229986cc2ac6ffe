package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

type invocationKey struct{}

// invocation is the state of one run: the event, the effects recorded so
// far and the counters the limits apply to. Host functions find it in the
// call's context.
type invocation struct {
	m       *Module
	ctx     context.Context
	ev      *Event
	kv      KV
	limits  *Limits
	timeout time.Duration // of the whole run: limits.Timeout, or loadTimeout

	effects  Effects
	staged   [][]byte // attachments for the next emit or ack
	acked    bool
	closing  bool // disconnect was called
	calls    int
	emits    int
	ackEmits int // successful emit_acks, against ev.AckSlots
	bytes    int

	writeKeys, writeBytes, readBytes int // of the key-value budget

	out        [2]logWriter // WASI stdout and stderr
	logLines   int          // lines within the run's log budget
	logBytes   int
	logCut     bool   // a line went over the budget: the rest is dropped
	logDropped uint64 // lines dropped, reported to the module at the end

	// failure is why the run must fail even if the guest carries on.
	failure error

	pool   *memoryPool   // where the instance's memory comes from
	memory *linearMemory // the instance's memory, once allocated
}

// Allocate implements experimental.MemoryAllocator: the instance's memory
// comes from the run's pool, and the run keeps it, to free it if wazero
// does not.
func (inv *invocation) Allocate(capacity, limit uint64) experimental.LinearMemory {
	inv.memory = inv.pool.allocate(capacity, limit)
	return inv.memory
}

// freeMemory frees the memory of an instance that failed to instantiate:
// wazero frees nothing when that happens after it allocated the memory (a
// data segment out of bounds, for example).
func (inv *invocation) freeMemory() {
	if inv.memory != nil && !inv.memory.freed {
		inv.memory.Free()
	}
}

func newInvocation(m *Module, ev *Event, kv KV) *invocation {
	inv := &invocation{m: m, ev: ev, kv: kv, limits: &m.r.limits, timeout: m.r.limits.Timeout}
	inv.out = [2]logWriter{{inv: inv, level: slog.LevelInfo}, {inv: inv, level: slog.LevelWarn}}
	return inv
}

// trapSignal unwinds a host function; wazero turns the panic into an error
// from Call, and classify reports inv.failure instead.
type trapSignal struct{ err error }

// trap fails the run: err must wrap ErrTrap or ErrLimit.
func (inv *invocation) trap(err error) {
	if inv.failure == nil {
		inv.failure = err
	}
	panic(trapSignal{err})
}

// enter counts a host call against MaxHostCalls.
func (inv *invocation) enter() {
	inv.calls++
	if inv.calls > inv.limits.MaxHostCalls {
		inv.trap(fmt.Errorf("%w: more than %d host calls", ErrLimit, inv.limits.MaxHostCalls))
	}
}

// read returns a view of guest memory [ptr, ptr+n); a buffer outside memory
// breaks the contract and traps.
func (inv *invocation) read(mod api.Module, ptr, n uint32) []byte {
	if n == 0 {
		return nil
	}
	b, ok := mod.Memory().Read(ptr, n)
	if !ok {
		inv.trap(fmt.Errorf("%w: buffer [%d, +%d) is outside memory", ErrTrap, ptr, n))
	}
	return b
}

// copyIn returns a copy of guest memory [ptr, ptr+n).
func (inv *invocation) copyIn(mod api.Module, ptr, n uint32) []byte {
	return bytes.Clone(inv.read(mod, ptr, n))
}

// output writes data to the guest buffer (buf, cap) by the ABI's output
// rule and returns data's full size.
func (inv *invocation) output(mod api.Module, buf, cap uint32, data []byte) int32 {
	if cap > 0 {
		dst := inv.read(mod, buf, cap)
		copy(dst, data)
	}
	return int32(len(data))
}

// logger returns the run's logger, tagged with the event.
func (inv *invocation) logger() *slog.Logger {
	return inv.m.r.log.With("module", inv.m.name, "namespace", inv.ev.Namespace, "event", inv.ev.Name, "socket", inv.ev.SocketID)
}
