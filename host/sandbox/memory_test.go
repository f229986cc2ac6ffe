package sandbox

import (
	"bytes"
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"
)

const wasmPage = 65536

// TestMemoryReset writes a secret over a memory's base pages and pages
// grown past it, frees it, and checks that the instance that gets it next
// reads the base, then zeros, up to the limit: for a mapped memory and for
// a heap buffer.
func TestMemoryReset(t *testing.T) {
	base := make([]byte, 3*wasmPage)
	for i := range base {
		base[i] = byte(i*7 + 1)
	}
	const limit = 16 * wasmPage
	fresh := append(bytes.Clone(base), make([]byte, limit-len(base))...)
	secret := bytes.Repeat([]byte{0xa5}, 5*wasmPage)
	for _, mode := range []struct {
		name             string
		mapped, copyBack bool
	}{{"mapped", true, true}, {"mapped-discard", true, false}, {"copied", false, false}} {
		mapped := mode.mapped
		t.Run(mode.name, func(t *testing.T) {
			if mapped && runtime.GOOS != "linux" {
				t.Skip("memories are mapped on Linux only")
			}
			MapMemories(t, mapped)
			if !mode.copyBack {
				KeepWrittenPages(t, 0)
			}
			live := mappings.Load()
			p, err := newMemoryPool(2, base, limit, new(atomic.Bool))
			if err != nil {
				t.Fatal(err)
			}
			m := p.allocate(wasmPage, limit)
			if m.mapped != mapped {
				t.Fatalf("mapped %v, want %v", m.mapped, mapped)
			}
			// As an instance sees it: the module's minimum, grown to the
			// snapshot, then past it.
			start := unsafe.SliceData(m.Reallocate(wasmPage))
			if got := m.Reallocate(uint64(len(base))); !bytes.Equal(got, base) {
				t.Fatal("a new memory does not start as the base")
			}
			buf := m.Reallocate(uint64(len(secret)))
			if !bytes.Equal(buf, fresh[:len(secret)]) {
				t.Fatal("the pages past the base are not zero")
			}
			if mapped && unsafe.SliceData(buf) != start {
				t.Fatal("a mapped memory moved as it grew")
			}
			copy(buf, secret)
			m.Free()

			again := p.allocate(wasmPage, limit)
			if again != m {
				t.Fatal("the freed memory was not reused")
			}
			if got := again.Reallocate(limit); !bytes.Equal(got, fresh) {
				i := 0
				for got[i] == fresh[i] {
					i++
				}
				t.Fatalf("the next instance reads %#x at %d, want %#x", got[i], i, fresh[i])
			}
			if again.Reallocate(limit+wasmPage) != nil {
				t.Fatal("a memory grew past its limit")
			}
			// Scattered pages, over pages written before: a mapping that
			// copies back keeps those and must restore these.
			got := again.Reallocate(uint64(len(secret)))
			for off := 0; off < len(secret); off += 3 * 4096 {
				copy(got[off:off+4096], secret)
			}
			again.Free()
			if got := p.allocate(wasmPage, limit).Reallocate(limit); !bytes.Equal(got, fresh) {
				t.Fatal("scattered pages were not reset")
			}
			again.Free()
			p.close()
			if n := mappings.Load(); n != live {
				t.Fatalf("%d mappings left after the pool closed", n-live)
			}
		})
	}
}

// TestFullPoolUnmaps frees more memories than the pool keeps: the extra
// ones are unmapped at once, the rest when the pool closes.
func TestFullPoolUnmaps(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("memories are mapped on Linux only")
	}
	MapMemories(t, true)
	live := mappings.Load()
	p, err := newMemoryPool(2, make([]byte, wasmPage), 4*wasmPage, new(atomic.Bool))
	if err != nil {
		t.Fatal(err)
	}
	var ms []*linearMemory
	for range 5 {
		ms = append(ms, p.allocate(0, 4*wasmPage))
	}
	if n := mappings.Load() - live; n != 5 {
		t.Fatalf("%d mappings for 5 memories", n)
	}
	for _, m := range ms {
		m.Free()
	}
	if n := mappings.Load() - live; n != 2 {
		t.Fatalf("%d mappings kept by a pool of 2", n)
	}
	p.close()
	if n := mappings.Load() - live; n != 0 {
		t.Fatalf("%d mappings left after the pool closed", n)
	}
}
