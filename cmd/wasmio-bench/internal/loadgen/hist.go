package loadgen

import (
	"math"
	"math/bits"
	"time"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/results"
)

// histogram records durations with a relative error under 0.8%: values
// below 256 µs are kept exactly (1 µs buckets), larger ones in 128 buckets
// per power of two. Recording allocates nothing. The zero value is empty
// and ready to use.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	sum    float64 // µs
	min    uint64  // µs; valid when n > 0
	max    uint64  // µs
}

const (
	histSubBits = 7
	histSub     = 1 << histSubBits // buckets per power of two
	histBuckets = histSub * (64 - histSubBits + 1)
)

// histIndex returns the bucket of v µs.
func histIndex(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(v) - histSubBits - 1 // >= 1
	return e*histSub + int(v>>uint(e))
}

// histUpper returns the largest value that falls in bucket i.
func histUpper(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	e := i/histSub - 1
	m := uint64(i - e*histSub) // in [histSub, 2*histSub)
	return (m+1)<<uint(e) - 1
}

// Record adds one duration; negative ones count as 0.
func (h *histogram) Record(d time.Duration) {
	v := uint64(0)
	if d > 0 {
		v = uint64(d / time.Microsecond)
	}
	h.RecordMicros(v)
}

// RecordMicros adds one value in microseconds.
func (h *histogram) RecordMicros(v uint64) {
	h.counts[histIndex(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += float64(v)
}

// Max returns the largest recorded value, exactly.
func (h *histogram) Max() time.Duration { return time.Duration(h.max) * time.Microsecond }

// Min returns the smallest recorded value, exactly.
func (h *histogram) Min() time.Duration { return time.Duration(h.min) * time.Microsecond }

// Mean returns the mean of the recorded values.
func (h *histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n) * float64(time.Microsecond))
}

// Quantile returns the value at quantile q in [0, 1]: the smallest recorded
// value v such that at least q of all values are <= v, rounded up to its
// bucket's upper edge (and never above the maximum). An empty histogram
// returns 0.
func (h *histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q <= 0 {
		return h.Min()
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	if rank >= h.n {
		return h.Max()
	}
	var c uint64
	for i := range h.counts {
		c += h.counts[i]
		if c >= rank {
			v := histUpper(i)
			if v > h.max {
				v = h.max
			}
			if v < h.min {
				v = h.min
			}
			return time.Duration(v) * time.Microsecond
		}
	}
	return h.Max()
}

// Reset empties h.
func (h *histogram) Reset() { *h = histogram{} }

// Summary digests h.
func (h *histogram) Summary() results.Summary {
	return results.Summary{Count: h.n, P50: h.Quantile(0.50), P99: h.Quantile(0.99), P999: h.Quantile(0.999), Max: h.Max(), Mean: h.Mean()}
}
