// Command handler is the wasmio benchmark handler for the Go guest SDK,
// built with TinyGo or Go. It does what bench/handlers/rust does:
//
//   - join: joins the room named by the first argument ("bench" if none)
//     and acks "ok";
//   - pub: Namespace().To("bench").Emit("tick", args...), the publisher's
//     arguments forwarded unchanged;
//   - echo: emits "echo" back to the sender with the same arguments;
//   - $connect: accepts sockets whose verified JWT names a subject.
package main

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio"

func init() {
	wasmio.On("$connect", func(s *wasmio.Socket, e *wasmio.Event) error {
		var claims struct {
			Sub string `json:"sub"`
		}
		if err := s.Handshake().Claims(&claims); err != nil || claims.Sub == "" {
			return s.Reject("token has no subject", nil)
		}
		return nil
	})
	wasmio.On("join", func(s *wasmio.Socket, e *wasmio.Event) error {
		var room string
		if err := e.Arg(0, &room); err != nil || room == "" {
			room = "bench"
		}
		if err := s.Join(room); err != nil {
			return err
		}
		if e.WantsAck() {
			return e.Ack("ok")
		}
		return nil
	})
	wasmio.On("pub", func(s *wasmio.Socket, e *wasmio.Event) error {
		return s.Namespace().To("bench").Emit("tick", e.RawArgs()...)
	})
	wasmio.On("echo", func(s *wasmio.Socket, e *wasmio.Event) error {
		return s.Emit("echo", e.RawArgs()...)
	})
}

func main() {}
