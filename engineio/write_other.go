//go:build !linux

package engineio

import (
	"net"
	"syscall"
)

// tryWriteFrames leaves every write to the blocking path (writeFrames)
// where writev is not reached directly.
func (c *wsConn) tryWriteFrames(bufs net.Buffers) (net.Buffers, error) { return bufs, nil }

func rawConn(net.Conn) syscall.RawConn { return nil }
