package sandbox

import (
	"sync"
	"sync/atomic"
)

// memoryPool recycles the linear memories of finished instances. A fresh
// allocation per event costs more than the event: the Go allocator zeroes
// the buffer, the kernel faults its pages in, and the garbage collector
// later returns them. A recycled memory is reset when its instance closes,
// so no byte of one event is ever visible to the next.
//
// A pool with a base gives memories that start with the base's bytes
// instead of zeros: a snapshot's memory, restored when an instance closes
// rather than copied in when the next one starts.
//
// How a memory is reset decides what an event costs. A buffer on the Go
// heap is reset by copying the base back and clearing the rest the
// instance used: that costs the size of the base. Where the platform
// allows it (memory_linux.go), a pool with a large base maps its memories
// instead: the base from a sealed memfd, copy-on-write, then anonymous zero
// pages, all reserved at the pool's limit so that a memory grows in place.
// A reset copies the base back over the pages the instance wrote, which
// the kernel lists, and discards the pages past the base: it costs the
// pages an event wrote, not the size of the base.
type memoryPool struct {
	base  []byte
	limit uint64       // bytes: what any memory of the pool may grow to
	image *memoryImage // nil: heap buffers only
	size  int          // idle memories kept at most
	// closing is the runtime's: while it closes, a memory freed by wazero
	// may still be in use by a guest that has not returned yet, so none is
	// unmapped until Runtime.Close has waited for the runs.
	closing *atomic.Bool

	mu     sync.Mutex
	idle   []*linearMemory
	closed bool // every memory is unmapped as it is freed
}

// mapFrom is the smallest base whose memories are mapped. A mapped memory
// pays for each page an event writes: a copy-on-write fault the first time
// (2–2.7 µs on the VM of bench/ANALYSIS.md), then a copy back after each
// event, and a walk of its page table per reset (PAGEMAP_SCAN: about 15 µs
// for a standard Go module's 3.4 MiB). Where the kernel cannot list the
// written pages, each reset discards them and every event faults them in
// again. Copying a heap buffer costs about 6.5 µs for 128 KiB and 50 µs
// for 1 MiB. A standard Go module's base is 2.4–3.4 MiB, of which its echo
// event writes about 35 pages: mapped, it costs a fraction of copying. A
// TinyGo module's base is 128 KiB and a Rust module's two or three wasm
// pages: measured both ways they cost the same, and copied they do not
// depend on the kernel. Tests change it to run both ways.
var mapFrom = 1 << 20

// mappings counts the live mapped memories, for the tests that check that
// a closed runtime leaves none.
var mappings atomic.Int64

// newMemoryPool keeps at most size idle memories: enough for every worker
// to find one, without holding much memory while idle. A pool whose base
// is at least mapFrom maps its memories, or uses heap buffers when it
// cannot (the error says why).
func newMemoryPool(size int, base []byte, limit uint64, closing *atomic.Bool) (*memoryPool, error) {
	p := &memoryPool{base: base, limit: limit, size: size, closing: closing}
	var err error
	if len(base) > 0 && len(base) >= mapFrom {
		p.image, err = newMemoryImage(base, limit)
	}
	return p, err
}

// allocate returns an idle memory or a new one; limit is the instance's
// maximum size in bytes.
func (p *memoryPool) allocate(capacity, limit uint64) *linearMemory {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		m := p.idle[n-1]
		p.idle = p.idle[:n-1]
		m.max, m.freed = limit, false
		return m
	}
	// Mapped under the lock: close must not release the image's memfd
	// between the check and the mapping.
	if p.image != nil && !p.closed {
		if buf, err := p.image.mapMemory(); err == nil {
			return &linearMemory{pool: p, buf: buf, max: limit, mapped: true}
		}
	}
	buf := make([]byte, len(p.base), max(capacity, uint64(len(p.base))))
	copy(buf, p.base)
	return &linearMemory{pool: p, buf: buf[:0], max: limit}
}

// close releases the idle memories and the image; memories still in use
// are released as they are freed.
func (p *memoryPool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	idle := p.idle
	p.idle, p.closed = nil, true
	if p.image != nil {
		p.image.close()
	}
	p.mu.Unlock()
	for _, m := range idle {
		m.release()
	}
}

// linearMemory is one recyclable memory. The bytes between len and cap are
// always the pool's base, then zeros: a heap buffer holds them, a mapping
// reads them from the image.
type linearMemory struct {
	pool    *memoryPool
	buf     []byte
	max     uint64
	mapped  bool         // buf is a mapping of the pool's image, cap(buf) its reservation
	pagemap []pageRegion // scratch for resetMapping
	freed   bool         // since the last allocate
}

// Reallocate implements experimental.LinearMemory. A mapping grows in
// place, within its reservation; a heap buffer grows in place when it has
// room, otherwise it moves to a buffer twice as large.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	if m.mapped {
		return nil
	}
	n := min(max(size, 2*uint64(cap(m.buf))), m.max)
	buf := make([]byte, size, n)
	copy(buf, m.buf[:cap(m.buf)]) // the base beyond len too
	m.buf = buf
	return m.buf
}

// Free implements experimental.LinearMemory: it resets what the instance
// used and keeps the memory for the next instance, or releases it when the
// pool is full or closed, or the reset failed.
func (m *linearMemory) Free() {
	m.freed = true
	ok := m.reset()
	m.buf = m.buf[:0]
	p := m.pool
	p.mu.Lock()
	keep := !p.closed && (p.closing.Load() || ok && len(p.idle) < p.size)
	if keep {
		p.idle = append(p.idle, m)
	}
	p.mu.Unlock()
	if !keep {
		m.release()
	}
}

// reset brings the bytes the instance could reach back to the base, then
// zeros. Memory never shrinks, so those are the ones below len.
func (m *linearMemory) reset() bool {
	if m.mapped {
		return resetMapping(m.buf, m.pool.base, &m.pagemap) == nil
	}
	used := m.buf[:max(len(m.buf), len(m.pool.base))]
	n := copy(used, m.pool.base)
	clear(used[n:])
	return true
}

// release gives a mapping back to the kernel; the collector takes a heap
// buffer.
func (m *linearMemory) release() {
	if m.mapped {
		unmap(m.buf)
		m.mapped, m.buf = false, nil
	}
}
