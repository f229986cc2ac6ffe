// Command counter is the wasmio counter example: one number in the
// namespace's key-value store that many sockets increment at once without
// losing a count. ../README.md documents the protocol; ../rust is the same
// handler in Rust.
package main

import (
	"errors"
	"math"
	"strconv"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

const (
	key       = "count"
	maxAmount = 1_000_000
)

func init() {
	wasmio.On("increment", increment)
	wasmio.On("get", get)
}

func main() {}

// increment adds the optional amount (default 1). KV.Incr is exact under
// any concurrency: when another socket's increment commits first, the host
// runs this handler again on the new value, so the value it acks and
// broadcasts is the one it stored.
func increment(s *wasmio.Socket, e *wasmio.Event) error {
	by, ok := amount(e)
	if !ok {
		return e.Refuse("amount must be an integer from 1 to 1000000")
	}
	n, err := s.Namespace().KV().Incr(key, by)
	if err != nil {
		return err
	}
	if err := s.Namespace().Emit("count", map[string]any{"value": n}); err != nil {
		return err
	}
	return e.Ack(map[string]any{"ok": true, "value": n})
}

func get(s *wasmio.Socket, e *wasmio.Event) error {
	v, err := s.Namespace().KV().Get(key)
	n := int64(0)
	switch {
	case err == nil:
		if n, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return err
		}
	case !errors.Is(err, wasmio.ErrNotFound):
		return err
	}
	return e.Ack(map[string]any{"ok": true, "value": n})
}

// amount returns the first argument: absent or null means 1; otherwise a
// whole number from 1 to maxAmount.
func amount(e *wasmio.Event) (int64, bool) {
	var v *float64
	err := e.Arg(0, &v)
	switch {
	case errors.Is(err, wasmio.ErrNotFound) || err == nil && v == nil:
		return 1, true
	case err != nil || *v != math.Trunc(*v) || *v < 1 || *v > maxAmount:
		return 0, false
	}
	return int64(*v), true
}
