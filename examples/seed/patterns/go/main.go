// Command patterns is the documentation's Broadcasting Patterns, ported
// line by line: each of its six emits runs when a client emits the event
// it sends, and joinRoom (the reference's socket.join example) puts a
// socket in the rooms they target. ../README.md sets the JavaScript next to
// this port; ../rust is the same handler in Rust.
package main

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio"

const maxRoom = 64 // characters, as JavaScript counts them, none a control character

func init() {
	wasmio.On("joinRoom", joinRoom)
	wasmio.On("directMessage", directMessage)
	wasmio.On("chat", chat)
	wasmio.On("announcement", announcement)
	wasmio.On("serverNotice", serverNotice)
	wasmio.On("alert", alert)
	wasmio.On("offer", offer)
}

func main() {}

// roomOf returns the Socket.IO room of a chat room. The prefix keeps the
// rooms clients name apart from the sockets' own rooms: joinRoom with
// another socket's id must not put the client in that socket's room.
func roomOf(name string) string { return "room:" + name }

// joinRoom joins and confirms:
//
//	ns.socket.join(data.room);
//	ns.socket.emit('joined', { room: data.room });
func joinRoom(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	_ = e.Request(&req) // anything else has no room
	room, _ := req["room"].(string)
	if !wasmio.ValidName(room, maxRoom) {
		return nil // ignored, as the documentation advises
	}
	if err := s.Join(roomOf(room)); err != nil {
		return err
	}
	return s.Emit("joined", map[string]string{"room": room})
}

// directMessage is "To a specific socket":
//
//	ns.socket.emit('directMessage', { text: 'Just for you' });
func directMessage(s *wasmio.Socket, e *wasmio.Event) error {
	return s.Emit("directMessage", map[string]string{"text": "Just for you"})
}

// chat is "To a room (excluding sender)":
//
//	ns.socket.to('general').emit('chat', { text: 'Hello room' });
func chat(s *wasmio.Socket, e *wasmio.Event) error {
	return s.To(roomOf("general")).Emit("chat", map[string]string{"text": "Hello room"})
}

// announcement is "To all (excluding sender)":
//
//	ns.socket.broadcast.emit('announcement', { text: 'News flash' });
func announcement(s *wasmio.Socket, e *wasmio.Event) error {
	return s.Broadcast().Emit("announcement", map[string]string{"text": "News flash"})
}

// serverNotice is "To entire namespace (including sender)":
//
//	ns.emit('serverNotice', { text: 'Server restart in 5 minutes' });
func serverNotice(s *wasmio.Socket, e *wasmio.Event) error {
	return s.Namespace().Emit("serverNotice", map[string]string{"text": "Server restart in 5 minutes"})
}

// alert is "To multiple rooms", the sender excepted:
//
//	ns.socket.to('admins').to('moderators').emit('alert', { level: 'high' });
func alert(s *wasmio.Socket, e *wasmio.Event) error {
	return s.To(roomOf("admins")).To(roomOf("moderators")).Emit("alert", map[string]string{"level": "high"})
}

// offer is "To a room, excluding another room", the sender included when
// selected:
//
//	ns.to('premium').except('banned').emit('offer', { discount: 20 });
func offer(s *wasmio.Socket, e *wasmio.Event) error {
	return s.Namespace().To(roomOf("premium")).Except(roomOf("banned")).Emit("offer", map[string]int{"discount": 20})
}
