//go:build linux

package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/proto"
)

// readers is the goroutine-per-subscriber load pattern (the
// fanout-goroutines scenario): once the loop has connected a subscriber and
// it joined the room, the socket leaves the loop for a net.Conn read by a
// goroutine of its own, with blocking reads through a bufio.Reader, the way
// a typical Go client reads. How the server's writes coalesce depends on
// how its clients read, so this pattern and the loop's can give different
// results. The loop keeps the publisher, the schedule and the accounting;
// readers count deliveries through loop.deliver under loop.mu.
type readers struct {
	l       *loop
	wg      sync.WaitGroup
	closing atomic.Bool
	lost    atomic.Int64
	errMu   sync.Mutex
	err     error // the first reader's error
}

// startReaders hands every ready WebSocket subscriber over to a reader
// goroutine.
func (r *runner) startReaders() error {
	l := r.l
	rd := &readers{l: l}
	r.rd = rd
	// The loop must wake up now and then to see the readers' deliveries
	// (the closed loop's window).
	l.maxWait = time.Millisecond
	for i, c := range l.conns {
		if c.role != roleSub || c.polling || c.state != stReady {
			continue
		}
		if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil); err != nil {
			return fmt.Errorf("bench: epoll: %w", err)
		}
		l.byFD[c.fd] = nil
		f := os.NewFile(uintptr(c.fd), "subscriber")
		nc, err := net.FileConn(f) // a duplicate on Go's netpoller
		_ = f.Close()
		if err != nil {
			c.state = stClosed
			return fmt.Errorf("bench: handing a subscriber to its goroutine: %w", err)
		}
		c.nc = nc
		// Bytes the loop read but did not parse yet (a partial frame) come
		// first.
		var src io.Reader = nc
		if len(c.in) > 0 {
			src = io.MultiReader(bytes.NewReader(slices.Clone(c.in)), nc)
			c.in = nil
		}
		rd.wg.Add(1)
		go rd.read(c, src, 0x3c6ef372^uint32(i)*2654435761)
	}
	r.logf("  %d subscribers read by a goroutine each", l.ready-1)
	return nil
}

// read is a subscriber's goroutine: it reads frames until the connection
// fails or the readers stop, answers pings and counts events.
func (rd *readers) read(c *conn, src io.Reader, mask uint32) {
	defer rd.wg.Done()
	l := rd.l
	br := bufio.NewReader(src)
	var buf, out []byte
	pong := func(op byte, p []byte) error {
		mask = mask*1664525 + 1013904223
		out = proto.AppendFrame(out[:0], op, p, mask)
		_, err := c.nc.Write(out)
		return err
	}
	for {
		op, p, err := readFrame(br, buf)
		buf = p
		switch {
		case err != nil:
		case op == proto.OpPing:
			err = pong(proto.OpPong, p)
		case op == proto.OpClose:
			err = errors.New("bench: the server closed a WebSocket")
		case op != proto.OpText || len(p) == 0:
		case len(p) > 2 && p[0] == '4' && p[1] == '2': // EVENT
			ts, seq, ok := proto.ParseEvent(p[2:])
			now := l.now()
			l.mu.Lock()
			if ok {
				l.deliver(c, ts, seq, now)
			} else {
				l.bad++
			}
			l.mu.Unlock()
		case p[0] == '2': // Engine.IO ping
			err = pong(proto.OpText, pongPacket)
		case p[0] == '1' || len(p) > 1 && p[0] == '4' && p[1] == '1':
			err = errors.New("bench: the server closed a session")
		}
		if err != nil {
			rd.fail(err)
			return
		}
	}
}

// readFrame reads one WebSocket frame from br, its payload into buf's
// storage (grown as needed).
func readFrame(br *bufio.Reader, buf []byte) (op byte, payload []byte, err error) {
	h, err := br.Peek(2)
	if err != nil {
		return 0, buf, err
	}
	need := 2
	switch h[1] & 0x7f {
	case 126:
		need = 4
	case 127:
		need = 10
	}
	if h, err = br.Peek(need); err != nil {
		return 0, buf, err
	}
	op, hdr, plen, err := proto.FrameHeader(h)
	if err != nil {
		return 0, buf, err
	}
	_, _ = br.Discard(hdr)
	if cap(buf) < plen {
		buf = make([]byte, plen)
	}
	buf = buf[:plen]
	_, err = io.ReadFull(br, buf)
	return op, buf, err
}

// fail counts a subscriber lost, unless the readers are stopping.
func (rd *readers) fail(err error) {
	if rd.closing.Load() {
		return
	}
	rd.lost.Add(1)
	rd.errMu.Lock()
	if rd.err == nil {
		rd.err = err
	}
	rd.errMu.Unlock()
}

// lostCount returns the subscribers lost since the readers started (0 for
// nil readers).
func (rd *readers) lostCount() int {
	if rd == nil {
		return 0
	}
	return int(rd.lost.Load())
}

// stop closes the readers' connections and waits for their goroutines.
func (rd *readers) stop() {
	rd.closing.Store(true)
	for _, c := range rd.l.conns {
		if c.nc != nil {
			_ = c.nc.Close()
		}
	}
	rd.wg.Wait()
}

// firstErr returns the first connection error, the loop's or a reader's.
func (r *runner) firstErr() error {
	if r.l.firstErr != nil || r.rd == nil {
		return r.l.firstErr
	}
	r.rd.errMu.Lock()
	defer r.rd.errMu.Unlock()
	return r.rd.err
}
