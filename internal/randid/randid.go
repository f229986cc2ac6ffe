// Package randid makes the random ids of Engine.IO sessions and Socket.IO
// sockets: 120 bits from crypto/rand, as 20 base64url characters (what
// Node's engine.io ids look like to clients and handlers).
package randid

import (
	"crypto/rand"
	"encoding/base64"
)

// New returns a new random id.
func New() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand's documented guarantee)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
