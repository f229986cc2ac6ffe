package socketio

import "encoding/json"

// The hooks a namespace calls, and what they receive. Every type a user of
// the package implements or inspects in a hook is here.

// ConnectError rejects a connection from Hooks.Connect: the client's
// connect_error listener receives an Error whose message is Message and whose
// data is Data (raw JSON, omitted when nil).
type ConnectError struct {
	Message string
	Data    json.RawMessage
}

func (e *ConnectError) Error() string { return e.Message }

// Event is a client's event as Hooks.Event receives it.
type Event struct {
	// Name is the event name.
	Name string
	// Args is the JSON array of the arguments after the name, exactly as the
	// client sent them (binary ones as {"_placeholder":true,"num":N}); a view
	// valid only during the hook call.
	Args []byte
	// Attachments are the binary arguments in placeholder order; the hook
	// owns them.
	Attachments [][]byte
	// Ack answers the client's acknowledgement callback with a JSON array of
	// arguments and their attachments; nil when the client asked for none.
	// It may be called once, from any goroutine, after the hook returns.
	Ack func(args []byte, attachments ...[]byte) error
}

// Hooks are a namespace's callbacks. Each may be nil. Hooks for one socket
// run one at a time, in the order of the client's packets.
type Hooks struct {
	// Connect decides whether a client may join the namespace: nil accepts,
	// an error rejects (a *ConnectError sets the message and data the client
	// sees; any other error's text becomes the message). The socket is not
	// yet connected: it cannot emit, join or be reached.
	Connect func(s *Socket) error
	// Connected runs once the CONNECT reply is on its way: the socket is in
	// its own room and may emit, join and be targeted.
	Connected func(s *Socket)
	// Event receives the socket's events.
	Event func(s *Socket, e *Event)
	// Disconnect runs once, after the socket left every room.
	Disconnect func(s *Socket, reason string)
}
