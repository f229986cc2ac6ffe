// Command notifications is the documentation's Live Notifications pattern,
// notifications to every socket of a user or to a topic's subscribers,
// ported line by line: the same events with the same payloads.
// ../README.md sets the JavaScript next to this port; ../rust is the same
// handler in Rust.
package main

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

const (
	maxName        = 64        // characters of a user id or a topic, as JavaScript counts them
	maxSafeInteger = 1<<53 - 1 // Number.MAX_SAFE_INTEGER: larger numbers are not exact ids
	userPrefix     = "user:"   // the room of a user's sockets
	topicPrefix    = "topic:"  // the room of a topic's subscribers
)

func init() {
	wasmio.On("$connect", connect)
	wasmio.On("subscribe", subscribe)
	wasmio.On("notify", notify)
}

func main() {}

// connect is the documented $connect handler:
//
//	const userId = ns.socket.handshake.auth.userId;
//	ns.socket.join(`user:${userId}`);
func connect(s *wasmio.Socket, e *wasmio.Event) error {
	var auth map[string]wasmio.Raw
	_ = s.Handshake().Auth(&auth)
	userID, ok := name(auth["userId"])
	if !ok {
		return s.Reject("auth.userId must be a string of 1 to 64 characters or an integer", nil)
	}
	return s.Join(userPrefix + userID)
}

// subscribe joins the topic's room:
//
//	ns.socket.join(`topic:${data.topic}`);
func subscribe(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]wasmio.Raw
	err := e.Request(&req)
	topic, okTopic := name(req["topic"])
	if err != nil || !okTopic {
		return nil // ignored, as the documentation advises
	}
	return s.Join(topicPrefix + topic)
}

// notify sends data.payload to a user's sockets or to a topic's
// subscribers, the sender included when it is one of them:
//
//	if (data.userId) {
//	  ns.to(`user:${data.userId}`).emit('notification', data.payload);
//	} else if (data.topic) {
//	  ns.to(`topic:${data.topic}`).emit('notification', data.payload);
//	}
func notify(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]wasmio.Raw // its values undecoded
	if e.Request(&req) != nil {
		return nil
	}
	prefix, to := userPrefix, req["userId"]
	if !truthy(to) {
		prefix, to = topicPrefix, req["topic"]
		if !truthy(to) {
			return nil // neither: nothing to do, as written
		}
	}
	target, ok := name(to)
	if !ok {
		return nil
	}
	payload := req["payload"]
	if payload == nil {
		payload = wasmio.Raw("null") // undefined, which JSON sends as null
	}
	// The payload goes out as sent; its Buffers too, with the event's
	// binary attachments their placeholders number into.
	args := append(append(wasmio.Raw("["), payload...), ']')
	return s.Namespace().To(prefix+target).Emit("notification", wasmio.Payload{Args: args, Attachments: e.Attachments()})
}

// truthy reports whether the JSON value v (nil when absent) is truthy in
// JavaScript: anything but null, false, 0 and "". A number too large for
// a float64 is Infinity there, truthy.
func truthy(v wasmio.Raw) bool {
	if v == nil {
		return false // absent: undefined
	}
	var x any
	if json.Unmarshal(v, &x) != nil {
		return true // a number beyond float64, alone or inside an object or array
	}
	switch x := x.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	}
	return true
}

// name returns `${v}` for a user id or a topic: v must be a string of 1 to
// maxName characters, none of them a control character, or an integer
// that JavaScript holds exactly, written in decimal as JavaScript writes
// it (42.0 is "42").
func name(v wasmio.Raw) (string, bool) {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return "", false // absent, or a number beyond float64
	}
	switch x := x.(type) {
	case string:
		return x, wasmio.ValidName(x, maxName)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > maxSafeInteger {
			return "", false
		}
		return strconv.FormatInt(int64(x), 10), true
	}
	return "", false
}
