package counter_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

// TestHandler runs events on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.RunUnits(t, &wasmiotest.Options{Namespace: "/counter"}, exampletest.Unit{Name: "counter", Test: testCounter})
}

func testCounter(t *testing.T, k *wasmiotest.Kit) {
	s, res := k.Connect(wasmiotest.Handshake{})
	exampletest.Silent(t, res)
	get := func(want int) {
		t.Helper()
		res := s.EmitAck("get").MustSucceed(t)
		if len(res.Emits) != 0 {
			t.Fatalf("get emitted %v", res.Emits)
		}
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"value":`+strconv.Itoa(want)+`}]`)
	}
	get(0)

	total := 0
	for _, tc := range []struct {
		args []any
		by   int
	}{{nil, 1}, {[]any{nil}, 1}, {[]any{5}, 5}, {[]any{2.0}, 2}, {[]any{1e3}, 1000}, {[]any{1_000_000}, 1_000_000}} {
		total += tc.by
		value := `{"value":` + strconv.Itoa(total) + `}`
		res := s.EmitAck("increment", tc.args...).MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "count", "namespace", nil, nil).Args, `[`+value+`]`)
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"value":`+strconv.Itoa(total)+`}]`)
		if v, _ := k.Get("count"); v != strconv.Itoa(total) {
			t.Fatalf("stored %q, want %d", v, total)
		}
	}
	total++
	if res := s.Emit("increment").MustSucceed(t); res.Ack != nil || len(res.Emits) != 1 {
		t.Fatalf("without an ack: emits %v, ack %v", res.Emits, res.Ack)
	}
	get(total)

	for _, arg := range []any{0, -1, 1.5, 1_000_001, "5", true, map[string]any{"by": 2}} {
		res := s.EmitAck("increment", arg).MustSucceed(t)
		if len(res.Emits) != 0 {
			t.Fatalf("increment %v: emits %v", arg, res.Emits)
		}
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":false,"error":"amount must be an integer from 1 to 1000000"}]`)
		exampletest.Silent(t, s.Emit("increment", arg))
	}
	get(total)
}

// TestEndToEnd has ten real clients, on mixed transports, increment at
// once: no count is lost or repeated, and every client sees every value.
// The waits are for count broadcasts, which keep coming however long the
// whole takes.
func TestEndToEnd(t *testing.T) {
	exampletest.Run(t, func(t *testing.T, b exampletest.Build) {
		const clients, increments = 10, 50
		srv := exampletest.Serve(t, b, nil)
		d := nodetest.Start(t)
		var cs []*nodetest.Client
		for i := range clients {
			c, _ := exampletest.Connect(t, d, srv.URL+"/counter", i, nil)
			cs = append(cs, c)
		}
		// Every client fires its increments at once, without waiting.
		for range increments {
			for _, c := range cs {
				c.Emit("increment")
			}
		}
		const total = clients * increments
		// Each increment told every client its value: each client saw
		// every value from 1 to the total exactly once.
		for _, c := range cs {
			seen := make([]int, 0, total)
			for range total {
				var count []struct{ Value int }
				nodetest.Args(t, c.Event("count").Args, &count)
				seen = append(seen, count[0].Value)
			}
			slices.Sort(seen)
			for i, v := range seen {
				if v != i+1 {
					t.Fatalf("client %s: values %v", c.ID, seen)
				}
			}
		}

		nodetest.JSONEq(t, cs[0].EmitAck("get"), `[{"ok":true,"value":`+strconv.Itoa(total)+`}]`)
		if v := srv.Get(t, "/counter", "count"); v != strconv.Itoa(total) {
			t.Fatalf("stored count %q", v)
		}

		// Acked increments, one after the other, the last with an amount:
		// each ack has the new value, and so has the broadcast every client
		// gets, in order. The last broadcast is a barrier.
		var want []string
		for i, c := range cs {
			want = append(want, strconv.Itoa(total+i+1))
			nodetest.JSONEq(t, c.EmitAck("increment"), `[{"ok":true,"value":`+want[i]+`}]`)
		}
		want = append(want, strconv.Itoa(total+clients+5))
		nodetest.JSONEq(t, cs[1].EmitAck("increment", 5), `[{"ok":true,"value":`+want[clients]+`}]`)
		for _, c := range cs {
			for _, v := range want {
				nodetest.JSONEq(t, c.Event("count").Args, `[{"value":`+v+`}]`)
			}
			exampletest.NoEvents(t, c)
		}
	})
}
