package txn

import (
	"bytes"
	"errors"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/kv"
)

// ErrScope reports a scope that is neither abi.ScopeNamespace nor
// abi.ScopeSocket.
var ErrScope = errors.New("txn: unknown key-value scope")

// The key layout of the store, its one definition: namespace keys live
// under "n\x00<namespace>\x00" and socket keys under
// "s\x00<namespace>\x00<socket id>\x00", so that every namespace and socket
// has its own key space and a socket's can be dropped with one DeletePrefix.

// NamespacePrefix returns the key prefix of a namespace's scope.
func NamespacePrefix(ns string) []byte { return []byte("n\x00" + ns + "\x00") }

// SocketPrefix returns the key prefix of a socket's scope.
func SocketPrefix(ns, socketID string) []byte {
	return append(SocketsPrefix(), ns+"\x00"+socketID+"\x00"...)
}

// SocketsPrefix returns the key prefix of every socket's scope, of every
// namespace: none is left once every socket's $disconnect ran.
func SocketsPrefix() []byte { return []byte("s\x00") }

// Scope is a handler's view of one store transaction: keys by ABI scope,
// for the namespace Namespace and the socket SocketID. It implements
// sandbox.KV.
type Scope struct {
	Txn       *kv.Txn
	Namespace string
	SocketID  string
}

// key builds the store key of a scoped key; an empty key is refused here,
// since with its prefix it would look non-empty to the store.
func (s Scope) key(scope int32, key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, kv.ErrEmptyKey
	}
	return s.prefixed(scope, key)
}

func (s Scope) prefixed(scope int32, key []byte) ([]byte, error) {
	var p []byte
	switch scope {
	case abi.ScopeNamespace:
		p = NamespacePrefix(s.Namespace)
	case abi.ScopeSocket:
		p = SocketPrefix(s.Namespace, s.SocketID)
	default:
		return nil, ErrScope
	}
	return append(p, key...), nil
}

// Get reads a key of scope.
func (s Scope) Get(scope int32, key []byte) ([]byte, bool, error) {
	k, err := s.key(scope, key)
	if err != nil {
		return nil, false, err
	}
	return s.Txn.Get(k)
}

// Put writes a key of scope.
func (s Scope) Put(scope int32, key, value []byte) error {
	k, err := s.key(scope, key)
	if err != nil {
		return err
	}
	return s.Txn.Put(k, value)
}

// Delete deletes a key of scope.
func (s Scope) Delete(scope int32, key []byte) error {
	k, err := s.key(scope, key)
	if err != nil {
		return err
	}
	return s.Txn.Delete(k)
}

// Incr adds delta to a decimal key of scope.
func (s Scope) Incr(scope int32, key []byte, delta int64) (int64, error) {
	k, err := s.key(scope, key)
	if err != nil {
		return 0, err
	}
	return s.Txn.Incr(k, delta)
}

// CompareAndSwap swaps a key of scope if it holds old.
func (s Scope) CompareAndSwap(scope int32, key, old, new []byte) (bool, error) {
	k, err := s.key(scope, key)
	if err != nil {
		return false, err
	}
	return s.Txn.CompareAndSwap(k, old, new)
}

// List lists keys of scope under prefix; the returned keys are relative to
// the scope and owned by the caller.
func (s Scope) List(scope int32, prefix []byte, limit int) ([]kv.Entry, error) {
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

// Read reads one key of a scope outside any run, from a fresh snapshot of
// store: for tests and the operator's tools. sid is ignored for the
// namespace scope.
func Read(store *kv.Store, ns, sid string, scope int32, key []byte) ([]byte, bool, error) {
	return Scope{Txn: store.Begin(), Namespace: ns, SocketID: sid}.Get(scope, key)
}
