// Command basic is the documentation's Basic Handler, ported line by line:
// a welcome on connect, each message to every other socket of the
// namespace, a log line on connect and disconnect. ../README.md sets the
// JavaScript next to this port; ../rust is the same handler in Rust.
package main

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio"

const maxText = 1000 // characters, as JavaScript counts them

func init() {
	wasmio.On("$connect", connect)
	wasmio.On("message", message)
	wasmio.On("$disconnect", disconnect)
}

func main() {}

// connect is the documented $connect handler:
//
//	console.log('Connected:', ns.socket.id);
//	ns.socket.emit('welcome', { message: 'Hello!' });
func connect(s *wasmio.Socket, e *wasmio.Event) error {
	wasmio.Log.Info("Connected: " + s.ID())
	return s.Emit("welcome", map[string]string{"message": "Hello!"})
}

// message sends to every other socket of the namespace:
//
//	ns.socket.broadcast.emit('message', { from: ns.socket.id, text: data.text });
func message(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	err := e.Request(&req)
	text, okText := validText(req["text"])
	if err != nil || !okText {
		return nil // ignored, as the documentation advises
	}
	return s.Broadcast().Emit("message", map[string]string{"from": s.ID(), "text": text})
}

// disconnect logs the socket and Socket.IO's reason:
//
//	console.log('Disconnected:', ns.socket.id, reason);
func disconnect(s *wasmio.Socket, e *wasmio.Event) error {
	wasmio.Log.Info("Disconnected: " + s.ID() + " " + e.Reason())
	return nil
}

// validText returns v when it is a string of at most maxText characters.
func validText(v any) (string, bool) {
	text, ok := v.(string)
	return text, ok && wasmio.JSLength(text) <= maxText
}
