package sandbox

import (
	"bytes"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/kv"
)

// KV is the key-value access of one run, by ABI scope. ScopedKV implements
// it over a kv.Txn.
type KV interface {
	Get(scope int32, key []byte) ([]byte, bool, error)
	Put(scope int32, key, value []byte) error
	Delete(scope int32, key []byte) error
	Incr(scope int32, key []byte, delta int64) (int64, error)
	CompareAndSwap(scope int32, key, old, new []byte) (bool, error)
	List(scope int32, prefix []byte, limit int) ([]kv.Entry, error)
}

// ScopedKV maps a handler's scoped keys onto one store: namespace keys live
// under "n\x00<namespace>\x00" and socket keys under
// "s\x00<namespace>\x00<socket id>\x00", so that every namespace and socket
// has its own key space and a socket's can be dropped with one DeletePrefix.
type ScopedKV struct {
	Txn       *kv.Txn
	Namespace string
	SocketID  string
}

// NamespacePrefix returns the key prefix of a namespace's scope.
func NamespacePrefix(ns string) []byte { return []byte("n\x00" + ns + "\x00") }

// SocketPrefix returns the key prefix of a socket's scope.
func SocketPrefix(ns, socketID string) []byte {
	return []byte("s\x00" + ns + "\x00" + socketID + "\x00")
}

// key builds the store key of a scoped key; an empty key is refused here,
// since with its prefix it would look non-empty to the store.
func (s ScopedKV) key(scope int32, key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, kv.ErrEmptyKey
	}
	return s.prefixed(scope, key)
}

func (s ScopedKV) prefixed(scope int32, key []byte) ([]byte, error) {
	var p []byte
	switch scope {
	case abi.ScopeNamespace:
		p = NamespacePrefix(s.Namespace)
	case abi.ScopeSocket:
		p = SocketPrefix(s.Namespace, s.SocketID)
	default:
		return nil, errScope
	}
	return append(p, key...), nil
}

// Get reads a key of scope.
func (s ScopedKV) Get(scope int32, key []byte) ([]byte, bool, error) {
	k, err := s.key(scope, key)
	if err != nil {
		return nil, false, err
	}
	return s.Txn.Get(k)
}

// Put writes a key of scope.
func (s ScopedKV) Put(scope int32, key, value []byte) error {
	k, err := s.key(scope, key)
	if err != nil {
		return err
	}
	return s.Txn.Put(k, value)
}

// Delete deletes a key of scope.
func (s ScopedKV) Delete(scope int32, key []byte) error {
	k, err := s.key(scope, key)
	if err != nil {
		return err
	}
	return s.Txn.Delete(k)
}

// Incr adds delta to a decimal key of scope.
func (s ScopedKV) Incr(scope int32, key []byte, delta int64) (int64, error) {
	k, err := s.key(scope, key)
	if err != nil {
		return 0, err
	}
	return s.Txn.Incr(k, delta)
}

// CompareAndSwap swaps a key of scope if it holds old.
func (s ScopedKV) CompareAndSwap(scope int32, key, old, new []byte) (bool, error) {
	k, err := s.key(scope, key)
	if err != nil {
		return false, err
	}
	return s.Txn.CompareAndSwap(k, old, new)
}

// List lists keys of scope under prefix; the returned keys are relative to
// the scope.
func (s ScopedKV) List(scope int32, prefix []byte, limit int) ([]kv.Entry, error) {
	k, err := s.prefixed(scope, prefix)
	if err != nil {
		return nil, err
	}
	entries, err := s.Txn.List(k, limit)
	for i := range entries {
		entries[i].Key = bytes.Clone(entries[i].Key[len(k)-len(prefix):])
	}
	return entries, err
}
