package sandbox

import (
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
)

// event_get(field, buf, cap) -> size | ERR_INVALID
func eventGet(inv *invocation, mod api.Module, stack []uint64) {
	data, ok := inv.ev.field(i32(stack[0]))
	if !ok {
		ret(stack, abi.ErrInvalid)
		return
	}
	ret(stack, inv.output(mod, u32(stack[1]), u32(stack[2]), data))
}

// attachment_get(index, buf, cap) -> size | ERR_NOT_FOUND
func attachmentGet(inv *invocation, mod api.Module, stack []uint64) {
	i := i32(stack[0])
	if i < 0 || int(i) >= len(inv.ev.Attachments) {
		ret(stack, abi.ErrNotFound)
		return
	}
	ret(stack, inv.output(mod, u32(stack[1]), u32(stack[2]), inv.ev.Attachments[i]))
}
