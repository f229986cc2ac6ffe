// Command general is the opening example of the documentation's
// RealtimeNamespace reference, ported line by line: every socket joins the
// room general on connect, each message goes to the others there, connect
// and disconnect are logged. ../README.md sets the JavaScript next to this
// port; ../rust is the same handler in Rust.
package main

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio"

const (
	general = "general"
	maxText = 1000 // characters, as JavaScript counts them
)

func init() {
	wasmio.On("$connect", connect)
	wasmio.On("message", message)
	wasmio.On("$disconnect", disconnect)
}

func main() {}

// roomOf returns the Socket.IO room of a chat room. The prefix keeps the
// rooms the handler names apart from the sockets' own rooms, as in the
// other seed examples.
func roomOf(name string) string { return "room:" + name }

// connect is the documented $connect handler:
//
//	console.log('Client connected:', ns.socket.id);
//	ns.socket.join('general');
func connect(s *wasmio.Socket, e *wasmio.Event) error {
	wasmio.Log.Info("Client connected: " + s.ID())
	return s.Join(roomOf(general))
}

// message sends to the room general, the sender excepted:
//
//	ns.socket.to('general').emit('message', { from: ns.socket.id, text: data.text });
func message(s *wasmio.Socket, e *wasmio.Event) error {
	var req map[string]any
	err := e.Request(&req)
	text, okText := validText(req["text"])
	if err != nil || !okText {
		return nil // ignored, as the documentation advises
	}
	return s.To(roomOf(general)).Emit("message", map[string]string{"from": s.ID(), "text": text})
}

// disconnect logs the socket and Socket.IO's reason:
//
//	console.log('Client disconnected:', ns.socket.id, reason);
func disconnect(s *wasmio.Socket, e *wasmio.Event) error {
	wasmio.Log.Info("Client disconnected: " + s.ID() + " " + e.Reason())
	return nil
}

// validText returns v when it is a string of at most maxText characters.
func validText(v any) (string, bool) {
	text, ok := v.(string)
	return text, ok && wasmio.JSLength(text) <= maxText
}
