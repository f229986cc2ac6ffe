package hostile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AnswerWithin is how soon a server must answer a new client after an
// attack.
const AnswerWithin = time.Second

// Answers checks that the server answers a new client within
// AnswerWithin: over polling and over WebSocket, a handshake and then a
// Socket.IO CONNECT to "/" that the server accepts.
func Answers(ctx context.Context, t Target) error {
	ctx, cancel := context.WithTimeout(ctx, AnswerWithin)
	defer cancel()
	c := NewClient(t)
	defer c.Close()
	var polling, ws error
	var wg sync.WaitGroup
	wg.Go(func() {
		_, polling = c.ConnectPolling(ctx, "/")
	})
	wg.Go(func() {
		var w *WS
		if w, _, ws = c.ConnectWS(ctx, "/"); ws == nil {
			w.Close()
		}
	})
	wg.Wait()
	if polling != nil {
		polling = fmt.Errorf("a new polling client was not answered within %v: %w", AnswerWithin, polling)
	}
	if ws != nil {
		ws = fmt.Errorf("a new WebSocket client was not answered within %v: %w", AnswerWithin, ws)
	}
	return errors.Join(polling, ws)
}

// Bounds on how far above its baseline a server's resident memory may
// stay once the attacks' connections are gone, at the attacks' default
// scale (Target.Conns 100). At their peak the attacks add about 45 MiB
// to a host serving them in the attacking process (both ends of several
// hundred connections, and a dozen clients each leaving over half a
// maxPayload, 1 MB by default, in partial binary packets); a server in
// a process of its own takes about half of that.
const (
	// SelfRSSBound is the bound for a server in this process, measured
	// after SettleRSS collected garbage and returned it to the system.
	// What stays without a leak is 6 to 9 MiB (fasthttp keeps idle
	// workers' goroutines for 10 s; the runtime keeps some spans and
	// pools). A server that keeps a third of what the attacks made it
	// take fails.
	SelfRSSBound = 16 << 20
	// RSSBound is the bound for a server in another process, which
	// SettleRSS cannot make collect garbage: the heap's garbage stays
	// until the server's next collection, up to wasmio's heap floor
	// (16 MiB) past the live heap, and the scavenger returns freed pages
	// gradually. At the default scale it only catches a gross leak; it
	// is meant for attacks at a larger scale (Target.Conns in the
	// thousands) or repeated rounds of them, where a leak grows past it.
	RSSBound = 64 << 20
)

// RSS returns the resident set size of process pid, from
// /proc/<pid>/status; pid 0 means this process.
func RSS(pid int) (int64, error) {
	p := "/proc/self/status"
	if pid != 0 {
		p = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s has no VmRSS", p)
}

// SettleRSS waits until the resident memory of process pid (0: this
// process) is at most baseline+bound, reading it every 100 ms until ctx
// ends, and returns the last reading. In this process it first returns
// freed memory to the system (debug.FreeOSMemory), so that the reading
// is what the process still uses, not what the runtime has yet to give
// back. Under the race detector (RaceDetector) this process's memory
// does not come back: check it in a build without -race.
func SettleRSS(ctx context.Context, pid int, baseline, bound int64) (int64, error) {
	self := pid == 0 || pid == os.Getpid()
	for {
		if self {
			debug.FreeOSMemory()
		}
		rss, err := RSS(pid)
		if err != nil || rss <= baseline+bound {
			return rss, err
		}
		select {
		case <-ctx.Done():
			return rss, fmt.Errorf("resident memory %d MiB stayed above the baseline %d MiB + %d MiB",
				rss>>20, baseline>>20, bound>>20)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// RaceDetector tells whether this binary runs under the race detector,
// whose shadow memory and per-goroutine state stay resident once
// touched: no bound on this process's RSS holds then.
var RaceDetector = func() bool {
	bi, ok := debug.ReadBuildInfo()
	if ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}()
