package loadgen

import (
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"
)

func TestHistBuckets(t *testing.T) {
	// Every value falls in a bucket whose upper edge is >= it, and the
	// bucket below ends before it; the edges are within 0.8% of it.
	for _, v := range []uint64{0, 1, 255, 256, 257, 511, 512, 1000, 1 << 20, 123456789, 1<<63 + 12345, math.MaxUint64} {
		i := histIndex(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("%d: bucket %d out of range", v, i)
		}
		up := histUpper(i)
		if up < v {
			t.Errorf("%d: upper edge %d below it", v, up)
		}
		if i > 0 && histUpper(i-1) >= v {
			t.Errorf("%d: previous bucket's edge %d not below it", v, histUpper(i-1))
		}
		if v >= 256 && float64(up-v) > 0.008*float64(v) {
			t.Errorf("%d: upper edge %d more than 0.8%% above", v, up)
		}
	}
	for i := 0; i < histBuckets-1; i++ {
		if histIndex(histUpper(i)) != i || histIndex(histUpper(i)+1) != i+1 {
			t.Fatalf("bucket %d: edges inconsistent", i)
		}
	}
}

// exactQuantile is the reference: the smallest value with at least q of
// the values at or below it.
func exactQuantile(sorted []uint64, q float64) uint64 {
	rank := int(math.Ceil(q * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func TestHistQuantiles(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, gen := range []func() uint64{
		func() uint64 { return uint64(rng.Intn(200)) },                // exact range
		func() uint64 { return uint64(rng.ExpFloat64() * 5000) },      // long tail
		func() uint64 { return uint64(math.Exp(rng.Float64() * 20)) }, // many decades
		func() uint64 { return 1000 },                                 // constant
	} {
		var h histogram
		vals := make([]uint64, 10_001)
		for i := range vals {
			vals[i] = gen()
			h.RecordMicros(vals[i])
		}
		sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
		for _, q := range []float64{0, 0.001, 0.5, 0.9, 0.99, 0.999, 1} {
			want := exactQuantile(vals, q)
			if q == 0 {
				want = vals[0]
			}
			got := uint64(h.Quantile(q) / time.Microsecond)
			if got < want || float64(got-want) > 0.008*float64(want)+0.5 {
				t.Errorf("q=%v: got %d, exact %d", q, got, want)
			}
		}
		if h.Max() != time.Duration(vals[len(vals)-1])*time.Microsecond || h.Min() != time.Duration(vals[0])*time.Microsecond {
			t.Errorf("min/max %v %v", h.Min(), h.Max())
		}
		if h.Summary().Count != uint64(len(vals)) {
			t.Errorf("count %d", h.Summary().Count)
		}
	}
}

func TestHistSmall(t *testing.T) {
	var h histogram
	if h.Quantile(0.99) != 0 || h.Summary().Count != 0 {
		t.Fatal("empty histogram")
	}
	h.Record(-time.Second) // clamps to 0
	h.Record(3 * time.Millisecond)
	if h.Quantile(0.5) != 0 || h.Quantile(0.51) != 3*time.Millisecond || h.Quantile(1) != 3*time.Millisecond {
		t.Errorf("quantiles %v %v %v", h.Quantile(0.5), h.Quantile(0.51), h.Quantile(1))
	}
	var all histogram
	for i := uint64(0); i < 1000; i++ {
		all.RecordMicros(i * 37)
	}
	if got := all.Mean(); got != time.Duration(999*37/2)*time.Microsecond+500*time.Nanosecond {
		t.Errorf("mean %v", got)
	}
}

func TestHistRecordAllocs(t *testing.T) {
	var h histogram
	if n := testing.AllocsPerRun(1000, func() { h.RecordMicros(12345) }); n != 0 {
		t.Errorf("%v allocations per record", n)
	}
}
