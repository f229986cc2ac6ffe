package wasmio

import (
	"errors"
	"strconv"
)

// Errors reported by the host, one per ABI error code. Compare with
// errors.Is: some errors of this package wrap them (ErrNoAck is an ErrState).
var (
	// ErrInvalid reports a malformed argument: invalid JSON or UTF-8, an
	// empty room or key, a reserved event name (ERR_INVALID).
	ErrInvalid = errors.New("wasmio: invalid argument")
	// ErrNotFound reports a missing key, argument or attachment (ERR_NOT_FOUND).
	ErrNotFound = errors.New("wasmio: not found")
	// ErrTooLarge reports a key, value or payload over a limit (ERR_TOO_LARGE).
	ErrTooLarge = errors.New("wasmio: too large")
	// ErrState reports an operation not allowed in this event, like Reject
	// outside $connect (ERR_STATE).
	ErrState = errors.New("wasmio: not allowed in this event")
	// ErrNotInteger reports KV.Incr on a value that is not a decimal integer
	// (ERR_NOT_INTEGER).
	ErrNotInteger = errors.New("wasmio: value is not an integer")
	// ErrOverflow reports a KV.Incr result that does not fit in 64 bits
	// (ERR_OVERFLOW).
	ErrOverflow = errors.New("wasmio: integer overflow")
	// ErrStorage reports a failure of the key-value store (ERR_STORAGE).
	ErrStorage = errors.New("wasmio: key-value store failed")

	// ErrAckTimeout is Event.AckErr in a $ack handler whose client did not
	// answer in time.
	ErrAckTimeout = errors.New("wasmio: the client did not answer in time")
	// ErrDisconnected is Event.AckErr in a $ack handler whose socket
	// disconnected before its client answered.
	ErrDisconnected = errors.New("wasmio: the socket disconnected before answering")

	// ErrNoAck is returned by Event.Ack when the client asked for no
	// acknowledgement or the handler already sent it. It is an ErrState.
	ErrNoAck error = &wrapError{"wasmio: no acknowledgement requested, or already sent", ErrState}
)

// wrapError is an error with its own message that matches another one.
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

// hostErrors pairs each ABI error code with its error.
var hostErrors = []struct {
	code int32
	err  error
}{
	{abiErrInvalid, ErrInvalid},
	{abiErrNotFound, ErrNotFound},
	{abiErrTooLarge, ErrTooLarge},
	{abiErrState, ErrState},
	{abiErrNotInteger, ErrNotInteger},
	{abiErrOverflow, ErrOverflow},
	{abiErrStorage, ErrStorage},
}

// codeError maps an import's result to an error: nil for 0 and positive
// results, one of the Err variables for an ABI error code.
func codeError(code int32) error {
	if code >= 0 {
		return nil
	}
	for _, h := range hostErrors {
		if h.code == code {
			return h.err
		}
	}
	return errors.New("wasmio: unknown error code " + strconv.Itoa(int(code)))
}

// errorCode is what wasmio_handle returns for a handler's error: the ABI
// code of the host error it is or wraps, so that the host's log names it,
// else codeHandlerError. The Rust SDK returns the same.
func errorCode(err error) int32 {
	for _, h := range hostErrors {
		if errors.Is(err, h.err) {
			return h.code
		}
	}
	return codeHandlerError
}
