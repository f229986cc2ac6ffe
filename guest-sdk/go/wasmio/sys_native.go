//go:build !wasm && !tinygo.wasm

package wasmio

import "errors"

// Built natively there is no host: the package compiles, for go vet, go doc
// and the tests of its pure logic, but every call into the host panics.
// Handlers run, and are tested, as WebAssembly on the real runtime.

var errNoHost = errors.New("wasmio: this handler runs as WebAssembly under wasmio; test it with github.com/wasmio/wasmio/wasmiotest")

func noHost() int32 { panic(errNoHost) }

func sysEventGet(int32, []byte) int32                     { return noHost() }
func sysAttachmentGet(int32, []byte) int32                { return noHost() }
func sysAttach([]byte) int32                              { return noHost() }
func sysEmit(int32, []byte, []byte, string, []byte) int32 { return noHost() }
func sysEmitAck(string, int32, string, []byte) int32      { return noHost() }
func sysAck([]byte) int32                                 { return noHost() }
func sysJoin(string) int32                                { return noHost() }
func sysLeave(string) int32                               { return noHost() }
func sysDisconnect(int32) int32                           { return noHost() }
func sysReject(string, []byte) int32                      { return noHost() }
func sysLog(int32, string) int32                          { return noHost() }
func sysClockNow() int64                                  { return int64(noHost()) }
func sysRandomFill([]byte) int32                          { return noHost() }
func sysKVGet(int32, string, []byte) int32                { return noHost() }
func sysKVPut(int32, string, []byte) int32                { return noHost() }
func sysKVDelete(int32, string) int32                     { return noHost() }
func sysKVIncr(int32, string, int64, *int64) int32        { return noHost() }
func sysKVCAS(int32, string, []byte, []byte) int32        { return noHost() }
func sysKVList(int32, string, int32, []byte) int32        { return noHost() }
