//go:build linux

package loadgen

import (
	"syscall"
	"testing"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/proto"
)

// TestLoopAllocatesNothingPerMessage feeds the loop's read path, through a
// real socket, chunks of tick frames that end in the middle of a frame, and
// checks that reading, framing, parsing and accounting them allocates
// nothing.
func TestLoopAllocatesNothingPerMessage(t *testing.T) {
	l, err := newLoop(loopConfig{Addr: "127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	c := &conn{fd: fds[0], role: roleSub, state: stReady}
	l.byFD = make([]*conn, fds[0]+1)
	l.byFD[fds[0]] = c
	l.ready = 1
	const perChunk = 50
	l.phase(modeOpen, true, 4*perChunk)
	var stream []byte
	for i := 0; i < 4*perChunk; i++ {
		pkt := proto.AppendEvent(nil, "tick", -1, 1000+int64(i), uint64(i), 0)
		stream = proto.AppendServerFrame(stream, pkt)
	}
	// Chunks cut at arbitrary points, so frames straddle reads.
	size := len(stream) / 4
	cuts := [][]byte{stream[:size+7], stream[size+7 : 2*size+3], stream[2*size+3 : 3*size-5], stream[3*size-5:]}
	round := 0
	feed := func() {
		chunk := cuts[round%4]
		if round%4 == 0 {
			l.phase(modeOpen, true, 4*perChunk)
		}
		round++
		if n, err := syscall.Write(fds[1], chunk); err != nil || n != len(chunk) {
			t.Fatalf("write: %d %v", n, err)
		}
		l.readable(c)
	}
	allocs := testing.AllocsPerRun(200, feed)
	if allocs != 0 {
		t.Errorf("%v allocations per read of ~%d messages", allocs, perChunk)
	}
	if c.state != stReady || l.bad != 0 {
		t.Fatalf("state %d, %d bad events, error %v", c.state, l.bad, l.firstErr)
	}
	// After whole rounds every broadcast was counted once.
	for round%4 != 0 {
		feed()
	}
	if l.received != 4*perChunk {
		t.Errorf("received %d of %d", l.received, 4*perChunk)
	}
	for i := range l.bc {
		if l.bc[i].count != 1 {
			t.Fatalf("broadcast %d counted %d times", i, l.bc[i].count)
		}
	}
}
