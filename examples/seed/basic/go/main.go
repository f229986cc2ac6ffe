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
	req, ok := request(e)
	text, okText := validText(req["text"])
	if !ok || !okText {
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

// request returns the event's first argument when it is a JSON object.
func request(e *wasmio.Event) (map[string]any, bool) {
	var req map[string]any
	if e.Arg(0, &req) != nil {
		return nil, false
	}
	return req, req != nil
}

// validText returns v when it is a string of at most maxText characters.
func validText(v any) (string, bool) {
	text, ok := v.(string)
	return text, ok && jsLength(text) <= maxText
}

// jsLength returns the length of s as JavaScript's String.length counts
// it, in UTF-16 code units.
func jsLength(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}
