package presence_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

const refusal = "auth.userId must be a string of 1 to 64 characters or an integer"

var online = []string{"online"}

// TestHandler runs every event on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.Small.RunUnits(t, &wasmiotest.Options{Namespace: "/presence"},
		exampletest.Unit{Name: "connect", Test: testConnect},
		exampletest.Unit{Name: "disconnect", Test: testDisconnect},
		exampletest.Unit{Name: "other events", Test: testOtherEvents})
}

func testConnect(t *testing.T, k *wasmiotest.Kit) {
	for _, tc := range []struct {
		name   string
		auth   any
		userID string // JSON, as the statuses carry it; "" means refused
	}{
		{"a string", map[string]any{"userId": "ann"}, `"ann"`},
		{"64 characters", map[string]any{"userId": strings.Repeat("😀", 32)}, `"` + strings.Repeat("😀", 32) + `"`},
		{"an integer", map[string]any{"userId": 42}, `42`},
		// Numbers as JavaScript sends them back.
		{"an integer with a fraction and exponent", json.RawMessage(`{"userId":4.20e1}`), `42`},
		{"minus zero", json.RawMessage(`{"userId":-0}`), `0`},
		{"a negative integer", map[string]any{"userId": -7}, `-7`},
		{"the largest safe integer", map[string]any{"userId": 1<<53 - 1}, `9007199254740991`},
		{"other fields do not matter", json.RawMessage(`{"userId":"ann","x":1e400}`), `"ann"`},
		{"no auth", nil, ""},
		{"null", map[string]any{"userId": nil}, ""},
		{"empty", map[string]any{"userId": ""}, ""},
		{"65 characters", map[string]any{"userId": strings.Repeat("😀", 32) + "a"}, ""},
		{"a control character", map[string]any{"userId": "a\nb"}, ""},
		{"a fraction", map[string]any{"userId": 1.5}, ""},
		{"beyond the safe integers", map[string]any{"userId": 1 << 53}, ""},
		{"beyond float64", json.RawMessage(`{"userId":1e400}`), ""},
		{"a boolean", map[string]any{"userId": true}, ""},
		{"an array", map[string]any{"userId": []string{"ann"}}, ""},
	} {
		s, res := k.Connect(wasmiotest.Handshake{Auth: tc.auth})
		if tc.userID == "" {
			if res.Err != nil || res.Rejection == nil || res.Rejection.Message != refusal {
				t.Fatalf("%s: %+v, want a refusal", tc.name, res)
			}
			continue
		}
		res.MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "status", "broadcast", online, nil).Args,
			`[{"userId":`+tc.userID+`,"status":"online"}]`)
		if !slices.Equal(res.Joined, online) || len(res.Emits) != 1 {
			t.Fatalf("%s: joined %v, emits %v", tc.name, res.Joined, res.Emits)
		}
		if id, _ := s.Get("userId"); id != tc.userID {
			t.Fatalf("%s: userId %s in the socket scope, want %s", tc.name, id, tc.userID)
		}
	}
}

func testDisconnect(t *testing.T, k *wasmiotest.Kit) {
	for _, tc := range []struct {
		id     any
		userID string
	}{{"ann", `"ann"`}, {42, `42`}} {
		s, res := k.Connect(wasmiotest.Handshake{Auth: map[string]any{"userId": tc.id}})
		res.MustSucceed(t)
		res = s.Disconnect("transport close").MustSucceed(t)
		// To the room: the socket that left is no longer in it.
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "status", "namespace", online, nil).Args,
			`[{"userId":`+tc.userID+`,"status":"offline"}]`)
		if len(res.Emits) != 1 {
			t.Fatalf("emits %v", res.Emits)
		}
		if _, ok := s.Get("userId"); ok {
			t.Fatal("the socket scope survived the disconnect")
		}
	}
}

// testOtherEvents checks that the pattern has no client events: any event
// a client sends does nothing.
func testOtherEvents(t *testing.T, k *wasmiotest.Kit) {
	s, res := k.Connect(wasmiotest.Handshake{Auth: map[string]any{"userId": "ann"}})
	res.MustSucceed(t)
	for _, ev := range []string{"status", "message"} {
		exampletest.Silent(t, s.Emit(ev, map[string]any{"userId": "bob", "status": "offline"}))
	}
}

// TestEndToEnd runs the documented presence with real clients: arrivals,
// a user with two tabs, departures, and who must not receive each status.
func TestEndToEnd(t *testing.T) {
	exampletest.Small.EndToEnd(t, "/presence", func(t *testing.T, s *exampletest.Session) {
		status := func(userID, st string) string { return `{"userId":` + userID + `,"status":"` + st + `"}` }

		// Each arrival reaches those already online, not itself; refused
		// connections reach nobody: cat's arrival, after them, is the
		// first status ann and bob receive next.
		ann, _ := s.Connect(map[string]any{"userId": "ann"})
		bob, _ := s.Connect(map[string]any{"userId": 7})
		exampletest.Received(t, "status", status(`7`, "online"), ann)
		for _, auth := range []map[string]any{nil, {"userId": ""}, {"userId": true}, {"userId": 1.5}} {
			if m := s.Refused(auth); m != refusal {
				t.Fatalf("auth %v: refusal %q", auth, m)
			}
		}
		cat, _ := s.Connect(map[string]any{"userId": "cat"})
		exampletest.Received(t, "status", status(`"cat"`, "online"), ann, bob)
		exampletest.NoEvents(t, ann, bob)

		// ann opens a second tab: announced again, as written (the
		// pattern counts sockets, not users).
		ann2, _ := s.Connect(map[string]any{"userId": "ann"})
		exampletest.Received(t, "status", status(`"ann"`, "online"), ann, bob, cat)
		// Clients have no events to send here.
		bob.Emit("status", map[string]any{"userId": "ann", "status": "offline"})

		// Departures reach those still online; the departing socket is
		// gone. ann's first tab closing says she is offline, though her
		// second tab is still open.
		bob.Disconnect()
		exampletest.Received(t, "status", status(`7`, "offline"), ann, cat, ann2)
		ann.Disconnect()
		exampletest.Received(t, "status", status(`"ann"`, "offline"), cat, ann2)
		exampletest.NoEvents(t, cat, ann2)
	})
}
