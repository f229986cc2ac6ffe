// Package gcfloor keeps Go's garbage collector from running while the heap
// is small.
//
// Every event's fresh WebAssembly instance leaves about 15 KB of garbage. A
// host whose live heap is a few megabytes would, with GOGC=100, collect every
// few hundred events and spend a fifth of its CPU on it (bench/ANALYSIS.md).
// A larger GOGC cuts that, but multiplies the heap of a host with many
// sockets too. A floor does neither: after every collection, Start sets the
// GC percentage so that the next collection starts when the heap reaches
// floor bytes, or twice the live heap (GOGC=100) when that is larger. Memory
// above the floor is Go's default; below it, garbage may accumulate to the
// floor. A memory limit (GOMEMLIMIT) still applies on top.
package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Base is the GC percentage used once the live heap reaches half the floor:
// Go's default.
const Base = 100

// Percent returns the GC percentage that puts the heap goal at floor bytes
// after a collection that left live bytes of heap, and roots bytes of
// goroutine stacks and globals, and never below Base. Go's goal is the larger
// of live + (live+roots)×percent/100 and its minimum heap, 4 MiB×percent/100,
// so the percentage is also capped where that minimum reaches the floor.
func Percent(live, roots, floor uint64) int {
	if floor <= live {
		return Base
	}
	scan := live + roots
	if scan == 0 {
		scan = 1
	}
	p := min((floor-live)*100/scan, floor*100/minHeap)
	if p < Base {
		return Base
	}
	return int(p)
}

// minHeap is the runtime's minimum heap goal at GOGC=100.
const minHeap = 4 << 20

var (
	mu      sync.Mutex
	current *tuner // the active tuner, nil when stopped
	orig    int    // the GC percentage before the active tuner started
)

// tuner is one Start's floor; it is active while it is current.
type tuner struct {
	floor  uint64
	sample []metrics.Sample
}

// sentinel is allocated unreachable; its finalizer runs once after each
// collection. It holds a pointer so that it is not a tiny allocation, whose
// finalizer may never run.
type sentinel struct{ _ *tuner }

// Start sets the floor to floor bytes and returns the function that stops it
// and restores the GC percentage in force before. Only one floor is active
// per process: a second Start replaces the first, and Start(0) stops it.
func Start(floor uint64) (stop func()) {
	mu.Lock()
	defer mu.Unlock()
	if current == nil {
		orig = debug.SetGCPercent(Base) // read it; tune or the restore below sets it
	}
	current = nil
	if floor == 0 {
		debug.SetGCPercent(orig)
		return func() {}
	}
	t := &tuner{floor: floor, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"},
	}}
	current = t
	t.tune()
	t.arm()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if current == t {
			current = nil
			debug.SetGCPercent(orig)
		}
	}
}

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		mu.Lock()
		defer mu.Unlock()
		if current != t {
			return // stopped or replaced: no longer armed
		}
		t.tune()
		t.arm()
	})
}

// tune runs with mu held.
func (t *tuner) tune() {
	metrics.Read(t.sample)
	var v [3]uint64
	for i, s := range t.sample {
		if s.Value.Kind() != metrics.KindUint64 {
			debug.SetGCPercent(Base) // a runtime without these metrics gets Go's default
			return
		}
		v[i] = s.Value.Uint64()
	}
	debug.SetGCPercent(Percent(v[0], v[1]+v[2], t.floor))
}
