// Command echo is the wasmio example of the $default pattern: one handler
// for every client event, which sends the event back to its sender, with
// the same name and arguments, and answers the ack when the client asked
// for one. ../README.md documents it; ../rust is the same handler in Rust.
package main

import (
	"errors"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

// errNested reports what the Go SDK cannot send back: Emit and Ack stage an
// attachment only for a top-level binary argument, so a binary nested in an
// object or array (socket.emit("up", {file: buffer})) cannot be re-sent.
var errNested = errors.New("echo: a binary argument nested in an object or array cannot be echoed with the Go SDK")

func init() {
	wasmio.OnDefault(func(s *wasmio.Socket, e *wasmio.Event) error {
		// Each JSON argument as the client's exact bytes, each binary one as
		// its bytes, which Emit sends as an attachment again.
		args := e.RawArgs()
		binaries := 0
		for _, a := range args {
			if _, ok := a.(wasmio.Binary); ok {
				binaries++
			}
		}
		if binaries != e.NumAttachments() {
			return errNested
		}
		// The echo first: when the ack arrives, so has the echo.
		if err := s.Emit(e.Name(), args...); err != nil {
			return err
		}
		return e.Ack(args...)
	})
}

func main() {}
