//go:build linux

package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/proto"
)

// role is what a load generator connection does once connected.
type role uint8

const (
	roleSub   role = iota // joins the room and receives broadcasts
	rolePub               // publishes; never joins
	roleEcho              // sends echo events, closed loop
	roleStorm             // connects (with a token) and stays idle
)

type connState uint8

const (
	stConnecting connState = iota // TCP connect in progress
	stUpgrading                   // waiting for the 101 response
	stOpening                     // waiting for the Engine.IO open packet
	stNamespace                   // sent CONNECT, waiting for its answer
	stJoining                     // sent join, waiting for its ack
	stReady
	stClosed
)

// conn is one load generator connection; the loop is its only user.
type conn struct {
	fd      int
	role    role
	state   connState
	polling bool
	armedW  bool   // EPOLLOUT is armed
	in      []byte // received bytes not parsed yet (a partial frame)
	out     []byte // bytes the socket did not take yet
	start   int64  // loop time the connection attempt began
	// nc is set when a reader goroutine took the connection over (the
	// fanout-goroutines scenario): fd is closed then, and nc owns the socket.
	nc net.Conn

	// long-polling
	sid      string
	inflight byte   // 0, 'G' (a GET waits) or 'P' (a POST waits)
	pollOut  []byte // Engine.IO packets to POST, joined by 0x1e
}

// bcast is what the loop tracks per broadcast.
type bcast struct {
	sched, first, last int64
	count              uint32
}

// loopMode says what the loop does between batches and on its timer.
type loopMode uint8

const (
	modeIdle   loopMode = iota
	modeOpen            // fanout, open loop: the timer sends on schedule
	modeClosed          // fanout, closed loop: a window of deliveries in flight
	modeEcho            // echo senders, closed loop
	modeStorm           // connect as fast as the concurrency allows
)

// loopConfig says where and how the loop connects.
type loopConfig struct {
	Addr  string // host:port (IPv4)
	Path  string // Socket.IO path; "" means /socket.io/
	Room  string // the room subscribers join; "" means "bench"
	Token string // JWT sent in every CONNECT's auth ({"token":...}); "" sends none
	Pad   int    // extra bytes in each event's argument
}

// loop is the load generator: every connection on one epoll instance, driven
// by one goroutine. Its methods must be called from that goroutine.
type loop struct {
	cfg    loopConfig
	sa     syscall.SockaddrInet4
	epfd   int
	tfd    int
	events []syscall.EpollEvent
	byFD   []*conn
	conns  []*conn
	buf    []byte
	pkt    []byte // an outgoing Engine.IO packet being built
	frame  []byte // an outgoing WebSocket frame being built
	req    []byte // an outgoing polling request being built
	base   time.Time
	mask   uint32
	// maxWait bounds each epoll wait: the loop's own reads wake it, but
	// deliveries counted by reader goroutines do not.
	maxWait time.Duration

	upgrade []byte
	connect []byte // "40" or 40{"token":...}
	join    []byte

	// results.Setup and connection accounting.
	ready, dialing int
	lost           int   // connections that closed or failed after being ready
	failed         int   // connections that never became ready
	firstErr       error // the first connection error, for the report

	// Current phase. When reader goroutines deliver (readers), mu guards
	// what deliver writes (track, bc's counts, seqBase, hist, received,
	// stray, bad, lastRecv), and the loop's goroutine takes it wherever it
	// resets or reads them; otherwise only the loop's goroutine uses them,
	// and its read path does not lock.
	mu        sync.Mutex
	mode      loopMode
	track     bool    // per-broadcast accounting in bc
	bc        []bcast // indexed by seq - seqBase
	seqBase   uint64  // first seq of the phase
	nextSeq   uint64  // next seq to use (across phases)
	recipient uint64  // recipients per broadcast
	hist      histogram
	received  uint64 // deliveries of the phase's broadcasts
	stray     uint64 // deliveries of earlier phases' broadcasts
	bad       uint64 // events that did not parse
	lastRecv  int64

	// Publishing.
	pub       *conn
	event     string // event name publishers send
	sent      uint64 // broadcasts sent in the phase
	plan      uint64 // broadcasts to send (open loop)
	t0        int64  // open loop: scheduled time of broadcast 0
	interval  int64  // open loop: ns between broadcasts
	sendUntil int64  // closed loops: no new sends after this
	window    uint64 // closed loops: deliveries (fanout) or events per socket (echo) in flight

	// Connect storm: stormRole is what its connections do once connected
	// (roleStorm: stay idle; roleSub: join the room, and count when the
	// join is acknowledged).
	stormTotal, stormStarted, stormConc int
	stormRole                           role
	stormHist                           histogram
}

// newLoop creates an empty loop.
func newLoop(cfg loopConfig) (*loop, error) {
	if cfg.Path == "" {
		cfg.Path = "/socket.io/"
	}
	if cfg.Room == "" {
		cfg.Room = "bench"
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("bench: address %q: %v", cfg.Addr, err)
	}
	ip := net.ParseIP(host).To4()
	if ip == nil {
		return nil, fmt.Errorf("bench: address %q: the load generator needs an IPv4 address", cfg.Addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("bench: address %q: %v", cfg.Addr, err)
	}
	l := &loop{cfg: cfg, epfd: -1, tfd: -1, base: time.Now(), mask: 0x5a17c3e9, maxWait: 50 * time.Millisecond,
		events: make([]syscall.EpollEvent, 512), buf: make([]byte, 256<<10)}
	l.sa.Port = p
	copy(l.sa.Addr[:], ip)
	l.upgrade = proto.UpgradeRequest(cfg.Addr, cfg.Path)
	l.connect = []byte("40")
	if cfg.Token != "" {
		l.connect = []byte(`40{"token":"` + cfg.Token + `"}`)
	}
	l.join = []byte(`420["join","` + cfg.Room + `"]`)
	if l.epfd, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return nil, fmt.Errorf("bench: epoll: %w", err)
	}
	if l.tfd, err = timerfdCreate(); err != nil {
		_ = syscall.Close(l.epfd)
		return nil, fmt.Errorf("bench: timerfd: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(l.tfd)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, l.tfd, &ev); err != nil {
		l.Close()
		return nil, fmt.Errorf("bench: epoll: %w", err)
	}
	return l, nil
}

// Close closes every connection and the loop.
func (l *loop) Close() {
	for _, c := range l.conns {
		if c.nc != nil {
			_ = c.nc.Close()
		} else if c.state != stClosed {
			_ = syscall.Close(c.fd)
			c.state = stClosed
		}
	}
	l.conns = nil
	if l.tfd >= 0 {
		_ = syscall.Close(l.tfd)
		l.tfd = -1
	}
	if l.epfd >= 0 {
		_ = syscall.Close(l.epfd)
		l.epfd = -1
	}
}

// now is the loop's clock: nanoseconds since the loop was created, on the
// monotonic clock. Event timestamps use it.
func (l *loop) now() int64 { return int64(time.Since(l.base)) }

// dial starts connecting one socket.
func (l *loop) dial(r role, polling bool) error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bench: socket: %w (raise ulimit -n?)", err)
	}
	_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	if err := syscall.Connect(fd, &l.sa); err != nil && err != syscall.EINPROGRESS {
		_ = syscall.Close(fd)
		return fmt.Errorf("bench: connect %s: %w", l.cfg.Addr, err)
	}
	c := &conn{fd: fd, role: r, polling: polling, start: l.now(), armedW: true}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLOUT | syscall.EPOLLRDHUP, Fd: int32(fd)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		_ = syscall.Close(fd)
		return fmt.Errorf("bench: epoll: %w", err)
	}
	for fd >= len(l.byFD) {
		l.byFD = append(l.byFD, make([]*conn, len(l.byFD)+1024)...)
	}
	l.byFD[fd] = c
	l.conns = append(l.conns, c)
	l.dialing++
	return nil
}

// poll waits up to timeout for events and handles them.
func (l *loop) poll(timeout time.Duration) error {
	ms := int(timeout / time.Millisecond)
	if timeout > 0 && ms == 0 {
		ms = 1
	}
	n, err := syscall.EpollWait(l.epfd, l.events, ms)
	if err != nil {
		if err == syscall.EINTR {
			return nil
		}
		return fmt.Errorf("bench: epoll_wait: %w", err)
	}
	for i := 0; i < n; i++ {
		ev := &l.events[i]
		fd := int(ev.Fd)
		if fd == l.tfd {
			var b [8]byte
			_, _ = syscall.Read(l.tfd, b[:])
			l.onTimer()
			continue
		}
		c := l.byFD[fd]
		if c == nil || c.state == stClosed {
			continue
		}
		if ev.Events&(syscall.EPOLLOUT|syscall.EPOLLERR) != 0 {
			l.writable(c)
		}
		if c.state != stClosed && ev.Events&(syscall.EPOLLIN|syscall.EPOLLHUP|syscall.EPOLLRDHUP|syscall.EPOLLERR) != 0 {
			l.readable(c)
		}
	}
	l.pump()
	return nil
}

// runUntil polls until done returns true, or fails at the deadline.
func (l *loop) runUntil(deadline time.Time, what string, done func() bool) error {
	ok, err := l.pollUntil(deadline, done)
	if err == nil && !ok {
		err = fmt.Errorf("bench: timed out %s", what)
	}
	return err
}

// runFor polls for d.
func (l *loop) runFor(d time.Duration) error {
	_, err := l.pollUntil(time.Now().Add(d), func() bool { return false })
	return err
}

// pollUntil polls until done returns true or end passes; it reports whether
// done did.
func (l *loop) pollUntil(end time.Time, done func() bool) (bool, error) {
	for !done() {
		left := time.Until(end)
		if left <= 0 {
			return false, nil
		}
		if err := l.poll(min(left, l.maxWait)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// fail closes c after an error; it counts as lost if it was ready.
func (l *loop) fail(c *conn, err error) {
	if c.state == stClosed {
		return
	}
	if c.state == stReady {
		l.lost++
		l.ready--
	} else {
		l.failed++
		l.dialing--
	}
	if l.firstErr == nil && err != nil {
		l.firstErr = err
	}
	c.state = stClosed
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	_ = syscall.Close(c.fd)
	l.byFD[c.fd] = nil
	if l.mode == modeStorm {
		l.stormNext()
	}
}

func (l *loop) setReady(c *conn) {
	c.state = stReady
	l.ready++
	l.dialing--
	if l.mode == modeStorm && c.role == l.stormRole {
		l.stormHist.Record(time.Duration(l.now() - c.start))
		l.stormNext()
	}
}

func (l *loop) armWrite(c *conn, on bool) {
	if c.armedW == on {
		return
	}
	c.armedW = on
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(c.fd)}
	if on {
		ev.Events |= syscall.EPOLLOUT
	}
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev)
}

// write sends b, keeping what the socket does not take for later.
func (l *loop) write(c *conn, b []byte) {
	if c.state == stClosed {
		return
	}
	if len(c.out) > 0 || c.state == stConnecting {
		c.out = append(c.out, b...)
		return
	}
	n, err := syscall.Write(c.fd, b)
	if err != nil {
		if err != syscall.EAGAIN {
			l.fail(c, fmt.Errorf("bench: write: %w", err))
			return
		}
		n = 0
	}
	if n < len(b) {
		c.out = append(c.out, b[n:]...)
		l.armWrite(c, true)
	}
}

func (l *loop) writable(c *conn) {
	if c.state == stConnecting {
		errno, err := syscall.GetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
		if err == nil && errno != 0 {
			err = syscall.Errno(errno)
		}
		if err != nil {
			l.fail(c, fmt.Errorf("bench: connect %s: %w", l.cfg.Addr, err))
			return
		}
		if c.polling {
			c.state = stOpening
			l.pollRequest(c, nil)
		} else {
			c.state = stUpgrading
			c.out = append(c.out, l.upgrade...)
		}
	}
	for len(c.out) > 0 {
		n, err := syscall.Write(c.fd, c.out)
		if err != nil {
			if err == syscall.EAGAIN {
				return
			}
			l.fail(c, fmt.Errorf("bench: write: %w", err))
			return
		}
		c.out = c.out[:copy(c.out, c.out[n:])]
	}
	l.armWrite(c, false)
}

func (l *loop) readable(c *conn) {
	have := len(c.in)
	if have+4096 > len(l.buf) {
		l.buf = make([]byte, 2*(have+4096))
	}
	copy(l.buf, c.in)
	n, err := syscall.Read(c.fd, l.buf[have:])
	if err != nil {
		if err == syscall.EAGAIN || err == syscall.EINTR {
			return
		}
		l.fail(c, fmt.Errorf("bench: read: %w", err))
		return
	}
	if n == 0 {
		l.fail(c, errors.New("bench: the server closed a connection"))
		return
	}
	now := l.now()
	data := l.buf[:have+n]
	var used int
	if c.polling {
		used, err = l.pollResponses(c, data, now)
	} else {
		used, err = l.frames(c, data, now)
	}
	if err != nil {
		l.fail(c, err)
		return
	}
	if c.state != stClosed {
		c.in = append(c.in[:0], data[used:]...)
	}
}

// frames handles the WebSocket bytes in data and returns how many it used.
func (l *loop) frames(c *conn, data []byte, now int64) (int, error) {
	off := 0
	if c.state == stUpgrading {
		n, err := proto.ParseUpgradeResponse(data)
		if err != nil || n == 0 {
			return 0, err
		}
		off = n
		c.state = stOpening
	}
	for c.state != stClosed {
		op, hdr, plen, err := proto.FrameHeader(data[off:])
		if err != nil {
			return 0, err
		}
		if hdr == 0 || off+hdr+plen > len(data) {
			break
		}
		p := data[off+hdr : off+hdr+plen]
		off += hdr + plen
		switch op {
		case proto.OpText:
			if len(p) > 0 {
				l.packet(c, p, now)
			}
		case proto.OpPing:
			l.frame = proto.AppendFrame(l.frame[:0], proto.OpPong, p, l.mask)
			l.write(c, l.frame)
		case proto.OpClose:
			return 0, errors.New("bench: the server closed a WebSocket")
		}
	}
	return off, nil
}

// send sends one Engine.IO packet.
func (l *loop) send(c *conn, pkt []byte) {
	if c.polling {
		if len(c.pollOut) > 0 {
			c.pollOut = append(c.pollOut, 0x1e)
		}
		c.pollOut = append(c.pollOut, pkt...)
		if c.inflight == 0 {
			l.pollNext(c)
		}
		return
	}
	l.mask = l.mask*1664525 + 1013904223
	l.frame = proto.AppendFrame(l.frame[:0], proto.OpText, pkt, l.mask)
	l.write(c, l.frame)
}

// packet handles one Engine.IO packet.
func (l *loop) packet(c *conn, p []byte, now int64) {
	switch p[0] {
	case '4':
		if len(p) < 2 {
			return
		}
		switch p[1] {
		case '2': // EVENT
			if c.state != stReady {
				return
			}
			ts, seq, ok := proto.ParseEvent(p[2:])
			if !ok {
				l.bad++
				return
			}
			l.deliver(c, ts, seq, now)
		case '3': // ACK: the join's
			if c.state == stJoining {
				l.setReady(c)
			}
		case '0': // CONNECT
			if c.state != stNamespace {
				return
			}
			if c.role == roleSub {
				c.state = stJoining
				l.send(c, l.join)
			} else {
				l.setReady(c)
			}
		case '4': // CONNECT_ERROR
			l.fail(c, errors.New("bench: connection refused by the server: "+string(p[2:])))
		case '1': // DISCONNECT
			l.fail(c, errors.New("bench: the server disconnected a socket"))
		}
	case '0': // open
		if c.state != stOpening {
			return
		}
		if c.polling {
			c.sid = proto.OpenSID(p[1:])
			if c.sid == "" {
				l.fail(c, errors.New("bench: open packet without a sid"))
				return
			}
		}
		c.state = stNamespace
		l.send(c, l.connect)
	case '2': // ping
		l.send(c, pongPacket)
	case '1': // close
		l.fail(c, errors.New("bench: the server closed a session"))
	}
}

// deliver accounts one received event.
func (l *loop) deliver(c *conn, ts int64, seq uint64, now int64) {
	if seq < l.seqBase {
		l.stray++
		return
	}
	if l.track {
		i := seq - l.seqBase
		if i >= uint64(len(l.bc)) {
			l.stray++
			return
		}
		b := &l.bc[i]
		if b.count == 0 {
			b.first = now
		}
		b.last = now
		b.count++
	}
	l.hist.Record(time.Duration(now - ts))
	l.received++
	l.lastRecv = now
	if c.role == roleEcho {
		if l.mode == modeEcho && now < l.sendUntil {
			l.echo(c, now)
		}
	}
}

func (l *loop) echo(c *conn, now int64) {
	seq := l.nextSeq
	l.nextSeq++
	l.sent++
	l.pkt = proto.AppendEvent(l.pkt[:0], "echo", -1, now, seq, l.cfg.Pad)
	l.send(c, l.pkt)
}

func (l *loop) publish(ts int64) {
	seq := l.nextSeq
	l.nextSeq++
	if l.track {
		l.bc[seq-l.seqBase].sched = ts
	}
	l.sent++
	l.pkt = proto.AppendEvent(l.pkt[:0], l.event, -1, ts, seq, l.cfg.Pad)
	l.send(l.pub, l.pkt)
}

// pump runs after every batch of events: closed loops send here.
func (l *loop) pump() {
	switch l.mode {
	case modeClosed:
		l.mu.Lock()
		defer l.mu.Unlock()
		now := l.now()
		for now < l.sendUntil && l.sent*l.recipient < l.received+l.window && l.sent < uint64(len(l.bc)) && l.pub.state == stReady {
			l.publish(now)
		}
	}
}

// onTimer sends the open loop's broadcasts that are due, then re-arms.
func (l *loop) onTimer() {
	if l.mode != modeOpen {
		return
	}
	now := l.now()
	for l.sent < l.plan && l.t0+int64(l.sent)*l.interval <= now {
		if l.pub.state != stReady {
			return
		}
		l.publish(l.t0 + int64(l.sent)*l.interval)
	}
	if l.sent < l.plan {
		timerfdSet(l.tfd, l.t0+int64(l.sent)*l.interval-now)
	}
}

// stormNext starts connections while the storm has room for more.
func (l *loop) stormNext() {
	for l.mode == modeStorm && l.stormStarted < l.stormTotal && l.dialing < l.stormConc {
		l.stormStarted++
		if err := l.dial(l.stormRole, false); err != nil {
			l.failed++
			if l.firstErr == nil {
				l.firstErr = err
			}
		}
	}
}

// Long-polling.

func (l *loop) pollRequest(c *conn, body []byte) {
	l.req = proto.AppendPollingRequest(l.req[:0], l.cfg.Addr, l.cfg.Path, c.sid, body)
	if body == nil {
		c.inflight = 'G'
	} else {
		c.inflight = 'P'
	}
	l.write(c, l.req)
}

// pollNext issues the connection's next request: queued packets first,
// then a GET that waits for the server's.
func (l *loop) pollNext(c *conn) {
	if c.state == stClosed {
		return
	}
	if len(c.pollOut) > 0 {
		l.pollRequest(c, c.pollOut)
		c.pollOut = c.pollOut[:0]
		return
	}
	l.pollRequest(c, nil)
}

// pollResponses handles the HTTP responses in data and returns how many
// bytes it used.
func (l *loop) pollResponses(c *conn, data []byte, now int64) (int, error) {
	off := 0
	for c.state != stClosed {
		status, body, n, err := proto.ParseHTTPResponse(data[off:])
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
		off += n
		if status != 200 {
			return 0, fmt.Errorf("bench: polling request answered %d: %.200s", status, body)
		}
		was := c.inflight
		c.inflight = 0
		if was == 'G' {
			for len(body) > 0 {
				rec := body
				if i := bytes.IndexByte(body, 0x1e); i >= 0 {
					rec, body = body[:i], body[i+1:]
				} else {
					body = nil
				}
				if len(rec) > 0 && c.state != stClosed {
					l.packet(c, rec, now)
				}
			}
		}
		if c.inflight == 0 {
			l.pollNext(c)
		}
	}
	return off, nil
}

// timerfd, which the syscall package does not wrap.

func timerfdCreate() (int, error) {
	const tfdNonblock, tfdCloexec = syscall.O_NONBLOCK, syscall.O_CLOEXEC
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, 1 /* CLOCK_MONOTONIC */, tfdNonblock|tfdCloexec, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// timerfdSet arms the timer to fire once after d nanoseconds (at once when
// d <= 0).
func timerfdSet(fd int, d int64) {
	if d <= 0 {
		d = 1
	}
	spec := [4]int64{0, 0, d / 1e9, d % 1e9} // it_interval, it_value
	_, _, _ = syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, uintptr(fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
}

var pongPacket = []byte{'3'}
