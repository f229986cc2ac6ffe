package sandbox

import (
	"github.com/tetratelabs/wazero/experimental"
)

// memoryPool recycles the linear memories of finished instances. A fresh
// allocation per event costs more than the event: the Go allocator zeroes
// the buffer, the kernel faults its pages in, and the garbage collector
// later returns them. A recycled buffer is already resident; it is zeroed
// (the part the instance used) when the instance closes, so no byte of one
// event is ever visible to the next.
//
// A pool with a base gives buffers that start with the base's bytes instead
// of zeros: a snapshot's memory, restored when an instance closes rather
// than copied in when the next one starts.
type memoryPool struct {
	free chan *linearMemory
	base []byte
}

// newMemoryPool keeps at most size idle buffers: enough for every worker to
// find one, without holding much memory while idle.
func newMemoryPool(size int, base []byte) *memoryPool {
	return &memoryPool{free: make(chan *linearMemory, size), base: base}
}

// Allocate implements experimental.MemoryAllocator.
func (p *memoryPool) Allocate(capacity, limit uint64) experimental.LinearMemory {
	select {
	case m := <-p.free:
		m.max = limit
		return m
	default:
		buf := make([]byte, len(p.base), max(capacity, uint64(len(p.base))))
		copy(buf, p.base)
		return &linearMemory{pool: p, buf: buf[:0], max: limit}
	}
}

// linearMemory is one recyclable buffer; the bytes between len and cap are
// always the pool's base, then zeros.
type linearMemory struct {
	pool *memoryPool
	buf  []byte
	max  uint64
}

// Reallocate implements experimental.LinearMemory: it grows in place when
// the buffer has room, otherwise it moves to a buffer twice as large.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	n := min(max(size, 2*uint64(cap(m.buf))), m.max)
	buf := make([]byte, size, n)
	copy(buf, m.buf[:cap(m.buf)]) // the base beyond len too
	m.buf = buf
	return m.buf
}

// Free implements experimental.LinearMemory: it resets what the instance
// used (to the base, then zeros) and keeps the buffer for the next
// instance, or drops it when the pool is full.
func (m *linearMemory) Free() {
	used := m.buf[:max(len(m.buf), len(m.pool.base))]
	n := copy(used, m.pool.base)
	clear(used[n:])
	m.buf = m.buf[:0]
	select {
	case m.pool.free <- m:
	default:
	}
}
