package kv

import "errors"

// Sentinel errors returned by the package. Errors that carry extra context
// wrap one of these, so test for them with errors.Is.
var (
	// ErrConflict reports that a value read by the transaction changed before
	// it could commit. Nothing was written; re-run the transaction.
	ErrConflict = errors.New("kv: conflict")
	// ErrClosed reports an operation on a Store after Close.
	ErrClosed = errors.New("kv: store closed")
	// ErrEmptyKey reports an empty key (or an empty DeletePrefix prefix).
	ErrEmptyKey = errors.New("kv: empty key")
	// ErrKeyTooLarge reports a key or prefix longer than MaxKeySize.
	ErrKeyTooLarge = errors.New("kv: key too large")
	// ErrValueTooLarge reports a value longer than MaxValueSize.
	ErrValueTooLarge = errors.New("kv: value too large")
	// ErrNotInteger reports that Incr found a value that is not a base-10 int64.
	ErrNotInteger = errors.New("kv: value is not an integer")
	// ErrOverflow reports that Incr's result does not fit in an int64.
	ErrOverflow = errors.New("kv: integer overflow")
	// ErrTxnDone reports use of a Txn after it was committed.
	ErrTxnDone = errors.New("kv: transaction already committed")
)
