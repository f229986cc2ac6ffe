//go:build !unix

package sandbox_test

import (
	"testing"
	"time"
)

// processUsage is not measured here: the benchmarks report zeros.
type processUsage struct {
	cpu    time.Duration
	faults int64
}

func usage(*testing.B) processUsage { return processUsage{} }
