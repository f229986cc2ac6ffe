package sandbox

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
)

// hostFunc implements one wasmio_v1 import. Parameters are in stack, as
// api.GoModuleFunc passes them; the result goes to stack[0].
type hostFunc func(inv *invocation, mod api.Module, stack []uint64)

// hostFuncs maps every import of abi.Imports to its implementation; the
// files hostfuncs_*.go define them by area.
var hostFuncs = map[string]hostFunc{
	abi.FnEventGet:      eventGet,
	abi.FnAttachmentGet: attachmentGet,
	abi.FnAttach:        attach,
	abi.FnEmit:          emit,
	abi.FnEmitAck:       emitAck,
	abi.FnAck:           ack,
	abi.FnJoin:          join,
	abi.FnLeave:         leave,
	abi.FnDisconnect:    disconnect,
	abi.FnReject:        reject,
	abi.FnLog:           logLine,
	abi.FnClockNow:      clockNow,
	abi.FnRandomFill:    randomFill,
	abi.FnKVGet:         kvGet,
	abi.FnKVPut:         kvPut,
	abi.FnKVDelete:      kvDelete,
	abi.FnKVIncr:        kvIncr,
	abi.FnKVCAS:         kvCAS,
	abi.FnKVList:        kvList,
}

// instantiateHost defines the wasmio_v1 module from abi.Imports, so that
// the signatures guests are checked against are the ones served.
func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(abi.Module)
	for _, im := range abi.Imports {
		fn, ok := hostFuncs[im.Name]
		if !ok {
			return fmt.Errorf("sandbox: no implementation of %s", im.Name)
		}
		t := importTypes(im)
		names := make([]string, len(im.Params))
		for i, p := range im.Params {
			names[i] = p.Name
		}
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
				inv := ctx.Value(invocationKey{}).(*invocation)
				inv.enter()
				fn(inv, mod, stack)
			}), t.params, t.results).
			WithParameterNames(names...).
			Export(im.Name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// Argument decoding helpers: the stack holds i32s in the low 32 bits.
func u32(v uint64) uint32 { return uint32(v) }
func i32(v uint64) int32  { return int32(uint32(v)) }

// ret stores an i32 result.
func ret(stack []uint64, v int32) { stack[0] = uint64(uint32(v)) }
