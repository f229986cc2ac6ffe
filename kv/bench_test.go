package kv

import (
	"fmt"
	"sync/atomic"
	"testing"
)

var benchValue = make([]byte, 100)

// benchPut commits one Put of a fresh key.
func benchPut(b *testing.B, s *Store, i int64) {
	tx := s.Begin()
	tx.Put(fmt.Appendf(nil, "bench/%012d", i), benchValue)
	if err := s.Commit(tx); err != nil {
		b.Error(err) // Fatal is not allowed in RunParallel goroutines
	}
}

// reportBatching reports the average group commit size since start.
func reportBatching(b *testing.B, s *Store, start int, txns int64) {
	b.ReportMetric(float64(txns)/float64(batches(b, s)-start), "txns/batch")
}

func BenchmarkCommitSerial(b *testing.B) {
	s := openTest(b, "")
	start := batches(b, s)
	var n int64
	for b.Loop() {
		n++
		benchPut(b, s, n)
	}
	reportBatching(b, s, start, n)
}

func BenchmarkCommitParallel(b *testing.B) {
	s := openTest(b, "")
	start := batches(b, s)
	var n atomic.Int64
	b.SetParallelism(32) // many concurrent handlers even on few CPUs
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchPut(b, s, n.Add(1))
		}
	})
	reportBatching(b, s, start, n.Load())
}
