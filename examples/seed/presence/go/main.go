// Command presence is the documentation's Presence pattern, online and
// offline statuses, ported line by line: the same events with the same
// payloads. ../README.md sets the JavaScript next to this port; ../rust is
// the same handler in Rust.
package main

import (
	"encoding/json"
	"math"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

const (
	online         = "online"
	maxUserID      = 64        // characters, as JavaScript counts them
	maxSafeInteger = 1<<53 - 1 // Number.MAX_SAFE_INTEGER: larger numbers are not exact ids
)

func init() {
	wasmio.On("$connect", connect)
	wasmio.On("$disconnect", disconnect)
}

func main() {}

// connect is the documented $connect handler:
//
//	const userId = ns.socket.handshake.auth.userId;
//	ns.socket.data.userId = userId;
//	ns.socket.join('online');
//	ns.socket.to('online').emit('status', { userId, status: 'online' });
func connect(s *wasmio.Socket, e *wasmio.Event) error {
	userID, ok := authUserID(s)
	if !ok {
		return s.Reject("auth.userId must be a string of 1 to 64 characters or an integer", nil)
	}
	// Kept as JSON, so that a number comes back a number.
	if err := s.Data().PutJSON("userId", userID); err != nil {
		return err
	}
	if err := s.Join(online); err != nil {
		return err
	}
	return s.To(online).Emit("status", map[string]any{"userId": userID, "status": "online"})
}

// authUserID returns auth.userId: a string of 1 to maxUserID characters,
// none of them a control character, or an integer that JavaScript holds
// exactly, as an int64 (42.0 is 42, as JavaScript sends it back); ok is
// false for anything else.
func authUserID(s *wasmio.Socket) (userID any, ok bool) {
	var auth map[string]wasmio.Raw
	_ = s.Handshake().Auth(&auth)
	var v any
	if json.Unmarshal(auth["userId"], &v) != nil {
		return nil, false // absent, or a number beyond float64
	}
	switch v := v.(type) {
	case string:
		return v, wasmio.ValidName(v, maxUserID)
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > maxSafeInteger {
			return nil, false
		}
		return int64(v), true
	}
	return nil, false
}

// disconnect tells the sockets still online:
//
//	ns.to('online').emit('status', { userId: ns.socket.data.userId, status: 'offline' });
func disconnect(s *wasmio.Socket, e *wasmio.Event) error {
	userID, err := s.Data().Get("userId")
	if err != nil {
		return err
	}
	return s.Namespace().To(online).Emit("status", map[string]any{"userId": wasmio.Raw(userID), "status": "offline"})
}
