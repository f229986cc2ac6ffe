package sandbox

import "github.com/wasmio/wasmio/kv"

// KV is the key-value access of one run, by ABI scope: the sandbox passes
// only abi.ScopeNamespace and abi.ScopeSocket, and knows nothing of how
// the store lays the scopes out (package txn's Scope implements KV).
type KV interface {
	Get(scope int32, key []byte) ([]byte, bool, error)
	Put(scope int32, key, value []byte) error
	Delete(scope int32, key []byte) error
	Incr(scope int32, key []byte, delta int64) (int64, error)
	CompareAndSwap(scope int32, key, old, new []byte) (bool, error)
	List(scope int32, prefix []byte, limit int) ([]kv.Entry, error)
}
