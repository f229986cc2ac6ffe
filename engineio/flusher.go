package engineio

import (
	"net"
	"runtime"
	"sync"
)

// flusher writes the queues of a shard of WebSocket sessions, one write
// per dirty session per pass. A session that queues more while the pass
// works through the others is written once on the next pass, with all of
// it: when a broadcast outpaces the writes, frames coalesce in the
// per-session queues, many per write, instead of each frame costing a
// system call of its own. A pass takes as long as its writes, which bounds
// how long a queued frame waits for its write.
//
// Writes are non-blocking: a session whose connection does not take all
// of its frames (a client that reads slowly) gets a goroutine of its own
// that writes the rest and its queue until empty, so that it never holds
// up the shard. The flusher's goroutine runs while it has work and exits
// when a pass finds none.
// yieldEvery is how many sessions a flusher writes before it yields.
const yieldEvery = 256

type flusher struct {
	mu      sync.Mutex
	dirty   []*Session
	spare   []*Session
	running bool
	bufs    net.Buffers // the pass's frames; flusher goroutine only
}

// newFlushers returns a flusher per processor, so that passes run in
// parallel where there are processors for them.
func newFlushers() []*flusher {
	fs := make([]*flusher, runtime.GOMAXPROCS(0))
	for i := range fs {
		fs[i] = new(flusher)
	}
	return fs
}

// add marks s dirty; s.flushing is set, so s is added once until written.
func (f *flusher) add(s *Session) {
	f.mu.Lock()
	f.dirty = append(f.dirty, s)
	start := !f.running
	f.running = true
	f.mu.Unlock()
	if start {
		go f.run()
	}
}

func (f *flusher) run() {
	for {
		f.mu.Lock()
		if len(f.dirty) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		pass := f.dirty
		f.dirty, f.spare = f.spare[:0], nil
		f.mu.Unlock()
		for i, s := range pass {
			s.flushOnce(f)
			if i%yieldEvery == yieldEvery-1 {
				// The goroutines that queue (a handler's broadcast, the
				// readers) get their turn now, not at the next preemption,
				// 10 ms away: that would be the latency of everything queued.
				runtime.Gosched()
			}
		}
		runtime.Gosched()
		clear(pass)
		f.mu.Lock()
		f.spare = pass[:0]
		f.mu.Unlock()
	}
}

// flushOnce writes what s has queued, without blocking, and puts s back
// on f's dirty list when more is queued meanwhile.
func (s *Session) flushOnce(f *flusher) {
	s.mu.Lock()
	c := s.ws
	if c == nil || len(s.queue) == 0 {
		s.flushing = false
		done := c != nil && sessionState(s.state.Load()) == stateClosing
		s.mu.Unlock()
		if done {
			go s.closeWS(c) // the close frame is a blocking write
		}
		return
	}
	batch := s.takeQueueLocked()
	s.mu.Unlock()

	bufs := appendFrames(f.bufs[:0], batch)
	rest, err := c.tryWriteFrames(bufs)
	switch {
	case err != nil:
		s.srv.log.Debug("engineio: write failed", "sid", s.id, "err", err)
		go s.fail(ReasonTransportError) // runs the Handler's OnClose
	case len(rest) > 0:
		// The connection is full: a goroutine of its own waits for it, and
		// keeps s.flushing until the queue is empty.
		pending := append(net.Buffers(nil), rest...)
		go s.flush(c, pending, batch)
		batch = nil
	}
	clear(bufs)
	f.bufs = bufs[:0]
	if batch == nil || err != nil {
		return
	}
	clear(batch)
	s.mu.Lock()
	s.spare = batch[:0]
	again := s.ws == c && (len(s.queue) > 0 || sessionState(s.state.Load()) == stateClosing)
	if !again {
		s.flushing = false
	}
	s.mu.Unlock()
	if again {
		f.add(s)
	}
}
