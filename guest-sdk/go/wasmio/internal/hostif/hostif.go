// Package hostif connects the wasmio SDK to an in-process host when it is
// built natively (not for WebAssembly), so that handlers can be tested with
// package wasmiotest. Module builds never import it.
package hostif

// Host mirrors the wasmio_v1 imports of ABI v1 (abi/ABI.md) with Go slices
// in place of (ptr, len) pairs. Output buffers follow the ABI's rule: write
// min(size, len(buf)) bytes and return the size. For KVCAS a nil old or new
// stands for length -1 (absent, delete).
type Host interface {
	EventGet(field int32, buf []byte) int32
	AttachmentGet(index int32, buf []byte) int32
	Attach(data []byte) int32
	Emit(mode int32, to, except, event, args []byte) int32
	Ack(args []byte) int32
	Join(room []byte) int32
	Leave(room []byte) int32
	Disconnect(close int32) int32
	Reject(message, data []byte) int32
	Log(level int32, msg []byte) int32
	ClockNow() int64
	RandomFill(buf []byte) int32
	KVGet(scope int32, key, buf []byte) int32
	KVPut(scope int32, key, value []byte) int32
	KVDelete(scope int32, key []byte) int32
	KVIncr(scope int32, key []byte, delta int64, out *int64) int32
	KVCAS(scope int32, key, old, new []byte) int32
	KVList(scope int32, prefix []byte, limit int32, buf []byte) int32
}

// Current is the host the SDK calls; nil outside a test run.
var Current Host

// Handle is the SDK's wasmio_handle, set by the SDK's native build.
var Handle func() int32
