//go:build unix

package sandbox_test

import (
	"syscall"
	"testing"
	"time"
)

// processUsage is the process's CPU time (user and system) and minor page
// faults so far. CPU time leaves out the time other processes take from a
// shared core, which wall time counts (a hypervisor's steal it does not);
// faults count the pages guests touch in mapped memories (memory.go).
type processUsage struct {
	cpu    time.Duration
	faults int64
}

// usage reads the process's usage.
func usage(b *testing.B) processUsage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return processUsage{time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Minflt}
}
