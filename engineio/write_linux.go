package engineio

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxIovecs is how many buffers one writev takes (Linux's IOV_MAX).
const maxIovecs = 1024

// tryWriteFrames writes as much of bufs as the connection takes now,
// without waiting, and returns what is left. It leaves everything to the
// blocking path (writeFrames) when the connection has no descriptor to
// write to directly (TLS) or a control frame is being written.
func (c *wsConn) tryWriteFrames(bufs net.Buffers) (net.Buffers, error) {
	if c.raw == nil || !c.wmu.TryLock() {
		return bufs, nil
	}
	defer c.wmu.Unlock()
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for len(bufs) > 0 {
			n, err := unix.Writev(int(fd), bufs[:min(len(bufs), maxIovecs)])
			switch {
			case errors.Is(err, unix.EINTR):
				continue
			case errors.Is(err, unix.EAGAIN):
				return true
			case err != nil:
				werr = err
				return true
			}
			consume(&bufs, n)
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return bufs, err
}

// consume drops the first n bytes of *v, as net.Buffers.WriteTo does; it
// reslices the headers only, never the frames they share.
func consume(v *net.Buffers, n int) {
	for len(*v) > 0 && n >= len((*v)[0]) {
		n -= len((*v)[0])
		(*v)[0] = nil
		*v = (*v)[1:]
	}
	if n > 0 {
		(*v)[0] = (*v)[0][n:]
	}
}

// rawConn returns the descriptor access of a TCP or Unix connection, or nil.
func rawConn(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}
