package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/socketio"
)

const maxRoomName = 1024

// attach(ptr, len) -> staged count
func attach(inv *invocation, mod api.Module, stack []uint64) {
	b := inv.copyIn(mod, u32(stack[0]), u32(stack[1]))
	inv.countBytes(len(b))
	inv.staged = append(inv.staged, b)
	ret(stack, int32(len(inv.staged)))
}

// emit(mode, to, to_len, except, except_len, event, event_len, args, args_len) -> 0 | error
func emit(inv *invocation, mod api.Module, stack []uint64) {
	mode := i32(stack[0])
	to, okTo := rooms(inv.read(mod, u32(stack[1]), u32(stack[2])))
	except, okExcept := rooms(inv.read(mod, u32(stack[3]), u32(stack[4])))
	event := inv.read(mod, u32(stack[5]), u32(stack[6]))
	args, okArgs := jsonArray(inv.read(mod, u32(stack[7]), u32(stack[8])))
	switch {
	case mode != abi.EmitSelf && mode != abi.EmitBroadcast && mode != abi.EmitNamespace,
		mode == abi.EmitSelf && (len(to) > 0 || len(except) > 0),
		!okTo, !okExcept, !okArgs, !validEvent(event):
		inv.staged = nil
		ret(stack, abi.ErrInvalid)
		return
	}
	inv.countEmit(len(event) + len(args))
	inv.effects.Ops = append(inv.effects.Ops, Op{Kind: OpEmit, Mode: mode, To: to, Except: except,
		Event: string(event), Args: args, Attachments: inv.takeStaged()})
	ret(stack, 0)
}

// emit_ack(tag, tag_len, timeout_ms, event, event_len, args, args_len) -> 0 | error
func emitAck(inv *invocation, mod api.Module, stack []uint64) {
	tag := inv.read(mod, u32(stack[0]), u32(stack[1]))
	timeout := i32(stack[2])
	event := inv.read(mod, u32(stack[3]), u32(stack[4]))
	args, okArgs := jsonArray(inv.read(mod, u32(stack[5]), u32(stack[6])))
	code := int32(0)
	switch {
	case inv.ackEmits >= inv.ev.AckSlots:
		code = abi.ErrState
	case timeout < 0 || timeout > abi.MaxAckTimeoutMs, !utf8.Valid(tag), !okArgs, !validEvent(event):
		code = abi.ErrInvalid
	case len(tag) > abi.MaxAckTag:
		code = abi.ErrTooLarge
	}
	if code != 0 {
		inv.staged = nil
		ret(stack, code)
		return
	}
	if timeout == 0 {
		timeout = abi.DefaultAckTimeoutMs
	}
	inv.countEmit(len(event) + len(args))
	inv.ackEmits++
	inv.effects.Ops = append(inv.effects.Ops, Op{Kind: OpEmitAck, Event: string(event), Args: args,
		Attachments: inv.takeStaged(), Tag: string(tag), Timeout: time.Duration(timeout) * time.Millisecond})
	ret(stack, 0)
}

// ack(args, args_len) -> 0 | ERR_STATE | ERR_INVALID
func ack(inv *invocation, mod api.Module, stack []uint64) {
	args, ok := jsonArray(inv.read(mod, u32(stack[0]), u32(stack[1])))
	switch {
	case !inv.ev.WantsAck || inv.acked:
		inv.staged = nil
		ret(stack, abi.ErrState)
		return
	case !ok:
		inv.staged = nil
		ret(stack, abi.ErrInvalid)
		return
	}
	inv.countEmit(len(args))
	inv.acked = true
	inv.effects.Ops = append(inv.effects.Ops, Op{Kind: OpAck, Args: args, Attachments: inv.takeStaged()})
	ret(stack, 0)
}

// join(room, len) / leave(room, len) -> 0 | ERR_INVALID
func join(inv *invocation, mod api.Module, stack []uint64)  { roomOp(inv, mod, stack, OpJoin) }
func leave(inv *invocation, mod api.Module, stack []uint64) { roomOp(inv, mod, stack, OpLeave) }

func roomOp(inv *invocation, mod api.Module, stack []uint64, kind OpKind) {
	room := inv.read(mod, u32(stack[0]), u32(stack[1]))
	if !validRoom(room) {
		ret(stack, abi.ErrInvalid)
		return
	}
	inv.effects.Ops = append(inv.effects.Ops, Op{Kind: kind, Room: string(room)})
	ret(stack, 0)
}

// disconnect(close) -> 0 | ERR_STATE
func disconnect(inv *invocation, mod api.Module, stack []uint64) {
	if inv.closing {
		ret(stack, abi.ErrState)
		return
	}
	inv.closing = true
	inv.effects.Ops = append(inv.effects.Ops, Op{Kind: OpDisconnect, Close: i32(stack[0]) != 0})
	ret(stack, 0)
}

// reject(message, message_len, data, data_len) -> 0 | ERR_STATE | ERR_INVALID
func reject(inv *invocation, mod api.Module, stack []uint64) {
	msg := inv.read(mod, u32(stack[0]), u32(stack[1]))
	data := inv.read(mod, u32(stack[2]), u32(stack[3]))
	switch {
	case inv.ev.Name != abi.EventConnect || inv.effects.Reject != nil:
		ret(stack, abi.ErrState)
		return
	case !utf8.Valid(msg) || len(data) > 0 && !json.Valid(data):
		ret(stack, abi.ErrInvalid)
		return
	}
	inv.countEmit(len(msg) + len(data))
	r := &Rejection{Message: string(msg)}
	if len(data) > 0 {
		r.Data = bytes.Clone(data)
	}
	inv.effects.Reject = r
	ret(stack, 0)
}

func (inv *invocation) takeStaged() [][]byte {
	s := inv.staged
	inv.staged = nil
	return s
}

// countEmit applies MaxEmits and MaxEmitBytes to one emit, emit_ack, ack
// or rejection.
func (inv *invocation) countEmit(n int) {
	inv.emits++
	if inv.emits > inv.limits.MaxEmits {
		inv.trap(fmt.Errorf("%w: more than %d emits", ErrLimit, inv.limits.MaxEmits))
	}
	inv.countBytes(n)
}

func (inv *invocation) countBytes(n int) {
	inv.bytes += n
	if inv.bytes > inv.limits.MaxEmitBytes {
		inv.trap(fmt.Errorf("%w: more than %d bytes emitted", ErrLimit, inv.limits.MaxEmitBytes))
	}
}

// jsonArray returns a copy of b if it is a valid UTF-8 JSON array; empty
// means no arguments.
func jsonArray(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return []byte("[]"), true
	}
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 || t[0] != '[' || !utf8.Valid(b) || !json.Valid(b) {
		return nil, false
	}
	return bytes.Clone(b), true
}

// rooms splits a NUL-joined room list.
func rooms(b []byte) ([]string, bool) {
	if len(b) == 0 {
		return nil, true
	}
	out := strings.Split(string(b), "\x00")
	for _, r := range out {
		if !validRoom([]byte(r)) {
			return nil, false
		}
	}
	return out, true
}

func validRoom(r []byte) bool {
	return len(r) > 0 && len(r) <= maxRoomName && utf8.Valid(r) && bytes.IndexByte(r, 0) < 0
}

func validEvent(e []byte) bool {
	return len(e) > 0 && len(e) <= maxRoomName && utf8.Valid(e) && !socketio.IsReservedEvent(string(e))
}
