package sandbox

import "errors"

// Errors of the sandbox; match them with errors.Is.
var (
	// ErrModule reports a module that breaks the ABI's shape: missing or
	// mistyped exports, imports it may not have, a wrong ABI version.
	ErrModule = errors.New("sandbox: invalid module")
	// ErrTrap reports a run that trapped (including a broken contract, such
	// as a buffer outside memory).
	ErrTrap = errors.New("sandbox: trap")
	// ErrTimeout reports a run interrupted by its deadline.
	ErrTimeout = errors.New("sandbox: timeout")
	// ErrLimit reports a run that exceeded a limit (host calls, emits,
	// emitted bytes, key-value bytes and keys written, bytes read).
	ErrLimit = errors.New("sandbox: limit exceeded")
	// ErrHandler reports a run whose wasmio_handle returned non-zero.
	ErrHandler = errors.New("sandbox: handler failed")
	// ErrClosed reports use of a closed Runtime.
	ErrClosed = errors.New("sandbox: runtime closed")
)
