//go:build !wasm && !tinygo.wasm

package wasmio

import "github.com/wasmio/wasmio/guest-sdk/go/wasmio/internal/hostif"

// Built natively, the SDK talks to the in-process host that package
// wasmiotest installs, so handlers can be unit-tested with go test.

func init() { hostif.Handle = handle }

func host() hostif.Host {
	if hostif.Current == nil {
		panic("wasmio: no host: handlers run in a WebAssembly module, or natively under wasmiotest")
	}
	return hostif.Current
}

func sysEventGet(field int32, buf []byte) int32      { return host().EventGet(field, buf) }
func sysAttachmentGet(index int32, buf []byte) int32 { return host().AttachmentGet(index, buf) }
func sysAttach(data []byte) int32                    { return host().Attach(data) }
func sysEmit(mode int32, to, except []byte, event string, args []byte) int32 {
	return host().Emit(mode, to, except, []byte(event), args)
}
func sysAck(args []byte) int32            { return host().Ack(args) }
func sysJoin(room string) int32           { return host().Join([]byte(room)) }
func sysLeave(room string) int32          { return host().Leave([]byte(room)) }
func sysDisconnect(closeConn int32) int32 { return host().Disconnect(closeConn) }
func sysReject(message string, data []byte) int32 {
	return host().Reject([]byte(message), data)
}
func sysLog(level int32, msg string) int32 { return host().Log(level, []byte(msg)) }
func sysClockNow() int64                   { return host().ClockNow() }
func sysRandomFill(buf []byte) int32       { return host().RandomFill(buf) }
func sysKVGet(scope int32, key string, buf []byte) int32 {
	return host().KVGet(scope, []byte(key), buf)
}
func sysKVPut(scope int32, key string, value []byte) int32 {
	return host().KVPut(scope, []byte(key), value)
}
func sysKVDelete(scope int32, key string) int32 { return host().KVDelete(scope, []byte(key)) }
func sysKVIncr(scope int32, key string, delta int64, out *int64) int32 {
	return host().KVIncr(scope, []byte(key), delta, out)
}
func sysKVCAS(scope int32, key string, old, new []byte) int32 {
	return host().KVCAS(scope, []byte(key), old, new)
}
func sysKVList(scope int32, prefix string, limit int32, buf []byte) int32 {
	return host().KVList(scope, []byte(prefix), limit, buf)
}
