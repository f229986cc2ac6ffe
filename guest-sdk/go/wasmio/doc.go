// Package wasmio is the Go SDK for writing wasmio handler modules: Socket.IO
// event handlers compiled to WebAssembly (Go or TinyGo) and run by the
// wasmio host, one fresh instance per event.
//
// A module registers handlers from init and has an empty main:
//
//	func init() {
//		wasmio.On("$connect", func(s *wasmio.Socket, e *wasmio.Event) error {
//			return s.Join("lobby")
//		})
//		wasmio.On("message", func(s *wasmio.Socket, e *wasmio.Event) error {
//			var text string
//			if err := e.Arg(0, &text); err != nil {
//				return nil // ignore invalid payloads
//			}
//			return s.To("lobby").Emit("message", s.ID(), text)
//		})
//	}
//
//	func main() {}
//
// The API mirrors Socket.IO's server API: Socket.Emit, Socket.To,
// Socket.Broadcast, Socket.Join, Namespace.Emit (io.emit), Event.Ack. As
// socket.on adds listeners, a second On for an event adds a handler; they
// run in order. What the handlers of an event do takes effect only when
// they all return nil; an error or a panic discards every effect. The Rust
// SDK behaves the same (guest-sdk/README.md in the wasmio repository). Key-value storage (KV) replaces the memory a
// Socket.IO server keeps between events: an instance never sees two events.
//
// The package implements the wasmio host ABI v1 (abi/ABI.md in the wasmio
// repository). Handlers are tested as WebAssembly on the real runtime, with
// the test kit github.com/wasmio/wasmio/wasmiotest. Built natively, the
// package compiles, but every call into the host panics.
package wasmio
