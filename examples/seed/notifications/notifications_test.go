package notifications_test

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

// TestHandler runs every event on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.Small.RunUnits(t, &wasmiotest.Options{Namespace: "/notifications"},
		exampletest.Unit{Name: "connect", Test: testConnect},
		exampletest.Unit{Name: "subscribe", Test: testSubscribe},
		exampletest.Unit{Name: "notify", Test: testNotify})
}

// connect connects a socket whose auth.userId is id.
func connect(t *testing.T, k *wasmiotest.Kit, id any) *wasmiotest.Socket {
	t.Helper()
	s, res := k.Connect(wasmiotest.Handshake{Auth: map[string]any{"userId": id}})
	res.MustSucceed(t)
	return s
}

func testConnect(t *testing.T, k *wasmiotest.Kit) {
	for _, tc := range []struct {
		name string
		auth any
		room string // "" means refused
	}{
		{"a string", map[string]any{"userId": "ann"}, "user:ann"},
		{"64 characters", map[string]any{"userId": strings.Repeat("😀", 32)}, "user:" + strings.Repeat("😀", 32)},
		{"an integer", map[string]any{"userId": 42}, "user:42"},
		// `${userId}` writes numbers as JavaScript does.
		{"an integer with a fraction and exponent", json.RawMessage(`{"userId":4.20e1}`), "user:42"},
		{"minus zero", json.RawMessage(`{"userId":-0}`), "user:0"},
		{"the largest safe integer", map[string]any{"userId": 1<<53 - 1}, "user:9007199254740991"},
		{"other fields do not matter", json.RawMessage(`{"userId":"ann","x":1e400}`), "user:ann"},
		{"no auth", nil, ""},
		{"null", map[string]any{"userId": nil}, ""},
		{"empty", map[string]any{"userId": ""}, ""},
		{"65 characters", map[string]any{"userId": strings.Repeat("😀", 32) + "a"}, ""},
		{"a control character", map[string]any{"userId": "a\x00b"}, ""},
		{"a fraction", map[string]any{"userId": 1.5}, ""},
		{"beyond the safe integers", map[string]any{"userId": 1 << 53}, ""},
		{"beyond float64", json.RawMessage(`{"userId":1e400}`), ""},
		{"a boolean", map[string]any{"userId": true}, ""},
		{"an object", map[string]any{"userId": map[string]any{"id": 1}}, ""},
	} {
		_, res := k.Connect(wasmiotest.Handshake{Auth: tc.auth})
		if tc.room == "" {
			if res.Err != nil || res.Rejection == nil || res.Rejection.Message != refusal {
				t.Fatalf("%s: %+v, want a refusal", tc.name, res)
			}
			continue
		}
		res.MustSucceed(t)
		if !slices.Equal(res.Joined, []string{tc.room}) || len(res.Emits) != 0 {
			t.Fatalf("%s: joined %v, emits %v", tc.name, res.Joined, res.Emits)
		}
	}
}

func testSubscribe(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	for _, tc := range []struct {
		arg  any
		room string
	}{
		{map[string]any{"topic": "news"}, "topic:news"},
		{map[string]any{"topic": 7}, "topic:7"},
		// Not a user's room: the prefixes keep them apart.
		{map[string]any{"topic": "user:bob"}, "topic:user:bob"},
	} {
		res := ann.Emit("subscribe", tc.arg).MustSucceed(t)
		if !slices.Equal(res.Joined, []string{tc.room}) || len(res.Emits) != 0 {
			t.Fatalf("%v: joined %v, emits %v", tc.arg, res.Joined, res.Emits)
		}
	}
	for _, arg := range []any{nil, "news", []string{"news"}, map[string]any{}, map[string]any{"topic": nil},
		map[string]any{"topic": ""}, map[string]any{"topic": 1.5}, map[string]any{"topic": "a\nb"},
		map[string]any{"topic": strings.Repeat("a", 65)}, map[string]any{"topic": []string{"news"}}} {
		exampletest.Silent(t, ann.Emit("subscribe", arg))
	}
}

func testNotify(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	for _, tc := range []struct {
		arg  string // JSON
		room string
		args string // the notification's arguments, byte for byte
	}{
		{`{"userId":"bob","payload":{"text":"hi"}}`, "user:bob", `[{"text":"hi"}]`},
		{`{"userId":42,"payload":"x"}`, "user:42", `["x"]`},
		{`{"userId":"42","payload":"x"}`, "user:42", `["x"]`},
		{`{"topic":"news","payload":[1,2]}`, "topic:news", `[[1,2]]`},
		{`{"topic":7,"payload":true}`, "topic:7", `[true]`},
		// userId first, as written; the sender is no exception.
		{`{"userId":"ann","topic":"news","payload":1}`, "user:ann", `[1]`},
		// A falsy userId falls through to the topic.
		{`{"userId":"","topic":"news","payload":1}`, "topic:news", `[1]`},
		{`{"userId":0,"topic":"news","payload":1}`, "topic:news", `[1]`},
		{`{"userId":false,"topic":"news","payload":1}`, "topic:news", `[1]`},
		{`{"userId":null,"topic":"news","payload":1}`, "topic:news", `[1]`},
		// An absent payload is undefined, which goes out as null.
		{`{"userId":"bob"}`, "user:bob", `[null]`},
		{`{"userId":"bob","payload":null}`, "user:bob", `[null]`},
		// The payload as a JavaScript client sends it, byte for byte: key
		// order, numbers, strings.
		{`{"payload":{"z":1,"a":[12345678901234567890,1.50e3],"s":"\"é😀\n"},"userId":"bob"}`, "user:bob",
			`[{"z":1,"a":[12345678901234567890,1.50e3],"s":"\"é😀\n"}]`},
	} {
		res := ann.Emit("notify", json.RawMessage(tc.arg)).MustSucceed(t)
		e := exampletest.Emitted(t, res, "notification", "namespace", []string{tc.room}, nil)
		if string(e.Args) != tc.args || len(res.Emits) != 1 || len(e.Attachments) != 0 {
			t.Fatalf("%s: args %s, want %s; emits %v", tc.arg, e.Args, tc.args, res.Emits)
		}
	}
	// A Buffer in the payload stays a Buffer.
	res := ann.Emit("notify", wasmiotest.Payload{
		Args:        json.RawMessage(`[{"userId":"bob","payload":{"file":{"_placeholder":true,"num":0},"name":"a.bin"}}]`),
		Attachments: [][]byte{{1, 2, 3}},
	}).MustSucceed(t)
	e := exampletest.Emitted(t, res, "notification", "namespace", []string{"user:bob"}, nil)
	nodetest.JSONEq(t, e.Args, `[{"file":{"_placeholder":true,"num":0},"name":"a.bin"}]`)
	if len(e.Attachments) != 1 || string(e.Attachments[0]) != "\x01\x02\x03" {
		t.Fatalf("attachments %v", e.Attachments)
	}
	for _, arg := range []string{`null`, `"bob"`, `["bob"]`, `{}`, `{"payload":1}`,
		// Neither is truthy.
		`{"userId":0,"payload":1}`, `{"userId":"","topic":"","payload":1}`,
		// A truthy userId that is no valid id: ignored, not sent to the topic.
		`{"userId":"a\nb","topic":"news","payload":1}`, `{"userId":1.5,"topic":"news"}`,
		`{"userId":{},"topic":"news"}`, `{"userId":[],"topic":"news"}`, `{"userId":true,"topic":"news"}`,
		`{"userId":1e400,"topic":"news"}`, `{"userId":"` + strings.Repeat("a", 65) + `"}`,
		`{"topic":"a\u0000b"}`, `{"topic":9007199254740992}`} {
		exampletest.Silent(t, ann.Emit("notify", json.RawMessage(arg)))
	}
}

// TestEndToEnd runs the documented notifications with real clients: a
// user with two sockets, a user with a numeric id, a topic, a Buffer, and
// who must not receive each notification.
func TestEndToEnd(t *testing.T) {
	exampletest.Small.EndToEnd(t, "/notifications", func(t *testing.T, s *exampletest.Session) {
		ann, _ := s.Connect(map[string]any{"userId": "ann"})
		ann2, _ := s.Connect(map[string]any{"userId": "ann"}) // another tab
		bob, _ := s.Connect(map[string]any{"userId": 7})
		for _, auth := range []map[string]any{nil, {"userId": ""}, {"userId": 1.5}, {"userId": map[string]any{}}} {
			if m := s.Refused(auth); m != refusal {
				t.Fatalf("auth %v: refusal %q", auth, m)
			}
		}

		// bob subscribes to news; a notification to himself, after it,
		// shows it done. To user 7 or "7": the same room, as in
		// JavaScript's `user:${userId}`.
		bob.Emit("subscribe", map[string]any{"topic": "news"})
		bob.Emit("notify", map[string]any{"userId": 7, "payload": map[string]any{"text": "subscribed"}})
		exampletest.Received(t, "notification", `{"text":"subscribed"}`, bob)
		bob.Emit("notify", map[string]any{"userId": "7"})
		exampletest.Received(t, "notification", `null`, bob)
		ann2.Emit("subscribe", map[string]any{"topic": "news"})
		ann2.Emit("subscribe", map[string]any{"topic": ""})
		ann2.Emit("subscribe", map[string]any{"topic": map[string]any{}})

		// To a user: all of their sockets, the sender's included.
		ann2.Emit("notify", map[string]any{"userId": "ann", "payload": map[string]any{"text": "hi"}})
		exampletest.Received(t, "notification", `{"text":"hi"}`, ann, ann2)
		// To a topic: its subscribers, not ann's first tab.
		ann.Emit("notify", map[string]any{"topic": "news", "payload": map[string]any{"headline": "wasmio 1.0"}})
		exampletest.Received(t, "notification", `{"headline":"wasmio 1.0"}`, ann2, bob)
		ann.Emit("notify", map[string]any{"topic": "news", "payload": map[string]any{"file": nodetest.Bin{1, 2, 3}}})
		exampletest.Received(t, "notification", `{"file":{"$bin":"AQID"}}`, ann2, bob)

		// Invalid notifications reach nobody; ann's last two, to herself
		// and to bob, show that nothing else arrived.
		ann.Emit("notify", map[string]any{"userId": "a\nb", "topic": "news", "payload": "leak"})
		ann.Emit("notify", map[string]any{"userId": 0, "payload": "zero"})
		ann.Emit("notify", map[string]any{"topic": "sports", "payload": "nobody"})
		ann.Emit("notify", map[string]any{"payload": "nobody"})
		ann.Emit("notify", "ann")
		ann.Emit("notify", map[string]any{"userId": "ann", "payload": "last"})
		exampletest.Received(t, "notification", `"last"`, ann, ann2)
		ann.Emit("notify", map[string]any{"userId": 7, "payload": "bye"})
		exampletest.Received(t, "notification", `"bye"`, bob)
		exampletest.NoEvents(t, ann, ann2, bob)
	})
}
