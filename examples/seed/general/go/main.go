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
	req, ok := request(e)
	text, okText := validText(req["text"])
	if !ok || !okText {
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
