package engineio

import (
	"errors"
	"net"
	"sync"
)

// errHandlerPanic ends a connection whose handler panicked.
var errHandlerPanic = errors.New("engineio: a handler panicked while reading")

// readBufs holds the buffers readers take while a connection has bytes to
// read, so that an idle connection holds none.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// wsReaders holds parsers for connections between frames: an idle
// connection holds none.
var wsReaders = sync.Pool{New: func() any { return new(wsReader) }}

// reader returns c's parser, taking one from the pool if c has none; rmu
// must be held.
func (c *wsConn) reader() *wsReader {
	if c.rd == nil {
		c.rd = wsReaders.Get().(*wsReader)
		c.rd.max = c.srv.cfg.MaxPayload
	}
	return c.rd
}

// releaseReader gives c's parser back to the pool unless it holds part of
// a frame or a message; rmu must be held.
func (c *wsConn) releaseReader() {
	if r := c.rd; r != nil && !r.inFrame && r.nh == 0 && r.msgOp == 0 {
		*r = wsReader{}
		wsReaders.Put(r)
		c.rd = nil
	}
}

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
	if err := c.reader().feed(p, c); err != nil {
		c.endRead(err)
		return false
	}
	return true
}

// readLoop reads the connection until it ends, on a goroutine of its own:
// the reader where there is no epoll or no descriptor.
func (c *wsConn) readLoop() {
	// A handler that panics ends its connection, which nobody would
	// read again otherwise.
	defer recoverPanic(c.srv.log, func() { c.onClose(errHandlerPanic) })
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if !c.feedPrefix() {
		return
	}
	buf := make([]byte, wsReadBufferSize)
	for {
		n, err := c.Conn.Read(buf)
		if n > 0 {
			if ferr := c.reader().feed(buf[:n], c); ferr != nil {
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
