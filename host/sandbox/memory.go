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
type memoryPool struct {
	free chan *linearMemory
}

// poolSize bounds the idle memories kept: enough for every worker to find
// one, without holding much memory while idle.
func newMemoryPool(size int) *memoryPool {
	return &memoryPool{free: make(chan *linearMemory, size)}
}

// Allocate implements experimental.MemoryAllocator.
func (p *memoryPool) Allocate(cap, max uint64) experimental.LinearMemory {
	select {
	case m := <-p.free:
		m.max = max
		return m
	default:
		return &linearMemory{pool: p, buf: make([]byte, 0, cap), max: max}
	}
}

// linearMemory is one recyclable buffer; the bytes between len and cap are
// always zero.
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
	copy(buf, m.buf)
	m.buf = buf
	return m.buf
}

// Free implements experimental.LinearMemory: it zeroes what the instance
// used and keeps the buffer for the next instance, or drops it when the
// pool is full.
func (m *linearMemory) Free() {
	clear(m.buf)
	m.buf = m.buf[:0]
	select {
	case m.pool.free <- m:
	default:
	}
}
