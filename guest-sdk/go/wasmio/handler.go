package wasmio

import (
	"errors"
	"fmt"
	"strconv"
)

// Handler handles one event for one socket. Returning a non-nil error fails
// the event: the module's wasmio_handle returns non-zero, the error is
// logged, and the host discards every effect of the handler (emits, acks,
// joins, key-value writes...). A failed $connect rejects the connection
// with the message "handler failed"; use Socket.Reject to choose it.
//
// ErrNoAck is the exception: a handler may end with return e.Ack(...), and
// the event still succeeds when the client asked for no acknowledgement.
type Handler func(s *Socket, e *Event) error

var handlers = map[string][]Handler{}

// On adds h to the handlers of the event named event: a client event name,
// "$connect", "$disconnect", "$ack" (see OnAck) or "$default" (see
// OnDefault). Call it from an init function. Like Socket.IO's socket.on, a
// second On for the same event adds a handler rather than replacing the
// first: the handlers of an event run in registration order, on the same
// Socket and Event, and the first that returns an error stops the event,
// which then fails as a whole. On panics when h is nil.
func On(event string, h Handler) {
	if h == nil {
		panic("wasmio: On(" + strconv.Quote(event) + ", nil)")
	}
	handlers[event] = append(handlers[event], h)
}

// OnConnect adds h to the handlers of "$connect": a client connects to the
// namespace. The handler may refuse it with Socket.Reject; returning an
// error refuses it with the message "handler failed".
func OnConnect(h Handler) { On(abiEventConnect, h) }

// OnDisconnect adds h to the handlers of "$disconnect": the socket left the
// namespace (Event.Reason says why). Its Socket.Data is deleted afterwards.
func OnDisconnect(h Handler) { On(abiEventDisconnect, h) }

// OnDefault adds h to the handlers of every client event without a handler
// of its own, like Socket.IO's socket.onAny. It does not receive $connect,
// $disconnect or $ack: an event with no handler at all does nothing and
// succeeds.
func OnDefault(h Handler) { On(abiEventDefault, h) }

// OnAck adds h to the handlers of "$ack": each answer to one of the
// socket's Socket.EmitWithAck calls, or its timeout or disconnection, in a
// run of its own (Event.AckTag, Event.AckErr, the answer as the event's
// arguments). The answer arrives only if the emitting handler succeeded.
func OnAck(h Handler) { On(abiEventAck, h) }

// Values wasmio_handle returns for a failed event, besides the ABI code of
// a host error (see errorCode).
const (
	codeHandlerError = 1 // the handler returned an error of its own
	codePanic        = 2 // the handler panicked (Go; TinyGo traps instead)
)

// handle runs the handlers of the current event. It is wasmio_handle.
func handle() (code int32) {
	r := &run{}
	name := r.str(abiFieldEvent)
	defer func() {
		if p := recover(); p != nil {
			logLine(abiLogError, "wasmio: "+name+" handler panicked: "+panicText(p))
			code = codePanic
		}
	}()
	hs := handlers[name]
	if len(hs) == 0 && name != abiEventConnect && name != abiEventDisconnect && name != abiEventAck {
		hs = handlers[abiEventDefault]
	}
	s, e := &Socket{r: r}, &Event{r: r}
	for _, h := range hs {
		if err := h(s, e); err != nil && !errors.Is(err, ErrNoAck) {
			logLine(abiLogError, "wasmio: "+name+" handler failed: "+err.Error())
			return errorCode(err)
		}
	}
	return 0
}

func panicText(p any) string {
	switch p := p.(type) {
	case string:
		return p
	case error:
		return p.Error()
	}
	return fmt.Sprint(p)
}

// run caches what one event's handler read from the host. An instance
// handles exactly one event, so nothing here is ever invalidated, except
// the rooms, which Join and Leave update.
type run struct {
	fields   [abiFieldAckError + 1][]byte
	have     [abiFieldAckError + 1]bool
	args     [][]byte
	argsErr  error
	haveArgs bool
	atts     map[int][]byte
	rooms    []string
	haveRoom bool
	headers  map[string]string
	query    map[string]string
	acked    bool
}

// field returns an event field, nil if the host does not know it.
func (r *run) field(id int32) []byte {
	if !r.have[id] {
		r.fields[id], _ = readOut(256, func(buf []byte) int32 { return sysEventGet(id, buf) })
		r.have[id] = true
	}
	return r.fields[id]
}

func (r *run) str(id int32) string { return string(r.field(id)) }

// int returns a decimal event field, 0 if it is not a number.
func (r *run) int(id int32) int64 {
	n, _ := strconv.ParseInt(string(r.field(id)), 10, 64)
	return n
}

func (r *run) argList() ([][]byte, error) {
	if !r.haveArgs {
		r.args, r.argsErr = splitArray(r.field(abiFieldArgs))
		r.haveArgs = true
	}
	return r.args, r.argsErr
}

func (r *run) attachment(i int) []byte {
	if b, ok := r.atts[i]; ok {
		return b
	}
	if i < 0 || int64(i) >= r.int(abiFieldAttachments) {
		return nil
	}
	b, err := readOut(4096, func(buf []byte) int32 { return sysAttachmentGet(int32(i), buf) })
	if err != nil {
		return nil
	}
	if r.atts == nil {
		r.atts = map[int][]byte{}
	}
	r.atts[i] = b
	return b
}

// readOut calls an import that fills an output buffer, following the ABI's
// rule: try a buffer of guess bytes, and call again with a buffer of the
// returned size when it was too small. The result is never nil on success.
func readOut(guess int, call func(buf []byte) int32) ([]byte, error) {
	buf := make([]byte, guess)
	for try := 0; ; try++ {
		n := call(buf)
		if n < 0 {
			return nil, codeError(n)
		}
		if int(n) <= len(buf) {
			return buf[:n:n], nil
		}
		if try == 3 { // the data keeps growing: give up rather than loop
			return nil, ErrTooLarge
		}
		buf = make([]byte, n)
	}
}
