// Command complete is the documentation's Complete Example, a group chat
// with a lobby and rooms, typing indicators and private messages, ported
// line by line: the same events with the same payloads. ../README.md sets
// the JavaScript next to this port; ../rust is the same handler in Rust.
package main

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio"

const (
	lobby       = "lobby"
	anonymous   = "Anonymous"
	maxUsername = 64   // characters, as JavaScript counts them
	maxRoom     = 64   // characters
	maxText     = 1000 // characters
	maxSocketID = 64   // bytes of [A-Za-z0-9_-]
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

// roomOf returns the Socket.IO room of a chat room. The prefix keeps the
// rooms clients name apart from the sockets' own rooms: joinRoom with
// another socket's id must not deliver that socket's private messages.
func roomOf(name string) string { return "room:" + name }

// connect is the documented $connect handler:
//
//	const username = ns.socket.handshake.auth.username || 'Anonymous';
//	ns.socket.data.username = username;
//	ns.socket.join('lobby');
//	ns.socket.emit('welcome', { message: `Hello, ${username}!` });
//	ns.socket.to('lobby').emit('userJoined', { username });
func connect(s *wasmio.Socket, e *wasmio.Event) error {
	username, ok := authUsername(s)
	if !ok {
		return s.Reject("auth.username must be a string of at most 64 characters", nil)
	}
	if err := s.Data().Put("username", []byte(username)); err != nil {
		return err
	}
	if err := s.Join(roomOf(lobby)); err != nil {
		return err
	}
	if err := s.Emit("welcome", map[string]string{"message": "Hello, " + username + "!"}); err != nil {
		return err
	}
	return s.To(roomOf(lobby)).Emit("userJoined", map[string]string{"username": username})
}

// authUsername returns auth.username, or "Anonymous" when it is absent,
// null or empty (JavaScript's ||); ok is false when it is not a string of
// at most maxUsername characters.
func authUsername(s *wasmio.Socket) (name string, ok bool) {
	var auth map[string]any
	_ = s.Handshake().Auth(&auth)
	switch v := auth["username"].(type) {
	case nil:
		return anonymous, true
	case string:
		if v == "" {
			return anonymous, true
		}
		return v, wasmio.JSLength(v) <= maxUsername
	}
	return "", false
}

// joinRoom leaves the lobby only, as documented:
//
//	ns.socket.leave('lobby');
//	ns.socket.join(data.room);
//	ns.socket.to(data.room).emit('userJoined', { username: ns.socket.data.username });
func joinRoom(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	_ = e.Request(&req) // anything else has no room
	room, _ := req["room"].(string)
	if !wasmio.ValidName(room, maxRoom) {
		return nil // ignored: no room to join
	}
	username, err := s.Data().Get("username")
	if err != nil {
		return err
	}
	if err := s.Leave(roomOf(lobby)); err != nil {
		return err
	}
	if err := s.Join(roomOf(room)); err != nil {
		return err
	}
	return s.To(roomOf(room)).Emit("userJoined", map[string]string{"username": string(username)})
}

// message sends to the room, the sender excepted:
//
//	ns.socket.to(data.room || 'lobby').emit('message', {
//	  from: ns.socket.data.username, text: data.text, timestamp: Date.now() });
func message(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	err := e.Request(&req)
	room, okRoom := roomOrLobby(req)
	text, okText := validText(req["text"])
	if err != nil || !okRoom || !okText {
		return nil // ignored, as the documentation advises
	}
	username, err := s.Data().Get("username")
	if err != nil {
		return err
	}
	return s.To(roomOf(room)).Emit("message", map[string]any{
		"from":      string(username),
		"text":      text,
		"timestamp": e.Time().UnixMilli(), // Date.now(): when the host received the event
	})
}

// typing tells the room, the sender excepted:
//
//	ns.socket.to(data.room || 'lobby').emit('typing', { username: ns.socket.data.username });
func typing(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	err := e.Request(&req)
	room, okRoom := roomOrLobby(req)
	if err != nil || !okRoom {
		return nil
	}
	username, err := s.Data().Get("username")
	if err != nil {
		return err
	}
	return s.To(roomOf(room)).Emit("typing", map[string]string{"username": string(username)})
}

// privateMessage sends a copy to the sender and one to the target:
//
//	ns.socket.emit('privateMessage', { from: ns.socket.data.username, text: data.text });
//	ns.to(data.targetSocketId).emit('privateMessage', { from: ns.socket.data.username, text: data.text });
func privateMessage(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	err := e.Request(&req)
	target, _ := req["targetSocketId"].(string)
	text, okText := validText(req["text"])
	// Only a socket id may be a target: a chat room's name ("room:…")
	// would turn a private message into a room broadcast.
	if err != nil || !isSocketID(target) || !okText {
		return nil
	}
	username, err := s.Data().Get("username")
	if err != nil {
		return err
	}
	msg := map[string]string{"from": string(username), "text": text}
	if err := s.Emit("privateMessage", msg); err != nil {
		return err
	}
	return s.Namespace().To(target).Emit("privateMessage", msg)
}

// disconnect tells every socket left in the namespace:
//
//	ns.emit('userLeft', { username: ns.socket.data.username, reason });
func disconnect(s *wasmio.Socket, e *wasmio.Event) error {
	username, err := s.Data().Get("username")
	if err != nil {
		return err
	}
	return s.Namespace().Emit("userLeft", map[string]string{"username": string(username), "reason": e.Reason()})
}

// roomOrLobby returns data.room || 'lobby': the lobby when room is absent,
// null or empty; ok is false when it is not a valid room name.
func roomOrLobby(req map[string]any) (room string, ok bool) {
	switch v := req["room"].(type) {
	case nil:
		return lobby, true
	case string:
		if v == "" {
			return lobby, true
		}
		return v, wasmio.ValidName(v, maxRoom)
	}
	return "", false
}

// validText returns v when it is a string of at most maxText characters.
func validText(v any) (string, bool) {
	text, ok := v.(string)
	return text, ok && wasmio.JSLength(text) <= maxText
}

// isSocketID reports whether id looks like a socket id: 1 to maxSocketID
// bytes of base64url.
func isSocketID(id string) bool {
	if id == "" || len(id) > maxSocketID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
