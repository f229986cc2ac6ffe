//go:build !linux

package engineio

// startReading runs the connection's reader.
func (c *wsConn) startReading() { go c.readLoop() }

// unregister is a no-op: only Linux has the poller.
func (c *wsConn) unregister() {}
