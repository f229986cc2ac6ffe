package wasmio

import (
	"encoding/binary"
	"encoding/json"
	"math"
)

// KV is a scope of the key-value store: Namespace.KV, shared by the whole
// namespace, or Socket.Data, the socket's own. Keys are 1 to 1024 bytes;
// values are byte strings up to the namespace's limit (64 KiB by default).
//
// Reads see committed data and the handler's own writes; writes commit with
// the handler's other effects. When a value the handler read changed before
// the commit, the host runs the handler again, so Incr and CompareAndSwap
// are exact under any concurrency.
type KV struct{ scope int32 }

// Entry is one key and value returned by KV.List.
type Entry struct {
	Key   string
	Value []byte
}

// Get returns the value of key, or ErrNotFound.
func (kv KV) Get(key string) ([]byte, error) {
	return readOut(256, func(buf []byte) int32 { return sysKVGet(kv.scope, key, buf) })
}

// Put sets key to value.
func (kv KV) Put(key string, value []byte) error {
	return codeError(sysKVPut(kv.scope, key, value))
}

// Delete removes key; it is not an error if key is absent.
func (kv KV) Delete(key string) error { return codeError(sysKVDelete(kv.scope, key)) }

// Incr adds delta to the decimal integer stored at key (an absent key
// counts as 0), stores the sum as decimal text and returns it. It returns
// ErrNotInteger when the value is not a decimal integer and ErrOverflow
// when the sum does not fit in an int64.
func (kv KV) Incr(key string, delta int64) (int64, error) {
	var n int64
	if err := codeError(sysKVIncr(kv.scope, key, delta, &n)); err != nil {
		return 0, err
	}
	return n, nil
}

// CompareAndSwap sets key to new if its value is old, and reports whether
// it did. A nil old means the key must be absent; a nil new deletes the key.
// An empty but non-nil slice ([]byte{}) means the empty value.
func (kv KV) CompareAndSwap(key string, old, new []byte) (bool, error) {
	code := sysKVCAS(kv.scope, key, old, new)
	if code < 0 {
		return false, codeError(code)
	}
	return code == 1, nil
}

// List returns up to limit entries (1000 when limit <= 0) whose keys start
// with prefix, in key order.
func (kv KV) List(prefix string, limit int) ([]Entry, error) {
	data, err := readOut(4096, func(buf []byte) int32 {
		return sysKVList(kv.scope, prefix, listLimit(limit), buf)
	})
	if err != nil {
		return nil, err
	}
	return decodeList(data)
}

// GetJSON decodes the JSON value of key into v. It returns ErrNotFound when
// key is absent.
func (kv KV) GetJSON(key string, v any) error {
	data, err := kv.Get(key)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// PutJSON sets key to v encoded as JSON.
func (kv KV) PutJSON(key string, v any) error {
	data, err := marshal(v)
	if err != nil {
		return err
	}
	return kv.Put(key, data)
}

// listLimit converts List's limit to kv_list's: 0 (the host's default) for
// none, at most math.MaxInt32 (as the Rust SDK), never a negative number.
func listLimit(limit int) int32 {
	return int32(max(0, min(limit, math.MaxInt32)))
}

var errBadList = &wrapError{"wasmio: malformed kv_list result", ErrInvalid}

// decodeList decodes kv_list's encoding: for each entry, the key's length
// (u32 little-endian), the key, the value's length, the value.
func decodeList(data []byte) ([]Entry, error) {
	var out []Entry
	for len(data) > 0 {
		key, rest, ok := cut(data)
		if !ok {
			return nil, errBadList
		}
		value, rest, ok := cut(rest)
		if !ok {
			return nil, errBadList
		}
		out = append(out, Entry{Key: string(key), Value: value})
		data = rest
	}
	return out, nil
}

// cut splits a length-prefixed byte string off the front of data.
func cut(data []byte) (field, rest []byte, ok bool) {
	if len(data) < 4 {
		return nil, nil, false
	}
	n := binary.LittleEndian.Uint32(data)
	if uint64(n) > uint64(len(data)-4) {
		return nil, nil, false
	}
	return data[4 : 4+n : 4+n], data[4+n:], true
}
