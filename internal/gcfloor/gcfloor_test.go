package gcfloor_test

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/wasmio/wasmio/internal/gcfloor"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name               string
		live, roots, floor uint64
		want               int
	}{
		{"small heap waits for the floor", 8 * mib, 0, 64 * mib, 700},
		{"roots count toward the goal", 8 * mib, 8 * mib, 64 * mib, 350},
		{"the minimum heap caps it", 1 * mib, 0, 64 * mib, 1600},
		{"an empty heap", 0, 0, 16 * mib, 400},
		{"half the floor is Go's default", 32 * mib, 0, 64 * mib, gcfloor.Base},
		{"above the floor is Go's default", 100 * mib, 0, 64 * mib, gcfloor.Base},
	} {
		if got := gcfloor.Percent(tc.live, tc.roots, tc.floor); got != tc.want {
			t.Errorf("%s: Percent(%d, %d, %d) = %d, want %d", tc.name, tc.live, tc.roots, tc.floor, got, tc.want)
		}
	}
}

// gogc reads the GC percentage in force.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// waitGOGC collects until the finalizer has set a percentage that ok accepts.
func waitGOGC(t *testing.T, ok func(int) bool) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		p := gogc()
		if ok(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("GC percentage stayed %d", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var sink []byte

// TestFloor checks, on the real collector, that garbage below the floor
// triggers (almost) no collection, that a live heap above half the floor
// brings back Go's default, and that stop restores the previous percentage.
func TestFloor(t *testing.T) {
	before := gogc()
	const floor = 32 << 20
	stop := gcfloor.Start(floor)
	defer stop()
	waitGOGC(t, func(p int) bool { return p > gcfloor.Base })

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcs := ms.NumGC
	for range (floor / 4) >> 10 {
		sink = make([]byte, 1<<10) // 16 MiB of garbage, 1 KiB at a time
	}
	runtime.ReadMemStats(&ms)
	if n := ms.NumGC - gcs; n > 1 {
		t.Errorf("%d collections for a quarter of the floor in garbage", n)
	}

	live := make([]byte, floor) // more than half the floor, live
	waitGOGC(t, func(p int) bool { return p == gcfloor.Base })
	runtime.KeepAlive(live)

	stop()
	if got := gogc(); got != before {
		t.Fatalf("after stop: GC percentage %d, want %d", got, before)
	}
}

func TestStartZeroStops(t *testing.T) {
	before := gogc()
	gcfloor.Start(32 << 20)
	gcfloor.Start(0)
	if got := gogc(); got != before {
		t.Fatalf("GC percentage %d, want %d", got, before)
	}
}

func TestRestart(t *testing.T) {
	before := gogc()
	stop1 := gcfloor.Start(1 << 30)
	stop2 := gcfloor.Start(512 << 20) // replaces the first; far above any live heap of these tests
	stop1()                           // no longer active: changes nothing
	if p := gogc(); p <= gcfloor.Base {
		t.Fatalf("the second floor is not in force: GC percentage %d", p)
	}
	stop2()
	if got := gogc(); got != before {
		t.Fatalf("GC percentage %d, want %d (the one before the first Start)", got, before)
	}
}
