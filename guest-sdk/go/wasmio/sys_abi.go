//go:build wasm || tinygo.wasm

package wasmio

import "unsafe"

// This file is the only place that turns Go values into ABI (ptr, len)
// pairs. The host never keeps a pointer after a call returns, and passing a
// pointer as an argument keeps its object alive for the call. An empty slice
// or string may pass a nil pointer with length 0, which is inside memory.

func bptr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }
func sptr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

func sysEventGet(field int32, buf []byte) int32 {
	return abiEventGet(field, bptr(buf), int32(len(buf)))
}

func sysAttachmentGet(index int32, buf []byte) int32 {
	return abiAttachmentGet(index, bptr(buf), int32(len(buf)))
}

func sysAttach(data []byte) int32 { return abiAttach(bptr(data), int32(len(data))) }

func sysEmit(mode int32, to, except []byte, event string, args []byte) int32 {
	return abiEmit(mode, bptr(to), int32(len(to)), bptr(except), int32(len(except)),
		sptr(event), int32(len(event)), bptr(args), int32(len(args)))
}

func sysEmitAck(tag string, timeoutMs int32, event string, args []byte) int32 {
	return abiEmitAck(sptr(tag), int32(len(tag)), timeoutMs, sptr(event), int32(len(event)), bptr(args), int32(len(args)))
}

func sysAck(args []byte) int32 { return abiAck(bptr(args), int32(len(args))) }

func sysJoin(room string) int32  { return abiJoin(sptr(room), int32(len(room))) }
func sysLeave(room string) int32 { return abiLeave(sptr(room), int32(len(room))) }

func sysDisconnect(closeConn int32) int32 { return abiDisconnect(closeConn) }

func sysReject(message string, data []byte) int32 {
	return abiReject(sptr(message), int32(len(message)), bptr(data), int32(len(data)))
}

func sysLog(level int32, msg string) int32 { return abiLog(level, sptr(msg), int32(len(msg))) }

func sysClockNow() int64 { return abiClockNow() }

func sysRandomFill(buf []byte) int32 { return abiRandomFill(bptr(buf), int32(len(buf))) }

func sysKVGet(scope int32, key string, buf []byte) int32 {
	return abiKvGet(scope, sptr(key), int32(len(key)), bptr(buf), int32(len(buf)))
}

func sysKVPut(scope int32, key string, value []byte) int32 {
	return abiKvPut(scope, sptr(key), int32(len(key)), bptr(value), int32(len(value)))
}

func sysKVDelete(scope int32, key string) int32 {
	return abiKvDelete(scope, sptr(key), int32(len(key)))
}

func sysKVIncr(scope int32, key string, delta int64, out *int64) int32 {
	return abiKvIncr(scope, sptr(key), int32(len(key)), delta, unsafe.Pointer(out))
}

// sysKVCAS passes a nil old or new as length -1 (absent, delete).
func sysKVCAS(scope int32, key string, old, new []byte) int32 {
	oldLen, newLen := int32(len(old)), int32(len(new))
	if old == nil {
		oldLen = -1
	}
	if new == nil {
		newLen = -1
	}
	return abiKvCas(scope, sptr(key), int32(len(key)), bptr(old), oldLen, bptr(new), newLen)
}

func sysKVList(scope int32, prefix string, limit int32, buf []byte) int32 {
	return abiKvList(scope, sptr(prefix), int32(len(prefix)), limit, bptr(buf), int32(len(buf)))
}
