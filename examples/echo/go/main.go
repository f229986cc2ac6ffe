// Command echo is the wasmio example of the $default pattern: one handler
// for every client event, which sends the event back to its sender, with
// the same name and arguments, byte-exact, binary attachments included
// (also those nested in objects), and answers the ack when the client asked
// for one. ../README.md documents it; ../rust is the same handler in Rust.
package main

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio"

func init() {
	wasmio.OnDefault(func(s *wasmio.Socket, e *wasmio.Event) error {
		// The arguments and attachments exactly as the client sent them.
		payload := e.Payload()
		// The echo first: when the ack arrives, so has the echo.
		if err := s.Emit(e.Name(), payload); err != nil {
			return err
		}
		return e.Ack(payload)
	})
}

func main() {}
