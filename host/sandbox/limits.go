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
	// MaxHostCalls caps the calls into the host per run: wasmio_v1 imports,
	// and each buffer a WASI fd_write passes to stdout or stderr (the other
	// WASI calls, clocks and random bytes, are not counted). Zero means
	// 10,000.
	MaxHostCalls int
	// MaxEmits caps emits (emit_ack included) and acks per run. Zero
	// means 1,000.
	MaxEmits int
	// MaxEmitBytes caps the JSON and attachment bytes emitted per run. Zero
	// means 4 MiB.
	MaxEmitBytes int
	// MaxValueBytes caps one key-value value. Zero means 64 KiB.
	MaxValueBytes int
	// MaxWriteBytes caps the key and value bytes of the key-value writes
	// of one run: puts, deletes (their key), increments (the stored
	// decimal) and swaps that happened. Zero means 4 MiB: 64 values of the
	// largest size, the same as MaxEmitBytes. A run's writes commit in one
	// store transaction that every other commit of the group waits for, and
	// the host holds them until then (a run that wrote 625 MiB grew the
	// host to 3 GB and held every other commit for 8 s).
	MaxWriteBytes int
	// MaxWriteKeys caps the key-value writes of one run, each put, delete,
	// increment and swap that happened counting one, even of the same key.
	// Zero means 1,000: far more than an event's handler needs, few enough
	// that the B+tree updates of one run stay a small part of a group
	// commit.
	MaxWriteKeys int
	// MaxReadBytes caps the bytes kv_get and kv_list return to one run
	// (their full size, whether or not the buffer held them). Zero means
	// 16 MiB, the default linear memory: reads do not delay other commits,
	// but every value is copied to the host and kept until the commit
	// checks it.
	MaxReadBytes int
	// MaxLogBytes caps the bytes of the lines one run logs, through the
	// log import and WASI stdout/stderr together. The first line that does
	// not fit and every later one are dropped, not failed: a chatty handler
	// still works. Zero means 64 KiB.
	MaxLogBytes int
	// MaxLogLines caps the lines one run logs, as MaxLogBytes does; lines
	// within both may still be dropped by MaxLogRate. Zero means 100: enough
	// to trace a run, while a flood (66 to 106 MB per event were seen)
	// costs the host a count per line.
	MaxLogLines int
	// MaxLogRate caps the lines per second a module logs across its runs
	// (a token bucket holding max(MaxLogRate, MaxLogLines) lines), so that
	// many runs of a chatty module cannot flood the operator's log either;
	// lines over it are dropped. Zero means 100, so that a module's busiest
	// day logs at most 8.64 million lines.
	MaxLogRate int
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
	if l.MaxWriteBytes == 0 {
		l.MaxWriteBytes = 4 << 20
	}
	if l.MaxWriteKeys == 0 {
		l.MaxWriteKeys = 1000
	}
	if l.MaxReadBytes == 0 {
		l.MaxReadBytes = 16 << 20
	}
	if l.MaxLogBytes == 0 {
		l.MaxLogBytes = 64 << 10
	}
	if l.MaxLogLines == 0 {
		l.MaxLogLines = 100
	}
	if l.MaxLogRate == 0 {
		l.MaxLogRate = 100
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
	case l.MaxWriteBytes < 0:
		return fmt.Errorf("max_write_bytes: %d is negative", l.MaxWriteBytes)
	case l.MaxWriteKeys < 0:
		return fmt.Errorf("max_write_keys: %d is negative", l.MaxWriteKeys)
	case l.MaxReadBytes < 0:
		return fmt.Errorf("max_read_bytes: %d is negative", l.MaxReadBytes)
	case l.MaxLogBytes < 0:
		return fmt.Errorf("max_log_bytes: %d is negative", l.MaxLogBytes)
	case l.MaxLogLines < 0:
		return fmt.Errorf("max_log_lines: %d is negative", l.MaxLogLines)
	case l.MaxLogRate < 0:
		return fmt.Errorf("max_log_rate: %d is negative", l.MaxLogRate)
	}
	return nil
}

func (l Limits) memoryPages() uint32 {
	return uint32((l.MemoryBytes + 65535) / 65536)
}
