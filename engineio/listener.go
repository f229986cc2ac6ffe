package engineio

import (
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

// Accept backoff, as net/http's: from 5 ms, doubling, at most 1 s.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
	// acceptLogEvery rate-limits the log of failing accepts.
	acceptLogEvery = 10 * time.Second
)

// retryListener keeps accepting through errors that pass: running out of
// descriptors (EMFILE, ENFILE), of buffers or memory (ENOBUFS, ENOMEM), or
// a peer that reset before accept (ECONNABORTED). fasthttp's accept loop
// returns on any such error, which would end Serve and, with it, every
// connected socket; here the loop waits and retries instead, so the
// sockets already open keep being served.
type retryListener struct {
	net.Listener
	log      *slog.Logger
	failures *atomic.Uint64
	lastLog  time.Time // fasthttp accepts on one goroutine
}

// Accept returns the next connection, waiting out temporary errors.
func (l *retryListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err == nil || !temporaryAcceptError(err) {
			return c, err
		}
		l.failures.Add(1)
		if delay == 0 {
			delay = acceptBackoffMin
		} else {
			delay = min(2*delay, acceptBackoffMax)
		}
		if now := time.Now(); now.Sub(l.lastLog) >= acceptLogEvery {
			l.lastLog = now
			l.log.Error("engineio: accepting connections failed; retrying, the open sessions are still served",
				"reason", err, "retry_in", delay, "failures", l.failures.Load())
		}
		time.Sleep(delay)
	}
}

// temporaryAcceptError tells the accept errors that pass by themselves.
func temporaryAcceptError(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
