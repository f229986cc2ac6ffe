// Command echo is a test handler module for wasmio: it echoes events back,
// counts in the key-value store, and fails on request.
//
//	$connect   joins the room "all"
//	kv         increments the namespace counter "counter" and acks the new value
//	boom       panics (the event fails)
//	fail       returns an error (the event fails)
//	any other  acks with its arguments when asked, and emits "echo" back to
//	           the sender with the same arguments and binary attachments
package main

import (
	"errors"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

func init() {
	wasmio.On("$connect", func(s *wasmio.Socket, e *wasmio.Event) error {
		return s.Join("all")
	})
	wasmio.On("kv", func(s *wasmio.Socket, e *wasmio.Event) error {
		n, err := s.Namespace().KV().Incr("counter", 1)
		if err != nil {
			return err
		}
		if e.WantsAck() {
			return e.Ack(n)
		}
		return nil
	})
	wasmio.On("boom", func(s *wasmio.Socket, e *wasmio.Event) error {
		panic("boom requested")
	})
	wasmio.On("fail", func(s *wasmio.Socket, e *wasmio.Event) error {
		return errors.New("fail requested")
	})
	wasmio.OnDefault(func(s *wasmio.Socket, e *wasmio.Event) error {
		payload := e.Payload()
		if e.WantsAck() {
			if err := e.Ack(payload); err != nil {
				return err
			}
		}
		return s.Emit("echo", payload)
	})
}

func main() {}
