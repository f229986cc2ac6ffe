package engineio

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// poller watches every WebSocket connection of the process with one epoll
// set, so that an idle connection holds no goroutine: when a connection
// turns readable, a goroutine reads it, parses the frames into its
// wsReader (which keeps only a partial frame) and, after wsLinger, hands
// the connection back. Connections are registered one-shot, so one reader at a time
// runs per connection, and re-armed when their reader is done. The epoll
// descriptor is itself waited on through the runtime's poller, so no
// thread blocks in epoll_wait.
type poller struct {
	epfd int
	rc   syscall.RawConn // the epoll descriptor, as the runtime polls it

	mu    sync.Mutex
	conns map[uint64]*wsConn // by pollID, which the events carry
	next  uint64
}

// thePoller is the process's poller, started with the first connection.
var thePoller struct {
	once sync.Once
	p    *poller
	err  error
}

func getPoller() (*poller, error) {
	thePoller.once.Do(func() { thePoller.p, thePoller.err = newPoller() })
	return thePoller.p, thePoller.err
}

func newPoller() (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	// Never closed: the poller lives as long as the process.
	rc, err := os.NewFile(uintptr(fd), "epoll").SyscallConn()
	if err != nil {
		return nil, err
	}
	p := &poller{epfd: fd, rc: rc, conns: make(map[uint64]*wsConn)}
	go p.run()
	return p, nil
}

func (p *poller) run() {
	events := make([]unix.EpollEvent, 256)
	var ready []*wsConn
	for {
		var n int
		var werr error
		err := p.rc.Read(func(fd uintptr) bool {
			for {
				n, werr = unix.EpollWait(int(fd), events, 0)
				if !errors.Is(werr, unix.EINTR) {
					// Nothing ready: the runtime parks us until the epoll
					// descriptor turns readable.
					return n != 0 || werr != nil
				}
			}
		})
		if err == nil {
			err = werr
		}
		if err != nil {
			// Not expected for a valid epoll descriptor; reading would stop
			// for every connection, so say so loudly.
			panic("engineio: epoll_wait: " + err.Error())
		}
		p.mu.Lock()
		for _, ev := range events[:n] {
			if c := p.conns[uint64(uint32(ev.Fd))|uint64(uint32(ev.Pad))<<32]; c != nil {
				ready = append(ready, c)
			}
		}
		p.mu.Unlock()
		for i, c := range ready {
			go c.onReadable()
			ready[i] = nil
		}
		ready = ready[:0]
	}
}

// ctl adds or re-arms c, one-shot.
func (p *poller) ctl(c *wsConn, op int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT,
		Fd: int32(uint32(c.pollID)), Pad: int32(uint32(c.pollID >> 32))}
	var cerr error
	if err := c.raw.Control(func(fd uintptr) { cerr = unix.EpollCtl(p.epfd, op, int(fd), &ev) }); err != nil {
		return err
	}
	return cerr
}

// remove forgets c; pollID is read under mu because Close may run while
// startReading registers c.
func (p *poller) remove(c *wsConn) {
	p.mu.Lock()
	delete(p.conns, c.pollID)
	p.mu.Unlock()
}

// startReading parses what fasthttp read ahead and registers c with the
// poller; without a descriptor, or a poller, c gets a reading goroutine.
func (c *wsConn) startReading() {
	p, err := getPoller()
	if c.raw == nil || err != nil {
		go c.readLoop()
		return
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if !c.feedPrefix() {
		return
	}
	c.releaseReader()
	p.mu.Lock()
	p.next++
	c.pollID = p.next
	p.conns[c.pollID] = c
	p.mu.Unlock()
	if err := p.ctl(c, unix.EPOLL_CTL_ADD); err != nil {
		p.remove(c) // closed meanwhile
		c.endRead(err)
	}
}

// unregister forgets c; its descriptor leaves the epoll set as it closes.
func (c *wsConn) unregister() {
	if p, _ := getPoller(); p != nil {
		p.remove(c)
	}
}

// wsLinger is how long a connection's reader keeps it, at most, before it
// hands the connection back to the poller. Meanwhile, Go's netpoller wakes
// the reader as it would a blocking read: a connection that sends often
// costs no epoll_wait, no epoll_ctl and no new goroutine per burst. It is
// short because every reader lingering when many connect at once (a
// connect storm) holds a stack that the process keeps afterwards.
const wsLinger = 50 * time.Millisecond

// onReadable reads c while bytes keep coming, then re-arms it.
func (c *wsConn) onReadable() {
	// A handler that panics ends its connection, which nobody would
	// read again otherwise.
	defer recoverPanic(c.srv.log, func() { c.onClose(errHandlerPanic) })
	c.rmu.Lock()
	defer c.rmu.Unlock()
	_ = c.Conn.SetReadDeadline(time.Now().Add(wsLinger))
	for {
		var bp *[]byte // a buffer only while there are bytes in it
		var n int
		var rerr error
		err := c.raw.Read(func(fd uintptr) bool {
			bp = readBufs.Get().(*[]byte)
			for {
				if n, rerr = unix.Read(int(fd), *bp); !errors.Is(rerr, unix.EINTR) {
					break
				}
			}
			if errors.Is(rerr, unix.EAGAIN) {
				readBufs.Put(bp)
				bp = nil
				return false // wait for bytes, up to the linger
			}
			return true
		})
		if err == nil {
			err = rerr
		}
		if err == nil && n == 0 {
			err = io.EOF
		}
		if err == nil {
			err = c.reader().feed((*bp)[:n], c)
		}
		if bp != nil {
			readBufs.Put(bp)
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, os.ErrDeadlineExceeded):
			// Quiet for the linger: back to the poller, which reports
			// anything that came since.
			_ = c.Conn.SetReadDeadline(time.Time{})
			c.releaseReader()
			p, _ := getPoller()
			if err = p.ctl(c, unix.EPOLL_CTL_MOD); err == nil {
				return
			}
		}
		c.endRead(err)
		return
	}
}
