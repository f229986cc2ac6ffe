package sandbox

import (
	"errors"
	"fmt"
	"os"
	"sync"
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

// resetMapping brings buf (a mapping's used part) back to the image whose
// first len(base) bytes are base. Past the base it discards the pages
// (madvise(MADV_DONTNEED)): the next access maps a zero page again.
//
// Over the base it copies back only the pages the guest wrote, and keeps
// them: the kernel says which they are (PAGEMAP_SCAN), since a
// written page of a private file mapping is an anonymous copy, no longer
// the memfd's page. Discarding them instead would cost a copy-on-write
// fault for each page the next event writes again (2–2.7 µs each on the
// VM of bench/ANALYSIS.md), against about 0.2 µs to copy one back. A
// memory keeps what it has written in earlier events too, so once it
// holds more than copyBackPages written pages, or when the kernel cannot
// say (before Linux 6.7), the base's pages are discarded as well, and the
// count starts over. scratch holds the kernel's answers between calls.
func resetMapping(buf, base []byte, scratch *[]pageRegion) error {
	if len(buf) == 0 {
		return nil
	}
	n := (len(buf) + pageSize - 1) &^ (pageSize - 1)
	if n > cap(buf) {
		return errors.New("sandbox: a mapping's length passed its reservation")
	}
	buf = buf[:n]
	head := min(n, len(base))
	if n > head {
		if err := unix.Madvise(buf[head:], unix.MADV_DONTNEED); err != nil {
			return err
		}
	}
	if head == 0 || copyBack(buf[:head], base, scratch) {
		return nil
	}
	return unix.Madvise(buf[:head], unix.MADV_DONTNEED)
}

// copyBackPages bounds the written pages a memory keeps: copying them all
// back after every event costs about what faulting in a tenth as many
// would.
var copyBackPages = 256

// pagemap is /proc/self/pagemap, or nil if it cannot be opened.
var pagemap = sync.OnceValue(func() *os.File {
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return nil
	}
	return f
})

// The PAGEMAP_SCAN ioctl (Linux 6.7+, include/uapi/linux/fs.h): it walks a
// range of the process's page tables and returns the runs of pages whose
// categories match.
const (
	pagemapScan   = 0xc0606610 // _IOWR('f', 16, struct pm_scan_arg)
	pageIsFile    = 1 << 2
	pageIsPresent = 1 << 3
	pageIsSwapped = 1 << 4
)

// pmScanArg is struct pm_scan_arg.
type pmScanArg struct {
	size, flags, start, end, walkEnd, vec, vecLen, maxPages       uint64
	categoryInverted, categoryMask, categoryAnyofMask, returnMask uint64
}

// pageRegion is struct page_region: the pages [start, end).
type pageRegion struct{ start, end, categories uint64 }

// copyBack copies base over the pages of buf the guest wrote, and reports
// whether it did; false means the caller must discard them instead.
// scratch holds the runs the kernel returns.
func copyBack(buf, base []byte, scratch *[]pageRegion) bool {
	f := pagemap()
	if f == nil {
		return false
	}
	if *scratch == nil {
		*scratch = make([]pageRegion, 64)
	}
	start := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	arg := pmScanArg{
		size:  uint64(unsafe.Sizeof(pmScanArg{})),
		start: start, end: start + uint64(len(buf)),
		vec: uint64(uintptr(unsafe.Pointer(unsafe.SliceData(*scratch)))), vecLen: uint64(len(*scratch)),
		// Present or swapped, and not the memfd's page: written.
		categoryInverted: pageIsFile, categoryMask: pageIsFile,
		categoryAnyofMask: pageIsPresent | pageIsSwapped, returnMask: pageIsPresent | pageIsSwapped,
	}
	for written := 0; ; {
		// Past copyBackPages+1 pages the kernel stops looking.
		arg.maxPages = uint64(copyBackPages + 1 - written)
		n, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), pagemapScan, uintptr(unsafe.Pointer(&arg)))
		if errno != 0 {
			return false
		}
		runs := (*scratch)[:n]
		for _, r := range runs {
			written += int(r.end-r.start) / pageSize
		}
		if written > copyBackPages {
			return false
		}
		for _, r := range runs {
			from, to := int(r.start-start), int(r.end-start)
			copy(buf[from:to], base[from:to])
		}
		if arg.walkEnd >= arg.end || int(n) < len(*scratch) {
			return arg.walkEnd >= arg.end
		}
		arg.start = arg.walkEnd // the runs filled scratch: go on from there
	}
}

// unmap releases a mapping whole, reservation included.
func unmap(buf []byte) {
	if err := unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(buf)), uintptr(cap(buf))); err == nil {
		mappings.Add(-1)
	}
}
