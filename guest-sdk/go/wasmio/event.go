package wasmio

import (
	"encoding/json"
	"errors"
	"time"
)

// Event is the event a handler runs for: its name, arguments, binary
// attachments and acknowledgement. Its methods read the host lazily and
// cache what they read.
type Event struct{ r *run }

// Name returns the event's name: "$connect", "$disconnect", "$ack" or the
// name the client emitted.
func (e *Event) Name() string { return e.r.str(abiFieldEvent) }

// Namespace returns the name of the event's namespace, like "/" or "/chat".
func (e *Event) Namespace() string { return e.r.str(abiFieldNamespace) }

// Args returns the arguments exactly as the client sent them: a JSON array,
// with binary arguments as {"_placeholder":true,"num":N} (see Attachment).
// It is [] for $connect and ["<reason>"] for $disconnect; in $ack, the
// client's answer ([] when there is none). Do not modify it.
func (e *Event) Args() []byte { return e.r.field(abiFieldArgs) }

// NumArgs returns the number of arguments.
func (e *Event) NumArgs() int {
	args, _ := e.r.argList()
	return len(args)
}

// Arg decodes argument i (0-based) into v with encoding/json. A binary
// argument decodes into a *[]byte or *Binary as its attachment's bytes
// (only top-level arguments: a placeholder nested in an object decodes as
// JSON; use Attachment). A *Raw receives the argument's JSON undecoded.
// Arg returns ErrNotFound when there is no argument i.
func (e *Event) Arg(i int, v any) error {
	args, err := e.r.argList()
	if err != nil {
		return err
	}
	if i < 0 || i >= len(args) {
		return ErrNotFound
	}
	if n, ok := placeholderNum(args[i]); ok {
		var dst *[]byte
		switch p := v.(type) {
		case *[]byte:
			dst = p
		case *Binary:
			dst = (*[]byte)(p)
		}
		if dst != nil {
			b := e.r.attachment(n)
			if b == nil {
				return ErrNotFound
			}
			*dst = b
			return nil
		}
	}
	return json.Unmarshal(args[i], v)
}

var errNotObject = &wrapError{"wasmio: the first argument is not a JSON object", ErrInvalid}

// Request decodes into v the event's first argument when it is a JSON
// object, the usual shape of a request. It returns ErrNotFound when there
// is no argument, ErrInvalid when it is not an object (null included), and
// otherwise the error of decoding it into v.
func (e *Event) Request(v any) error {
	args, err := e.r.argList()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return ErrNotFound
	}
	if args[0][0] != '{' {
		return errNotObject
	}
	return json.Unmarshal(args[0], v)
}

// RawArgs returns the arguments as values that Emit and Ack send back
// unchanged: each JSON argument as Raw, each top-level binary argument as
// Binary, for a handler that changes some of them. A binary argument nested
// in an object stays a placeholder whose number may then be wrong: to relay
// every argument exactly, use Payload.
func (e *Event) RawArgs() []any {
	args, _ := e.r.argList()
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = Raw(a)
		if n, ok := placeholderNum(a); ok {
			if b := e.r.attachment(n); b != nil {
				out[i] = Binary(b)
			}
		}
	}
	return out
}

// Payload returns the arguments and attachments exactly as the client sent
// them; Emit and Ack send a Payload back byte-exact:
//
//	s.Broadcast().Emit(e.Name(), e.Payload())
func (e *Event) Payload() Payload {
	return Payload{Args: Raw(e.Args()), Attachments: e.Attachments()}
}

// NumAttachments returns the number of binary attachments.
func (e *Event) NumAttachments() int { return int(e.r.int(abiFieldAttachments)) }

// Attachment returns binary attachment i (0-based, the N of the
// placeholders), or nil if there is none. Do not modify it.
func (e *Event) Attachment(i int) []byte { return e.r.attachment(i) }

// Attachments returns every binary attachment, in placeholder order.
func (e *Event) Attachments() [][]byte {
	out := make([][]byte, e.NumAttachments())
	for i := range out {
		out[i] = e.r.attachment(i)
	}
	return out
}

// WantsAck reports whether the client asked for an acknowledgement.
func (e *Event) WantsAck() bool { return e.r.str(abiFieldAck) == "1" }

// Ack answers the client's acknowledgement callback with args, encoded like
// Socket.Emit's. It returns ErrNoAck when the client asked for none or the
// handler already acked, without sending anything; a handler that returns
// ErrNoAck still succeeds, so "return e.Ack(result)" is safe.
func (e *Event) Ack(args ...any) error {
	if e.r.acked || !e.WantsAck() {
		return ErrNoAck
	}
	data, atts, err := encodeArgs(args)
	if err != nil {
		return err
	}
	if err := stage(atts); err != nil {
		return err
	}
	if code := sysAck(data); code < 0 {
		if code == abiErrState {
			return ErrNoAck
		}
		return codeError(code)
	}
	e.r.acked = true
	return nil
}

// Reply answers the client's acknowledgement callback with args, like Ack,
// when the client asked for one and the handler has not answered yet; it
// sends nothing and returns nil otherwise. Use it where the handler goes on
// afterwards, since a handler that returns Ack's ErrNoAck stops there.
func (e *Event) Reply(args ...any) error {
	if err := e.Ack(args...); !errors.Is(err, ErrNoAck) {
		return err
	}
	return nil
}

// Refuse answers an invalid request: it replies (see Reply)
// {"ok":false,"error":message}, the shape of the host's own
// {"error":"handler failed"} with an ok a client can test. The event
// still succeeds, so "return e.Refuse(...)" ignores the request, keeping
// what the handler did before; return an error instead to discard it.
func (e *Event) Refuse(message string) error {
	answer := appendString([]byte(`{"ok":false,"error":`), message)
	return e.Reply(Raw(append(answer, '}')))
}

// AckTag returns, in a $ack handler, the tag of the Socket.EmitWithAck it
// answers; "" in other handlers.
func (e *Event) AckTag() string { return e.r.str(abiFieldAckTag) }

// AckErr returns, in a $ack handler, nil when the client answered (its
// answer is the event's arguments: Arg, Args, Attachment...),
// ErrAckTimeout when it did not answer in time, or ErrDisconnected when the
// socket disconnected first ($disconnect runs next). It is nil in other
// handlers.
func (e *Event) AckErr() error {
	switch v := e.r.str(abiFieldAckError); v {
	case "":
		return nil
	case abiAckErrorTimeout:
		return ErrAckTimeout
	case abiAckErrorDisconnected:
		return ErrDisconnected
	default: // a newer host
		return errors.New("wasmio: no answer: " + v)
	}
}

// Time returns when the host received the event.
func (e *Event) Time() time.Time { return time.UnixMilli(e.r.int(abiFieldTime)) }

// Reason returns why the socket disconnected, like "transport close" or
// "client namespace disconnect", in a $disconnect handler; "" otherwise.
func (e *Event) Reason() string {
	var reason string
	if e.Name() == abiEventDisconnect {
		_ = e.Arg(0, &reason)
	}
	return reason
}
