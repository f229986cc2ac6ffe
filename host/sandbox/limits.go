package sandbox

import (
	"fmt"
	"time"
)

// Limits bound one run of a handler. The zero value of each field means its
// default, so Limits{} is a safe configuration.
type Limits struct {
	// MemoryBytes caps the module's linear memory. Zero means 16 MiB. It is
	// rounded up to whole 64 KiB pages.
	MemoryBytes int64
	// Timeout is the wall-clock deadline of one run; a run past it is
	// interrupted, even inside a loop. Zero means 1s.
	Timeout time.Duration
	// MaxHostCalls caps the calls into the host per run. Zero means 10,000.
	MaxHostCalls int
	// MaxEmits caps emits (emit_ack included) and acks per run. Zero
	// means 1,000.
	MaxEmits int
	// MaxEmitBytes caps the JSON and attachment bytes emitted per run. Zero
	// means 4 MiB.
	MaxEmitBytes int
	// MaxValueBytes caps one key-value value. Zero means 64 KiB.
	MaxValueBytes int
}

// WithDefaults returns l with zero fields replaced by their defaults.
func (l Limits) WithDefaults() Limits {
	if l.MemoryBytes == 0 {
		l.MemoryBytes = 16 << 20
	}
	if l.Timeout == 0 {
		l.Timeout = time.Second
	}
	if l.MaxHostCalls == 0 {
		l.MaxHostCalls = 10_000
	}
	if l.MaxEmits == 0 {
		l.MaxEmits = 1000
	}
	if l.MaxEmitBytes == 0 {
		l.MaxEmitBytes = 4 << 20
	}
	if l.MaxValueBytes == 0 {
		l.MaxValueBytes = 64 << 10
	}
	return l
}

// Validate reports the first negative or out-of-range field.
func (l Limits) Validate() error {
	switch {
	case l.MemoryBytes < 0 || l.MemoryBytes > 4<<30:
		return fmt.Errorf("memory: %d bytes is outside 0..4GiB", l.MemoryBytes)
	case l.Timeout < 0:
		return fmt.Errorf("timeout: %v is negative", l.Timeout)
	case l.MaxHostCalls < 0:
		return fmt.Errorf("max_host_calls: %d is negative", l.MaxHostCalls)
	case l.MaxEmits < 0:
		return fmt.Errorf("max_emits: %d is negative", l.MaxEmits)
	case l.MaxEmitBytes < 0:
		return fmt.Errorf("max_emit_bytes: %d is negative", l.MaxEmitBytes)
	case l.MaxValueBytes < 0:
		return fmt.Errorf("max_value_bytes: %d is negative", l.MaxValueBytes)
	}
	return nil
}

func (l Limits) memoryPages() uint32 {
	return uint32((l.MemoryBytes + 65535) / 65536)
}
