package socketio

import "errors"

// Errors returned by the Socket.IO layer; match them with errors.Is.
var (
	// ErrParse reports a packet that does not follow the Socket.IO protocol.
	ErrParse = errors.New("socketio: malformed packet")
	// ErrInvalidArgs reports event arguments that are not a JSON array.
	ErrInvalidArgs = errors.New("socketio: invalid arguments")
	// ErrReservedEvent reports an emit of an event name the client reserves.
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrNotConnected reports an operation on a socket that has disconnected.
	ErrNotConnected = errors.New("socketio: socket not connected")
	// ErrAckTimeout is passed to an ack callback whose client did not answer in time.
	ErrAckTimeout = errors.New("socketio: ack timeout")
	// ErrNamespace reports a namespace name that is invalid or already served.
	ErrNamespace = errors.New("socketio: invalid namespace")
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("socketio: invalid config")
)

// Disconnect reasons passed to Hooks.Disconnect, besides the engine's
// (engineio.Reason*: "transport close", "transport error", "ping timeout",
// "parse error", "forced close", "server shutting down", "slow consumer").
const (
	// ReasonClientNamespaceDisconnect: the client called socket.disconnect().
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	// ReasonServerNamespaceDisconnect: the server called Socket.Disconnect.
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
)
