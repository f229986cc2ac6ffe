package engineio

import (
	"errors"
	"log/slog"
	"net"
	"sync"
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

// limitListener caps open connections, in all and per client address
// (Config.MaxConnections, MaxConnectionsPerIP). A connection over a cap is
// accepted and closed at once: left in the backlog, it would hold the
// client until its own timeout and the slot would look free to no one.
type limitListener struct {
	net.Listener
	log        *slog.Logger
	max, perIP int // 0 means no cap
	refused    *atomic.Uint64
	lastLog    time.Time // Accept runs on one goroutine
	mu         sync.Mutex
	open       int
	byIP       map[string]int
}

// Accept returns the next connection within the caps.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		l.mu.Lock()
		ok := (l.max == 0 || l.open < l.max) && (l.perIP == 0 || l.byIP[ip] < l.perIP)
		if ok {
			l.open++
			if l.perIP > 0 {
				l.byIP[ip]++
			}
		}
		l.mu.Unlock()
		if ok {
			return &limitedConn{Conn: c, l: l, ip: ip}, nil
		}
		_ = c.Close()
		l.refused.Add(1)
		if now := time.Now(); now.Sub(l.lastLog) >= acceptLogEvery {
			l.lastLog = now
			l.log.Warn("engineio: refusing connections over the connection caps",
				"address", ip, "max_connections", l.max, "max_connections_per_ip", l.perIP, "refused", l.refused.Load())
		}
	}
}

func (l *limitListener) release(ip string) {
	l.mu.Lock()
	l.open--
	if l.perIP > 0 {
		if l.byIP[ip]--; l.byIP[ip] <= 0 {
			delete(l.byIP, ip)
		}
	}
	l.mu.Unlock()
}

func remoteIP(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return c.RemoteAddr().String()
}

// limitedConn is a connection counted by a limitListener until it closes.
// A WebSocket takes the raw connection out of it (newWSConn) for writev,
// and calls release itself when it closes.
type limitedConn struct {
	net.Conn
	l    *limitListener
	ip   string
	once sync.Once
}

// Close closes the connection and frees its slot.
func (c *limitedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

func (c *limitedConn) release() { c.once.Do(func() { c.l.release(c.ip) }) }
