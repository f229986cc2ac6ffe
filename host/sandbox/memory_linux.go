package sandbox

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// memoryImage is what a pool's mapped memories start as: the base, held in
// a memfd sealed against any change, then zeros up to the limit.
type memoryImage struct {
	fd    int // -1 once closed
	base  uintptr
	limit uintptr // bytes each mapping reserves
}

var pageSize = os.Getpagesize()

// anonName labels the mappings in /proc/PID/maps, where an operator can
// tell guest memory from the host's (Linux 5.17+; ignored elsewhere).
var anonName = []byte("wasmio-memory\x00")

func newMemoryImage(base []byte, limit uint64) (*memoryImage, error) {
	if len(base) == 0 || len(base)%pageSize != 0 || limit%uint64(pageSize) != 0 || uint64(len(base)) > limit {
		return nil, fmt.Errorf("sandbox: cannot map a base of %d bytes in a memory of %d bytes with %d-byte pages", len(base), limit, pageSize)
	}
	fd, err := unix.MemfdCreate("wasmio-snapshot", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("sandbox: memfd_create: %w", err)
	}
	for off := 0; off < len(base); {
		n, err := unix.Pwrite(fd, base[off:], int64(off))
		if err != nil {
			_ = unix.Close(fd)
			return nil, fmt.Errorf("sandbox: writing the snapshot's memfd: %w", err)
		}
		off += n
	}
	// Sealed, the base can change through no descriptor and no mapping:
	// private mappings copy on write and never write back.
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("sandbox: sealing the snapshot's memfd: %w", err)
	}
	return &memoryImage{fd: fd, base: uintptr(len(base)), limit: uintptr(limit)}, nil
}

// mapMemory reserves a memory at the image's limit: the base mapped
// privately from the memfd, then anonymous zero pages. It returns it with
// length 0 and the reservation as capacity.
func (img *memoryImage) mapMemory() ([]byte, error) {
	const prot = unix.PROT_READ | unix.PROT_WRITE
	addr, err := unix.MmapPtr(-1, 0, nil, img.limit, prot, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, err
	}
	_ = unix.PrctlArg5Ptr(unix.PR_SET_VMA, unix.PR_SET_VMA_ANON_NAME, uintptr(addr), img.limit, unsafe.Pointer(&anonName[0]))
	buf := unsafe.Slice((*byte)(addr), img.limit)
	// With transparent huge pages always on, the zeros past the base could
	// fault in 2 MiB at a time: one write would clear 2 MiB, every event.
	_ = unix.Madvise(buf, unix.MADV_NOHUGEPAGE)
	if _, err := unix.MmapPtr(img.fd, 0, addr, img.base, prot, unix.MAP_PRIVATE|unix.MAP_FIXED); err != nil {
		_ = unix.MunmapPtr(addr, img.limit)
		return nil, err
	}
	mappings.Add(1)
	return buf[:0], nil
}

func (img *memoryImage) close() {
	_ = unix.Close(img.fd)
	img.fd = -1
}

// resetMapping discards the pages of buf (a mapping's used part): the
// private copies the guest wrote, and the image pages it read. The next
// access maps the image again, the memfd's base or a zero page.
func resetMapping(buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	n := (len(buf) + pageSize - 1) &^ (pageSize - 1)
	if n > cap(buf) {
		return errors.New("sandbox: a mapping's length passed its reservation")
	}
	return unix.Madvise(buf[:n], unix.MADV_DONTNEED)
}

// unmap releases a mapping whole, reservation included.
func unmap(buf []byte) {
	if err := unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(buf)), uintptr(cap(buf))); err == nil {
		mappings.Add(-1)
	}
}
