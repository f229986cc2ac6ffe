// Command chatroom is the documentation's Chat Room pattern, a lobby where
// everyone hears everyone, ported line by line: the same events with the
// same payloads. ../README.md sets the JavaScript next to this port;
// ../rust is the same handler in Rust.
package main

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio"

const (
	lobby       = "lobby"
	anonymous   = "Anonymous"
	maxUsername = 64   // characters, as JavaScript counts them
	maxRoom     = 64   // characters
	maxText     = 1000 // characters
)

func init() {
	wasmio.On("$connect", connect)
	wasmio.On("message", message)
	wasmio.On("$disconnect", disconnect)
}

func main() {}

// roomOf returns the Socket.IO room of a chat room. The prefix keeps the
// rooms clients name apart from the sockets' own rooms: a message to
// another socket's id must not reach that socket.
func roomOf(name string) string { return "room:" + name }

// connect is the documented $connect handler:
//
//	ns.socket.data.username = ns.socket.handshake.auth.username || 'Anonymous';
//	ns.socket.join('lobby');
//	ns.socket.to('lobby').emit('userJoined', { username: ns.socket.data.username });
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

// disconnect tells every socket left in the namespace:
//
//	ns.emit('userLeft', { username: ns.socket.data.username });
func disconnect(s *wasmio.Socket, e *wasmio.Event) error {
	username, err := s.Data().Get("username")
	if err != nil {
		return err
	}
	return s.Namespace().Emit("userLeft", map[string]string{"username": string(username)})
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
