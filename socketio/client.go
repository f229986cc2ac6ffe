package socketio

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmio/wasmio/engineio"
)

// client is the Socket.IO side of one Engine.IO session: its sockets, one
// per connected namespace, and the state of a binary packet being reassembled.
// onMessage calls never overlap (the engine serializes them).
type client struct {
	srv          *Server
	sess         *engineio.Session
	connectTimer *time.Timer

	mu      sync.Mutex
	sockets []*Socket // one per namespace, rarely more than one: a slice is smaller than a map
	closed  bool

	decoder decoder
	// partial numbers the binary packet being reassembled (0: none); the
	// timer armed for packet n closes the connection if partial is still
	// n. started counts binary packets (onMessage only); attTimer is
	// guarded by mu.
	partial  atomic.Uint64
	started  uint64
	attTimer *time.Timer
}

func (c *client) onConnectTimeout() {
	c.mu.Lock()
	idle := len(c.sockets) == 0 && !c.closed
	c.mu.Unlock()
	if idle {
		c.sess.Close()
	}
}

// protocolError closes the connection of a client that broke the protocol.
func (c *client) protocolError(err error) {
	c.srv.eio.Config().Logger.Debug("socketio: closing connection", "sid", c.sess.ID(), "err", err)
	c.sess.Abort(engineio.ReasonParseError)
}

func (c *client) onMessage(data []byte, binary bool) {
	p, atts, ok, err := c.decoder.add(data, binary)
	if err != nil {
		c.protocolError(err)
		return
	}
	switch reassembling := c.decoder.pending != nil; {
	case reassembling && c.partial.Load() == 0:
		c.started++
		n := c.started
		c.partial.Store(n)
		t := time.AfterFunc(c.srv.attTimeout, func() { c.onAttachmentTimeout(n) })
		c.mu.Lock()
		c.attTimer = t
		c.mu.Unlock()
	case !reassembling && c.partial.Load() != 0:
		c.partial.Store(0)
		c.mu.Lock()
		c.attTimer.Stop()
		c.mu.Unlock()
	}
	if ok {
		c.dispatch(p, atts)
	}
}

// onAttachmentTimeout closes the connection of a client whose binary
// packet did not arrive whole in time.
func (c *client) onAttachmentTimeout(n uint64) {
	if c.partial.Load() != n {
		return // completed as the timer fired
	}
	c.srv.eio.Config().Logger.Info("socketio: closing a connection whose binary packet did not arrive whole in time",
		"sid", c.sess.ID(), "timeout", c.srv.attTimeout)
	c.sess.Abort(engineio.ReasonParseError)
}

func (c *client) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.socketLocked(nsp)
}

// socketLocked returns the socket in namespace nsp, or nil; mu must be held.
func (c *client) socketLocked(nsp string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == nsp {
			return s
		}
	}
	return nil
}

func (c *client) dispatch(p Packet, atts [][]byte) {
	switch p.Type {
	case PacketConnect:
		c.connect(p)
	case PacketDisconnect:
		if s := c.socket(p.Namespace); s != nil {
			s.onClose(ReasonClientNamespaceDisconnect)
		}
	case PacketEvent, PacketBinaryEvent:
		if s := c.socket(p.Namespace); s != nil {
			s.onEvent(p, atts)
		}
	case PacketAck, PacketBinaryAck:
		if s := c.socket(p.Namespace); s != nil {
			s.onAck(p, atts)
		}
	default:
		c.protocolError(fmt.Errorf("%w: a client may not send packet type %d", ErrParse, p.Type))
	}
}

// connect runs the namespace's Connect hook and answers CONNECT or CONNECT_ERROR.
func (c *client) connect(p Packet) {
	n := c.srv.Namespace(p.Namespace)
	if n == nil {
		c.send(encodeConnectError(p.Namespace, "Invalid namespace", nil))
		return
	}
	if c.socket(n.name) != nil {
		return // already connected there
	}
	auth := []byte("{}")
	if p.Data != nil {
		auth = bytes.Clone(p.Data)
	}
	s := newSocket(n, c, newHandshake(c.sess.Request(), auth))
	hooks := n.Hooks()
	if hooks.Connect != nil {
		if err := hooks.Connect(s); err != nil {
			msg, data := err.Error(), []byte(nil)
			if ce, ok := err.(*ConnectError); ok {
				msg, data = ce.Message, ce.Data
			}
			c.send(encodeConnectError(n.name, msg, data))
			return
		}
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.sockets = append(c.sockets, s)
	c.stopConnectTimerLocked()
	c.mu.Unlock()
	// The CONNECT goes out before the socket is reachable by broadcasts, so
	// no event can precede it on the wire.
	c.send(encodeConnect(n.name, s.id))
	if s.markConnected() && hooks.Connected != nil {
		hooks.Connected(s)
	}
}

// stopConnectTimerLocked stops the timer that closes a connection with no
// socket, and lets it go: an idle socket would otherwise keep it; mu must
// be held.
func (c *client) stopConnectTimerLocked() {
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
}

func (c *client) send(msgs ...*engineio.Message) error { return c.sess.Send(msgs...) }

func (c *client) removeSocket(s *Socket) {
	c.mu.Lock()
	if i := slices.Index(c.sockets, s); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
	}
	c.mu.Unlock()
}

func (c *client) allSockets() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sockets)
}

// disconnectAll sends each socket a DISCONNECT and closes it with reason.
func (c *client) disconnectAll(reason string) {
	for _, s := range c.allSockets() {
		s.disconnect(reason)
	}
}

// onClose closes every socket when the connection is gone.
func (c *client) onClose(reason string) {
	c.mu.Lock()
	c.closed = true
	c.stopConnectTimerLocked()
	if c.attTimer != nil {
		c.attTimer.Stop()
	}
	c.mu.Unlock()
	for _, s := range c.allSockets() {
		s.onClose(reason)
	}
}
