package sandbox

import (
	"math"
	"testing"
)

// MapMemories makes the runtimes t creates map the memories of every
// snapshot (true) or copy them (false), whatever the snapshot's size.
func MapMemories(t testing.TB, mapped bool) {
	old := mapFrom
	mapFrom = map[bool]int{true: 1, false: math.MaxInt}[mapped]
	t.Cleanup(func() { mapFrom = old })
}

// KeepWrittenPages sets how many written pages a mapped memory copies back
// rather than discards (copyBackPages) for t's runs; 0 always discards.
func KeepWrittenPages(t testing.TB, n int) {
	old := copyBackPages
	copyBackPages = n
	t.Cleanup(func() { copyBackPages = old })
}

// ReuseInstances makes t's runs keep their instances for the next event
// (true, the default) or close them.
func ReuseInstances(t testing.TB, reuse bool) {
	old := reuseInstances
	reuseInstances = reuse
	t.Cleanup(func() { reuseInstances = old })
}

// MemoryMapped reports whether m's runs get mapped memories.
func (m *Module) MemoryMapped() bool { return m.snap != nil && m.snap.pool.image != nil }

// LiveMappings counts the linear memory mappings of the process.
func LiveMappings() int64 { return mappings.Load() }

// Reused counts m's events served by an instance that had served one
// before; -1 means m has no snapshot.
func (m *Module) Reused() int64 {
	if m.snap == nil {
		return -1
	}
	return m.snap.reused.Load()
}
