// Command chat is the wasmio group chat example: a lobby and named rooms,
// messages, typing indicators and private messages. ../README.md documents
// the protocol; ../rust is the same handler in Rust.
package main

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

const (
	lobby       = "lobby"
	anonymous   = "Anonymous"
	maxUsername = 32   // characters
	maxRoom     = 32   // bytes of [A-Za-z0-9_-]
	maxSocketID = 64   // bytes of [A-Za-z0-9_-]
	maxText     = 1000 // characters
)

// The errors acked to a client that asked for an ack; README.md lists them.
const (
	errPayload = "invalid payload"
	errText    = "invalid text"
	errRoom    = "invalid room"
	errNotIn   = "not in room"
	errTarget  = "invalid target"
)

func init() {
	wasmio.On("$connect", connect)
	wasmio.On("joinRoom", joinRoom)
	wasmio.On("message", message)
	wasmio.On("typing", typing)
	wasmio.On("privateMessage", privateMessage)
	wasmio.On("$disconnect", disconnect)
}

func main() {}

// user names a socket in payloads.
type user struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// member is the payload of welcome, userJoined and userLeft.
type member struct {
	user
	Room   string `json:"room"`
	Reason string `json:"reason,omitempty"`
}

// chatMessage is the payload of message (with a room) and privateMessage
// (with a recipient).
type chatMessage struct {
	ID        string `json:"id"`
	Room      string `json:"room,omitempty"`
	From      user   `json:"from"`
	To        string `json:"to,omitempty"`
	Text      string `json:"text"`
	Timestamp int64  `json:"timestamp"`
}

// roomOf returns the Socket.IO room of a chat room. The prefix keeps chat
// rooms apart from the sockets' own rooms: a client joining a room named
// like another socket's id must not receive that socket's private messages.
func roomOf(name string) string { return "room:" + name }

func connect(s *wasmio.Socket, e *wasmio.Event) error {
	var auth map[string]any
	_ = s.Handshake().Auth(&auth)
	name, ok := username(auth["username"])
	if !ok {
		return s.Reject("username must be a string of at most 32 characters", nil)
	}
	if err := s.Data().Put("username", []byte(name)); err != nil {
		return err
	}
	if err := s.Data().Put("room", []byte(lobby)); err != nil {
		return err
	}
	if err := s.Join(roomOf(lobby)); err != nil {
		return err
	}
	me := member{user: user{s.ID(), name}, Room: lobby}
	if err := s.Emit("welcome", me); err != nil {
		return err
	}
	return s.To(roomOf(lobby)).Emit("userJoined", me)
}

// username validates auth.username: absent, null or blank means anonymous.
func username(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return anonymous, true
	case string:
		v = strings.TrimSpace(v)
		if v == "" {
			return anonymous, true
		}
		return v, utf8.RuneCountInString(v) <= maxUsername
	}
	return "", false
}

func joinRoom(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	if e.Request(&req) != nil {
		return e.Refuse(errPayload)
	}
	room, _ := req["room"].(string)
	if !isWord(room, maxRoom) {
		return e.Refuse(errRoom)
	}
	me, cur, err := self(s)
	if err != nil {
		return err
	}
	if room != cur {
		if err := s.Leave(roomOf(cur)); err != nil {
			return err
		}
		if err := s.Join(roomOf(room)); err != nil {
			return err
		}
		if err := s.Data().Put("room", []byte(room)); err != nil {
			return err
		}
		if err := s.To(roomOf(cur)).Emit("userLeft", member{me, cur, "room change"}); err != nil {
			return err
		}
		if err := s.To(roomOf(room)).Emit("userJoined", member{me, room, ""}); err != nil {
			return err
		}
	}
	return e.Ack(map[string]any{"ok": true, "room": room})
}

func message(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	if e.Request(&req) != nil {
		return e.Refuse(errPayload)
	}
	text, ok := validText(req["text"])
	if !ok {
		return e.Refuse(errText)
	}
	me, cur, err := self(s)
	if err != nil {
		return err
	}
	// The room is optional; when given it must be the current one, which
	// catches a message sent while a joinRoom was on its way.
	switch room := req["room"].(type) {
	case nil:
	case string:
		if room != cur {
			return e.Refuse(errNotIn)
		}
	default:
		return e.Refuse(errPayload)
	}
	msg := chatMessage{ID: newID(), Room: cur, From: me, Text: text, Timestamp: e.Time().UnixMilli()}
	if err := s.Namespace().To(roomOf(cur)).Emit("message", msg); err != nil {
		return err
	}
	return e.Ack(map[string]any{"ok": true, "id": msg.ID})
}

func typing(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	err := e.Request(&req)
	typing, isBool := req["typing"].(bool)
	if err != nil || !isBool {
		return e.Refuse(errPayload)
	}
	me, cur, err := self(s)
	if err != nil {
		return err
	}
	if err := s.To(roomOf(cur)).Emit("typing", map[string]any{"room": cur, "from": me, "typing": typing}); err != nil {
		return err
	}
	return e.Ack(map[string]any{"ok": true})
}

func privateMessage(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	if e.Request(&req) != nil {
		return e.Refuse(errPayload)
	}
	// Only a socket id may be a target: a chat room name ("room:…") would
	// turn a private message into a room broadcast.
	target, _ := req["targetSocketId"].(string)
	if !isWord(target, maxSocketID) {
		return e.Refuse(errTarget)
	}
	text, ok := validText(req["text"])
	if !ok {
		return e.Refuse(errText)
	}
	me, _, err := self(s)
	if err != nil {
		return err
	}
	msg := chatMessage{ID: newID(), From: me, To: target, Text: text, Timestamp: e.Time().UnixMilli()}
	if err := s.To(target).Emit("privateMessage", msg); err != nil {
		return err
	}
	if err := s.Emit("privateMessage", msg); err != nil {
		return err
	}
	return e.Ack(map[string]any{"ok": true, "id": msg.ID})
}

func disconnect(s *wasmio.Socket, e *wasmio.Event) error {
	me, cur, err := self(s)
	if err != nil {
		return err
	}
	return s.Broadcast().Emit("userLeft", member{me, cur, e.Reason()})
}

// self returns the socket's user and current room, which $connect and
// joinRoom keep in the socket's key-value scope.
func self(s *wasmio.Socket) (user, string, error) {
	name, err := s.Data().Get("username")
	if err != nil {
		return user{}, "", err
	}
	room, err := s.Data().Get("room")
	if err != nil {
		return user{}, "", err
	}
	return user{s.ID(), string(name)}, string(room), nil
}

func validText(v any) (string, bool) {
	text, ok := v.(string)
	return text, ok && strings.TrimSpace(text) != "" && utf8.RuneCountInString(text) <= maxText
}

// isWord reports whether s is 1 to max bytes of [A-Za-z0-9_-]: a room name,
// or a socket id (Socket.IO ids are base64url).
func isWord(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// newID returns a random message id. Random rather than a key-value
// counter: a counter would make every message a store write, and all of
// them contend for one key.
func newID() string { return hex.EncodeToString(wasmio.RandomBytes(8)) }
