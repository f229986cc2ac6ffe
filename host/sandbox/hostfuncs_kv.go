package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/kv"
)

// maxKey bounds keys (the ABI promises 1 to 1024 bytes).
const maxKey = 1024

// kvCode maps a store error to an ABI error code.
func kvCode(err error) int32 {
	switch {
	case errors.Is(err, kv.ErrEmptyKey):
		return abi.ErrInvalid
	case errors.Is(err, kv.ErrKeyTooLarge), errors.Is(err, kv.ErrValueTooLarge):
		return abi.ErrTooLarge
	case errors.Is(err, kv.ErrNotInteger):
		return abi.ErrNotInteger
	case errors.Is(err, kv.ErrOverflow):
		return abi.ErrOverflow
	}
	return abi.ErrStorage
}

// kvArgs reads scope and key, the first three parameters of every kv_*
// import; it answers the error itself and returns ok false when the call
// cannot proceed.
func kvArgs(inv *invocation, mod api.Module, stack []uint64) (scope int32, key []byte, ok bool) {
	scope = i32(stack[0])
	key = inv.read(mod, u32(stack[1]), u32(stack[2]))
	switch {
	case inv.kv == nil:
		ret(stack, abi.ErrState)
	case scope != abi.ScopeNamespace && scope != abi.ScopeSocket:
		ret(stack, abi.ErrInvalid)
	case len(key) > maxKey:
		ret(stack, abi.ErrTooLarge)
	default:
		return scope, key, true
	}
	return 0, nil, false
}

// countWrite applies MaxWriteKeys and MaxWriteBytes to a write the store
// accepted. The run fails on the write that goes over, so its transaction
// holds at most one value past the budget and is never committed.
func (inv *invocation) countWrite(key []byte, valueLen int) {
	inv.writeKeys++
	inv.writeBytes += len(key) + valueLen
	switch {
	case inv.writeKeys > inv.limits.MaxWriteKeys:
		inv.trap(fmt.Errorf("%w: more than %d key-value writes", ErrLimit, inv.limits.MaxWriteKeys))
	case inv.writeBytes > inv.limits.MaxWriteBytes:
		inv.trap(fmt.Errorf("%w: more than %d bytes written to the key-value store", ErrLimit, inv.limits.MaxWriteBytes))
	}
}

// countRead applies MaxReadBytes to what the store returned.
func (inv *invocation) countRead(n int) {
	inv.readBytes += n
	if inv.readBytes > inv.limits.MaxReadBytes {
		inv.trap(fmt.Errorf("%w: more than %d bytes read from the key-value store", ErrLimit, inv.limits.MaxReadBytes))
	}
}

// kv_get(scope, key, key_len, buf, cap) -> size | ERR_NOT_FOUND
func kvGet(inv *invocation, mod api.Module, stack []uint64) {
	scope, key, ok := kvArgs(inv, mod, stack)
	if !ok {
		return
	}
	v, found, err := inv.kv.Get(scope, key)
	switch {
	case err != nil:
		ret(stack, kvCode(err))
	case !found:
		ret(stack, abi.ErrNotFound)
	default:
		inv.countRead(len(v))
		ret(stack, inv.output(mod, u32(stack[3]), u32(stack[4]), v))
	}
}

// kv_put(scope, key, key_len, value, value_len) -> 0
func kvPut(inv *invocation, mod api.Module, stack []uint64) {
	scope, key, ok := kvArgs(inv, mod, stack)
	if !ok {
		return
	}
	value := inv.read(mod, u32(stack[3]), u32(stack[4]))
	if len(value) > inv.limits.MaxValueBytes {
		ret(stack, abi.ErrTooLarge)
		return
	}
	if err := inv.kv.Put(scope, key, value); err != nil {
		ret(stack, kvCode(err))
		return
	}
	inv.countWrite(key, len(value))
	ret(stack, 0)
}

// kv_delete(scope, key, key_len) -> 0
func kvDelete(inv *invocation, mod api.Module, stack []uint64) {
	scope, key, ok := kvArgs(inv, mod, stack)
	if !ok {
		return
	}
	if err := inv.kv.Delete(scope, key); err != nil {
		ret(stack, kvCode(err))
		return
	}
	inv.countWrite(key, 0)
	ret(stack, 0)
}

// kv_incr(scope, key, key_len, delta, out) -> 0 | ERR_NOT_INTEGER | ERR_OVERFLOW
func kvIncr(inv *invocation, mod api.Module, stack []uint64) {
	scope, key, ok := kvArgs(inv, mod, stack)
	if !ok {
		return
	}
	out := inv.read(mod, u32(stack[4]), 8)
	n, err := inv.kv.Incr(scope, key, int64(stack[3]))
	if err != nil {
		ret(stack, kvCode(err))
		return
	}
	var dec [20]byte // the stored decimal, counted without allocating
	inv.countWrite(key, len(strconv.AppendInt(dec[:0], n, 10)))
	binary.LittleEndian.PutUint64(out, uint64(n))
	ret(stack, 0)
}

// kv_cas(scope, key, key_len, old, old_len, new, new_len) -> 1 | 0 | error
func kvCAS(inv *invocation, mod api.Module, stack []uint64) {
	scope, key, ok := kvArgs(inv, mod, stack)
	if !ok {
		return
	}
	optional := func(ptr, n uint64) []byte {
		if i32(n) == -1 {
			return nil
		}
		b := inv.read(mod, u32(ptr), u32(n))
		if b == nil {
			b = []byte{} // present but empty
		}
		return b
	}
	old, new := optional(stack[3], stack[4]), optional(stack[5], stack[6])
	if len(new) > inv.limits.MaxValueBytes {
		ret(stack, abi.ErrTooLarge)
		return
	}
	swapped, err := inv.kv.CompareAndSwap(scope, key, old, new)
	switch {
	case err != nil:
		ret(stack, kvCode(err))
	case swapped:
		inv.countWrite(key, len(new))
		ret(stack, 1)
	default:
		ret(stack, 0)
	}
}

// kv_list(scope, prefix, prefix_len, limit, buf, cap) -> size
func kvList(inv *invocation, mod api.Module, stack []uint64) {
	scope, prefix, ok := kvArgs(inv, mod, stack)
	if !ok {
		return
	}
	entries, err := inv.kv.List(scope, prefix, int(i32(stack[3])))
	if err != nil {
		ret(stack, kvCode(err))
		return
	}
	size := 0
	for _, e := range entries {
		size += 8 + len(e.Key) + len(e.Value)
	}
	inv.countRead(size)
	enc := make([]byte, 0, size)
	for _, e := range entries {
		enc = binary.LittleEndian.AppendUint32(enc, uint32(len(e.Key)))
		enc = append(enc, e.Key...)
		enc = binary.LittleEndian.AppendUint32(enc, uint32(len(e.Value)))
		enc = append(enc, e.Value...)
	}
	ret(stack, inv.output(mod, u32(stack[4]), u32(stack[5]), enc))
}
