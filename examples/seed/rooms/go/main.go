// Command rooms is the documentation's Rooms section, ported line by line:
// joining and leaving a room, sending to a room, and the multi-room
// targeting of its last snippets, each triggered by a client event of the
// same name. ../README.md sets the JavaScript next to this port; ../rust is
// the same handler in Rust.
package main

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio"

const (
	room1   = "room1"
	room2   = "room2"
	maxRoom = 64   // characters, as JavaScript counts them, none a control character
	maxText = 1000 // characters
)

func init() {
	wasmio.On("joinRoom", joinRoom)
	wasmio.On("leaveRoom", leaveRoom)
	wasmio.On("message", message)
	wasmio.On("announcement", announcement)
	wasmio.On("exclusive", exclusive)
}

func main() {}

// roomOf returns the Socket.IO room of a chat room. The prefix keeps the
// rooms clients name apart from the sockets' own rooms: joinRoom with
// another socket's id must not put the client in that socket's room.
func roomOf(name string) string { return "room:" + name }

// joinRoom joins, confirms, and tells the others in the room:
//
//	ns.socket.join(data.room);
//	ns.socket.emit('joined', { room: data.room });
//	ns.socket.to(data.room).emit('userJoined', { socketId: ns.socket.id });
func joinRoom(s *wasmio.Socket, e *wasmio.Event) error {
	room, ok := requestRoom(e)
	if !ok {
		return nil // ignored, as the documentation advises
	}
	if err := s.Join(roomOf(room)); err != nil {
		return err
	}
	if err := s.Emit("joined", map[string]string{"room": room}); err != nil {
		return err
	}
	return s.To(roomOf(room)).Emit("userJoined", map[string]string{"socketId": s.ID()})
}

// leaveRoom tells the others in the room, then leaves:
//
//	ns.socket.to(data.room).emit('userLeft', { socketId: ns.socket.id });
//	ns.socket.leave(data.room);
func leaveRoom(s *wasmio.Socket, e *wasmio.Event) error {
	room, ok := requestRoom(e)
	if !ok {
		return nil
	}
	if err := s.To(roomOf(room)).Emit("userLeft", map[string]string{"socketId": s.ID()}); err != nil {
		return err
	}
	return s.Leave(roomOf(room))
}

// message sends to the room, the sender excepted:
//
//	ns.socket.to(data.room).emit('message', { from: ns.socket.id, text: data.text });
func message(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	_ = e.Request(&req) // anything else has no room
	room, _ := req["room"].(string)
	text, okText := validText(req["text"])
	if !wasmio.ValidName(room, maxRoom) || !okText {
		return nil
	}
	return s.To(roomOf(room)).Emit("message", map[string]string{"from": s.ID(), "text": text})
}

// announcement sends to the sockets in room1 or room2, the sender
// excepted:
//
//	ns.socket.to('room1').to('room2').emit('announcement', { text: 'Hello both rooms!' });
func announcement(s *wasmio.Socket, e *wasmio.Event) error {
	return s.To(roomOf(room1)).To(roomOf(room2)).Emit("announcement", map[string]string{"text": "Hello both rooms!"})
}

// exclusive sends to the sockets in room1 but not in room2, the sender
// excepted:
//
//	ns.socket.to('room1').except('room2').emit('exclusive', { text: 'Only room1' });
func exclusive(s *wasmio.Socket, e *wasmio.Event) error {
	return s.To(roomOf(room1)).Except(roomOf(room2)).Emit("exclusive", map[string]string{"text": "Only room1"})
}

// requestRoom returns data.room; ok is false unless the event's first
// argument is an object whose room is a valid room name.
func requestRoom(e *wasmio.Event) (room string, ok bool) {
	var req map[string]any
	_ = e.Request(&req) // anything else has no room
	room, _ = req["room"].(string)
	return room, wasmio.ValidName(room, maxRoom)
}

// validText returns v when it is a string of at most maxText characters.
func validText(v any) (string, bool) {
	text, ok := v.(string)
	return text, ok && wasmio.JSLength(text) <= maxText
}
