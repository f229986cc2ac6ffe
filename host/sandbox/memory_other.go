//go:build !linux

package sandbox

// memoryImage is unused where memories are not mapped: pools use heap
// buffers (memory.go).
type memoryImage struct{}

func newMemoryImage([]byte, uint64) (*memoryImage, error) { return nil, nil }

func (*memoryImage) mapMemory() ([]byte, error) { panic("unreachable") }

func (*memoryImage) close() {}

type pageRegion struct{}

func resetMapping(_, _ []byte, _ *[]pageRegion) error { panic("unreachable") }

func unmap([]byte) { panic("unreachable") }
