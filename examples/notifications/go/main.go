// Command notifications is the wasmio notifications example: every socket
// joins its user's room, subscribes to topics, and notifications go to a
// user (all of their sockets) or to a topic's subscribers. ../README.md
// documents the protocol; ../rust is the same handler in Rust.
package main

import (
	"encoding/hex"
	"encoding/json"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

const maxName = 128 // characters of a user id or a topic, as JavaScript counts them

// The errors acked to a client that asked for an ack; README.md lists them.
const (
	errPayload = "invalid payload"
	errTopic   = "invalid topic"
	errUserID  = "invalid userId"
	errRoute   = "exactly one of userId and topic is required"
)

func init() {
	wasmio.On("$connect", connect)
	wasmio.On("subscribe", func(s *wasmio.Socket, e *wasmio.Event) error { return subscription(s, e, s.Join) })
	wasmio.On("unsubscribe", func(s *wasmio.Socket, e *wasmio.Event) error { return subscription(s, e, s.Leave) })
	wasmio.On("notify", notify)
}

func main() {}

// The rooms: one per user, one per topic. The prefixes keep them apart from
// each other and from the sockets' own rooms.
func userRoom(id string) string     { return "user:" + id }
func topicRoom(topic string) string { return "topic:" + topic }

func connect(s *wasmio.Socket, e *wasmio.Event) error {
	id, ok := userID(s)
	if !ok {
		return s.Reject("auth.userId is required: a string of 1 to 128 characters", nil)
	}
	return s.Join(userRoom(id))
}

// userID returns the socket's auth.userId. The handshake comes with every
// event, so the id needs no storing.
func userID(s *wasmio.Socket) (string, bool) {
	var auth struct {
		UserID any `json:"userId"`
	}
	_ = s.Handshake().Auth(&auth)
	id, ok := auth.UserID.(string)
	return id, ok && wasmio.ValidName(id, maxName)
}

// subscription joins or leaves the topic of a subscribe or unsubscribe.
func subscription(s *wasmio.Socket, e *wasmio.Event, op func(...string) error) error {
	var req map[string]wasmio.Raw // its values as they were sent
	if e.Request(&req) != nil {
		return e.Refuse(errPayload)
	}
	topic, ok := str(req["topic"])
	if !ok || !wasmio.ValidName(topic, maxName) {
		return e.Refuse(errTopic)
	}
	if err := op(topicRoom(topic)); err != nil {
		return err
	}
	return e.Ack(map[string]any{"ok": true, "topic": topic})
}

func notify(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]wasmio.Raw // its values as they were sent
	if e.Request(&req) != nil {
		return e.Refuse(errPayload)
	}
	to, hasUser := req["userId"]
	topic, hasTopic := req["topic"]
	if hasUser == hasTopic {
		return e.Refuse(errRoute)
	}
	route, room, fail := "user", userRoom, errUserID
	if hasTopic {
		to, route, room, fail = topic, "topic", topicRoom, errTopic
	}
	name, ok := str(to)
	if !ok || !wasmio.ValidName(name, maxName) {
		return e.Refuse(fail)
	}
	from, _ := userID(s)
	id := hex.EncodeToString(wasmio.RandomBytes(8))
	// The client's fields go out as sent, plus three set here that a
	// recipient can trust.
	out := make(map[string]any, len(req)+3)
	for k, v := range req {
		out[k] = v
	}
	out["id"], out["from"], out["timestamp"] = id, from, e.Time().UnixMilli()
	if err := s.Namespace().To(room(name)).Emit("notification", out); err != nil {
		return err
	}
	return e.Ack(map[string]any{"ok": true, "id": id, "route": route, "room": room(name)})
}

// str returns the string a JSON value holds; ok is false for other values.
func str(v wasmio.Raw) (s string, ok bool) {
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}
