package engineio

import (
	"errors"
	"net"
	"sync"
)

// readBufs holds the buffers readers take while a connection has bytes to
// read, so that an idle connection holds none.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// onControl answers a control frame: a ping with its pong, a close frame
// with the close frame echoing its code, which ends reading.
func (c *wsConn) onControl(op byte, payload []byte) error {
	switch op {
	case wsOpPing:
		return c.writeFrames(net.Buffers{controlFrame(wsOpPong, payload)})
	case wsOpClose:
		code, err := closePayload(payload)
		if err != nil {
			return err
		}
		_ = c.writeFrames(net.Buffers{closeFrame(code)})
		return errPeerClosed
	}
	return nil // a pong
}

// endRead ends the connection for err: a client's protocol violation is
// answered with a close frame first.
func (c *wsConn) endRead(err error) {
	var we *wsError
	if errors.As(err, &we) {
		c.srv.log.Debug("engineio: websocket closed", "remote", c.RemoteAddr(), "err", err)
		_ = c.writeFrames(net.Buffers{closeFrame(we.code)})
	}
	c.onClose(err)
}

// feedPrefix parses the bytes read past the handshake; false means the
// connection ended.
func (c *wsConn) feedPrefix() bool {
	p := c.prefix
	c.prefix = nil
	if err := c.rd.feed(p, c); err != nil {
		c.endRead(err)
		return false
	}
	return true
}

// readLoop reads the connection until it ends, on a goroutine of its own:
// the reader where there is no epoll or no descriptor.
func (c *wsConn) readLoop() {
	defer recoverPanic(c.srv.log)
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if !c.feedPrefix() {
		return
	}
	buf := make([]byte, wsReadBufferSize)
	for {
		n, err := c.Conn.Read(buf)
		if n > 0 {
			if ferr := c.rd.feed(buf[:n], c); ferr != nil {
				c.endRead(ferr)
				return
			}
		}
		if err != nil {
			c.endRead(err)
			return
		}
	}
}
