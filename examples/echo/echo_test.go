package echo_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

// TestHandler runs events on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.RunUnits(t, &wasmiotest.Options{Namespace: "/echo"}, exampletest.Unit{Name: "echo", Test: testEcho})
}

func testEcho(t *testing.T, k *wasmiotest.Kit) {
	s, res := k.Connect(wasmiotest.Handshake{})
	exampletest.Silent(t, res)

	// JSON that re-encoding would change (key order, 1.50, an escape)
	// comes back as sent, and so do binary arguments, an empty one too.
	odd := json.RawMessage(`{"z":1,"a":[1.50,"\u00e9"]}`)
	blob := wasmiotest.Binary{0, 1, 2, 0xfe, 0xff}
	want := `[{"z":1,"a":[1.50,"\u00e9"]},{"_placeholder":true,"num":0},"x",{"_placeholder":true,"num":1},null]`
	res = s.EmitAck("any name/é", odd, blob, "x", wasmiotest.Binary{}, nil).MustSucceed(t)
	e := exampletest.Emitted(t, res, "any name/é", "self", nil, nil)
	for what, got := range map[string]json.RawMessage{"echo": e.Args, "ack": res.Ack.Args} {
		if string(got) != want {
			t.Fatalf("%s %s, want %s", what, got, want)
		}
	}
	for _, atts := range [][][]byte{e.Attachments, res.Ack.Attachments} {
		if len(atts) != 2 || !bytes.Equal(atts[0], blob) || len(atts[1]) != 0 {
			t.Fatalf("attachments %v", atts)
		}
	}

	// No ack asked, none sent; no arguments, none sent back.
	res = s.Emit("ping").MustSucceed(t)
	if string(exampletest.Emitted(t, res, "ping", "self", nil, nil).Args) != "[]" || res.Ack != nil {
		t.Fatalf("emits %v, ack %v", res.Emits, res.Ack)
	}
	nodetest.JSONEq(t, s.EmitAck("ping").MustSucceed(t).Ack.Args, `[]`)

	exampletest.Silent(t, s.Disconnect(""))
}

// TestEndToEnd echoes events of real clients on every transport, including
// Buffers, and checks that each client gets its own echoes only.
func TestEndToEnd(t *testing.T) {
	exampletest.Run(t, func(t *testing.T, b exampletest.Build) {
		srv := exampletest.Serve(t, b, nil)
		d := nodetest.Start(t)
		var clients []*nodetest.Client
		for i := range 3 {
			c, _ := exampletest.Connect(t, d, srv.URL+"/echo", i, nil)
			clients = append(clients, c)
		}
		blob := nodetest.Bin{0, 1, 2, 0x1e, 0xfe, 0xff}
		for i, c := range clients {
			args := []any{map[string]any{"k": "é", "n": 1.5, "i": i}, blob, "x", nodetest.Bin{}}
			want, _ := json.Marshal(args)
			nodetest.JSONEq(t, c.EmitAck("hello", args...), string(want))
			nodetest.JSONEq(t, c.Event("hello").Args, string(want))
			c.Emit("no ack", i)
			nodetest.JSONEq(t, c.Event("no ack").Args, `[`+strconv.Itoa(i)+`]`)

			// A Buffer inside an object comes back too.
			nested := map[string]any{"file": blob, "name": "a.bin"}
			want, _ = json.Marshal([]any{nested})
			nodetest.JSONEq(t, c.EmitAck("upload", nested), string(want))
			nodetest.JSONEq(t, c.Event("upload").Args, string(want))
			// The last echo is a barrier: nothing else may be pending, from
			// this client's events or the others'.
			nodetest.JSONEq(t, c.EmitAck("done"), `[]`)
			c.Event("done")
		}
		for _, c := range clients {
			exampletest.NoEvents(t, c)
		}
	})
}
