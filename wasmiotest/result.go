package wasmiotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host/sandbox"
)

// Result is what one run did. When Err is set the run failed and, as on the
// host, nothing else took effect.
type Result struct {
	// Err is why the run failed: it wraps sandbox.ErrTrap, ErrTimeout,
	// ErrLimit or ErrHandler.
	Err error
	// Emits are the handler's emits, in order.
	Emits []Emit
	// Ack is the handler's answer to the client's ack callback, if any.
	Ack *Ack
	// Joined and Left are the rooms the handler joined and left.
	Joined, Left []string
	// Disconnected is set when the handler disconnected the socket;
	// CloseConn when it closed the whole connection.
	Disconnected, CloseConn bool
	// Rejection is a $connect handler's refusal.
	Rejection *sandbox.Rejection
	// AckRuns are, for Socket.Disconnect, the $ack runs of the acks still
	// pending, which the disconnect ended before $disconnect ran.
	AckRuns []*Result
}

// Emit is one recorded emit. Mode is "self" (the socket), "broadcast" (the
// To rooms, or the namespace, minus the Except rooms and minus the sender)
// or "namespace" (the same, sender included).
type Emit struct {
	Mode        string
	To, Except  []string
	Event       string
	Args        json.RawMessage
	Attachments [][]byte
	// WithAck is set for an emit to the socket that asks its client for an
	// acknowledgement, with the tag its $ack run receives and how long the
	// host waits for the answer (the default already applied). Answer it
	// with Socket.AnswerAck, or expire it with Socket.ExpireAck.
	WithAck    bool
	AckTag     string
	AckTimeout time.Duration

	ack int // the kit's number for an emit with an ack; 0 otherwise
}

// Ack is a recorded acknowledgement.
type Ack struct {
	Args        json.RawMessage
	Attachments [][]byte
}

// MustSucceed fails the test if the run failed or rejected the connection.
func (r *Result) MustSucceed(t testing.TB) *Result {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("the handler failed: %v", r.Err)
	}
	if r.Rejection != nil {
		t.Fatalf("the handler rejected the connection: %q", r.Rejection.Message)
	}
	return r
}

// Emitted returns the emits of event.
func (r *Result) Emitted(event string) []Emit {
	var out []Emit
	for _, e := range r.Emits {
		if e.Event == event {
			out = append(out, e)
		}
	}
	return out
}

// Arg decodes argument i of the emit into v; a binary placeholder decodes
// into a *[]byte as its attachment.
func (e Emit) Arg(t testing.TB, i int, v any) {
	t.Helper()
	decodeArg(t, e.Args, e.Attachments, i, v)
}

// Arg decodes argument i of the ack into v.
func (a *Ack) Arg(t testing.TB, i int, v any) {
	t.Helper()
	if a == nil {
		t.Fatal("the handler did not ack")
	}
	decodeArg(t, a.Args, a.Attachments, i, v)
}

func decodeArg(t testing.TB, args json.RawMessage, atts [][]byte, i int, v any) {
	t.Helper()
	var list []json.RawMessage
	if err := json.Unmarshal(args, &list); err != nil {
		t.Fatalf("arguments %s: %v", args, err)
	}
	if i >= len(list) {
		t.Fatalf("argument %d of %s: there are %d", i, args, len(list))
	}
	var ph struct {
		Placeholder bool `json:"_placeholder"`
		Num         int  `json:"num"`
	}
	if b, ok := v.(*[]byte); ok && json.Unmarshal(list[i], &ph) == nil && ph.Placeholder {
		if ph.Num < 0 || ph.Num >= len(atts) {
			t.Fatalf("placeholder %d of %d attachments", ph.Num, len(atts))
		}
		*b = bytes.Clone(atts[ph.Num])
		return
	}
	if err := json.Unmarshal(list[i], v); err != nil {
		t.Fatalf("argument %d (%s): %v", i, list[i], err)
	}
}

// String renders the emit for failure messages.
func (e Emit) String() string {
	s := fmt.Sprintf("%s %s to=%v except=%v args=%s", e.Mode, e.Event, e.To, e.Except, e.Args)
	if e.WithAck {
		s += fmt.Sprintf(" ack tag=%q timeout=%v", e.AckTag, e.AckTimeout)
	}
	return s
}
