package sandbox_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/sandbox"
)

// TestEmitAck runs testdata/emitack.wat, whose emit_ack calls cover every
// argument check, under different slot counts: it checks each call's code,
// the recorded ops (tag, timeout with the default applied, arguments,
// attachments) and that emit_acks count against MaxEmits.
func TestEmitAck(t *testing.T) {
	const inv, big, state = abi.ErrInvalid, abi.ErrTooLarge, abi.ErrState
	type ackOp struct {
		tag     string
		timeout time.Duration
		args    string
		atts    []string
	}
	valid := []ackOp{
		{"t", 10 * time.Second, "[1]", nil},
		{"t", time.Millisecond, "[]", nil},
		{"t", 10 * time.Minute, "[]", nil},
		{strings.Repeat("\x00", 1024), 10 * time.Second, "[]", nil},
		{"", 10 * time.Second, "[]", []string{"b"}},
	}
	allState := []int32{state, state, state, state, state, state, state, state, state, state, state, state, state}
	for _, tc := range []struct {
		name   string
		slots  int
		limits sandbox.Limits
		codes  []int32
		ops    []ackOp
		err    string // a limit breach, "" for success
	}{
		{"every slot", abi.MaxPendingAcks, sandbox.Limits{}, []int32{0, 0, 0, inv, inv, big, 0, inv, inv, inv, inv, inv, 0}, valid, ""},
		{"three slots", 3, sandbox.Limits{}, append([]int32{0, 0, 0}, allState[3:]...), valid[:3], ""},
		{"no slot", 0, sandbox.Limits{}, allState, nil, ""},
		{"emit limit", abi.MaxPendingAcks, sandbox.Limits{MaxEmits: 3}, nil, nil, "more than 3 emits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := compile(t, newRuntime(t, tc.limits), "emitack")
			eff, err := m.Run(context.Background(), &sandbox.Event{Name: "x", AckSlots: tc.slots}, nil)
			if tc.err != "" {
				if !errors.Is(err, sandbox.ErrLimit) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want a limit error %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			last := eff.Ops[len(eff.Ops)-1]
			if last.Kind != sandbox.OpEmit || last.Event != "codes" || len(last.Attachments) != 1 {
				t.Fatalf("last op %+v", last)
			}
			codes := make([]int32, len(last.Attachments[0])/4)
			for i := range codes {
				codes[i] = int32(binary.LittleEndian.Uint32(last.Attachments[0][4*i:]))
			}
			if !reflect.DeepEqual(codes, tc.codes) {
				t.Errorf("codes %v, want %v", codes, tc.codes)
			}
			var got []ackOp
			for _, op := range eff.Ops[:len(eff.Ops)-1] {
				if op.Kind != sandbox.OpEmitAck || op.Event != "q" || op.Mode != 0 || op.To != nil || op.Except != nil {
					t.Errorf("op %+v", op)
				}
				a := ackOp{tag: op.Tag, timeout: op.Timeout, args: string(op.Args)}
				for _, b := range op.Attachments {
					a.atts = append(a.atts, string(b))
				}
				got = append(got, a)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.ops) {
				t.Errorf("ops\n got %+v\nwant %+v", got, tc.ops)
			}
		})
	}
}
