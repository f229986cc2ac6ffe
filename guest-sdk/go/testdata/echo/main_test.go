package main

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
	"github.com/wasmio/wasmio/guest-sdk/go/wasmio/wasmiotest"
)

func TestEcho(t *testing.T) {
	h := wasmiotest.NewHost()

	res := h.Run(wasmiotest.Event{Name: "$connect", SocketID: "s1"})
	if !res.OK() || !reflect.DeepEqual(h.Rooms("/", "s1"), []string{"s1", "all"}) {
		t.Fatalf("$connect: %v, rooms %q", res, h.Rooms("/", "s1"))
	}

	res = h.Run(wasmiotest.Event{Name: "hello", SocketID: "s1", WantsAck: true,
		Args: []any{"hi", map[string]int{"n": 1}, wasmio.Binary("\x00\x01")}})
	const args = `["hi",{"n":1},{"_placeholder":true,"num":0}]`
	if !res.OK() || len(res.Effects) != 2 {
		t.Fatal(res)
	}
	ack, emit := res.Effects[0], res.Effects[1]
	if ack.Kind != wasmiotest.KindAck || ack.Args != args || string(ack.Attachments[0]) != "\x00\x01" {
		t.Errorf("ack: %+v", ack)
	}
	if emit.Kind != wasmiotest.KindEmit || emit.Mode != wasmiotest.ModeSelf || emit.Event != "echo" ||
		emit.Args != args || string(emit.Attachments[0]) != "\x00\x01" {
		t.Errorf("emit: %+v", emit)
	}

	if res := h.Run(wasmiotest.Event{Name: "hello"}); !res.OK() || len(res.Effects) != 1 || res.Effects[0].Args != "[]" {
		t.Errorf("without ack: %v", res)
	}

	for want := 1; want <= 2; want++ {
		res = h.Run(wasmiotest.Event{Name: "kv", WantsAck: true})
		if acks := res.Acks(); !res.OK() || len(acks) != 1 || acks[0].Args != "["+strconv.Itoa(want)+"]" {
			t.Errorf("kv %d: %v", want, res)
		}
	}
	if got := string(h.KV("/")["counter"]); got != "2" {
		t.Errorf("counter = %q", got)
	}

	if res := h.Run(wasmiotest.Event{Name: "boom"}); res.Code != 2 {
		t.Errorf("boom: %v", res)
	}
	if res := h.Run(wasmiotest.Event{Name: "fail"}); res.Code != 1 {
		t.Errorf("fail: %v", res)
	}
	if res := h.Run(wasmiotest.Event{Name: "$disconnect"}); !res.OK() || len(res.Effects) != 0 {
		t.Errorf("$disconnect: %v", res)
	}
}
