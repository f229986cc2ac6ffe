package engineio

import "errors"

// Errors returned by the engine. They are sentinels: match them with errors.Is.
var (
	// ErrParse reports a packet or payload that does not follow the protocol.
	ErrParse = errors.New("engineio: malformed packet")
	// ErrClosed reports an operation on a session that is closing or closed.
	ErrClosed = errors.New("engineio: session closed")
	// ErrSlowConsumer reports a session whose unsent data exceeded
	// Config.MaxBufferedBytes; the session is closed with ReasonSlowConsumer.
	ErrSlowConsumer = errors.New("engineio: slow consumer")
	// ErrConfig reports an invalid Config; the wrapping error names the field.
	ErrConfig = errors.New("engineio: invalid config")
	// ErrServerClosed is returned by Serve after Shutdown.
	ErrServerClosed = errors.New("engineio: server closed")
	// ErrBodyTooLarge reports a request body over the limit ReadBody was
	// given.
	ErrBodyTooLarge = errors.New("engineio: request body too large")
)

// Close reasons passed to Handler.OnClose. They are the reason strings of
// Node's engine.io, plus ReasonSlowConsumer.
const (
	// ReasonTransportClose: the client closed the connection, or sent a close packet.
	ReasonTransportClose = "transport close"
	// ReasonTransportError: the connection failed (write error, oversized
	// payload, overlapping polls, a protocol violation on the transport).
	ReasonTransportError = "transport error"
	// ReasonParseError: the client sent a packet that could not be decoded.
	ReasonParseError = "parse error"
	// ReasonPingTimeout: the client did not answer a ping within PingTimeout.
	ReasonPingTimeout = "ping timeout"
	// ReasonForcedClose: the server closed the session (Session.Close).
	ReasonForcedClose = "forced close"
	// ReasonServerShutdown: the server is shutting down.
	ReasonServerShutdown = "server shutting down"
	// ReasonSlowConsumer: the client did not read fast enough and its unsent
	// data passed Config.MaxBufferedBytes. The client sees its connection
	// close ("transport close" on the client side) and may reconnect.
	ReasonSlowConsumer = "slow consumer"
)
