package general_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

var general = []string{"room:general"}

// logs holds the handler's log lines.
var logs exampletest.Log

// TestHandler runs every event on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.Small.RunUnits(t, &wasmiotest.Options{Namespace: "/chat", Logger: logs.Logger()},
		exampletest.Unit{Name: "connect", Test: testConnect},
		exampletest.Unit{Name: "message", Test: testMessage},
		exampletest.Unit{Name: "disconnect", Test: testDisconnect})
}

// connect connects a socket.
func connect(t *testing.T, k *wasmiotest.Kit) *wasmiotest.Socket {
	t.Helper()
	s, res := k.Connect(wasmiotest.Handshake{})
	res.MustSucceed(t)
	logs.Take()
	return s
}

func testConnect(t *testing.T, k *wasmiotest.Kit) {
	logs.Take()
	s, res := k.Connect(wasmiotest.Handshake{})
	res.MustSucceed(t)
	if !slices.Equal(res.Joined, general) || len(res.Emits) != 0 {
		t.Fatalf("joined %v, emits %v", res.Joined, res.Emits)
	}
	if got, want := logs.Take(), `level=INFO msg="Client connected: `+s.ID()+`"`+"\n"; got != want {
		t.Fatalf("logged %q, want %q", got, want)
	}
}

func testMessage(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k)
	for _, tc := range []struct {
		name string
		arg  map[string]any
		text string
	}{
		{"a text", map[string]any{"text": "hi"}, "hi"},
		{"empty", map[string]any{"text": ""}, ""},
		// 1000 characters as JavaScript counts them: "😀" is two.
		{"1000 characters", map[string]any{"text": strings.Repeat("😀", 500)}, strings.Repeat("😀", 500)},
		// The room is always general, and from the sender's id, whatever
		// the client sends.
		{"other fields", map[string]any{"text": "hi", "from": "mallory", "room": "dev"}, "hi"},
	} {
		res := ann.Emit("message", tc.arg).MustSucceed(t)
		want, _ := json.Marshal([]map[string]string{{"from": ann.ID(), "text": tc.text}})
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "message", "broadcast", general, nil).Args, string(want))
		if len(res.Emits) != 1 {
			t.Fatalf("%s: emits %v", tc.name, res.Emits)
		}
	}
	for _, arg := range []any{nil, "hi", []string{"hi"}, map[string]any{}, map[string]any{"text": nil},
		map[string]any{"text": 5}, map[string]any{"text": strings.Repeat("😀", 500) + "a"}} {
		exampletest.Silent(t, ann.Emit("message", arg))
	}
}

func testDisconnect(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k)
	exampletest.Silent(t, ann.Disconnect("transport close"))
	if got, want := logs.Take(), `level=INFO msg="Client disconnected: `+ann.ID()+` transport close"`+"\n"; got != want {
		t.Fatalf("logged %q, want %q", got, want)
	}
}

// TestEndToEnd runs the documented handler with real clients: everyone in
// general, messages to the others there, and who must not receive each
// event.
func TestEndToEnd(t *testing.T) {
	exampletest.Small.EndToEnd(t, "/chat", func(t *testing.T, s *exampletest.Session) {
		msg := func(from, text string) string { return `{"from":"` + from + `","text":"` + text + `"}` }

		// Connecting sends nothing; a socket is in general once its
		// client is connected.
		ann, annID := s.Connect(nil)
		bob, bobID := s.Connect(nil)
		cat, catID := s.Connect(nil)

		// ann's message reaches the others in general; invalid ones reach
		// nobody: ann's next message is the next one bob and cat receive.
		ann.Emit("message", map[string]any{"text": "hello"})
		exampletest.Received(t, "message", msg(annID, "hello"), bob, cat)
		ann.Emit("message", map[string]any{"text": strings.Repeat("x", 1001)})
		ann.Emit("message", map[string]any{"text": 5})
		ann.Emit("message", "hello")
		ann.Emit("message", map[string]any{"text": "again", "room": "elsewhere"})
		exampletest.Received(t, "message", msg(annID, "again"), bob, cat)

		// Each reply, sent after its sender received everything above,
		// shows that its receivers got nothing else: no copy of their own
		// messages.
		bob.Emit("message", map[string]any{"text": "hi ann"})
		exampletest.Received(t, "message", msg(bobID, "hi ann"), ann, cat)
		exampletest.NoEvents(t, ann)
		cat.Emit("message", map[string]any{"text": "hi all"})
		exampletest.Received(t, "message", msg(catID, "hi all"), ann, bob)
		exampletest.NoEvents(t, ann, bob)
		ann.Emit("message", map[string]any{"text": "all here"})
		exampletest.Received(t, "message", msg(annID, "all here"), bob, cat)
		exampletest.NoEvents(t, ann, bob, cat)

		// bob leaves (the handler only logs it): the next messages reach
		// those still in general, and nothing else does.
		bob.Disconnect()
		cat.Emit("message", map[string]any{"text": "bye bob"})
		exampletest.Received(t, "message", msg(catID, "bye bob"), ann)
		ann.Emit("message", map[string]any{"text": "last"})
		exampletest.Received(t, "message", msg(annID, "last"), cat)
		exampletest.NoEvents(t, ann, cat)
	})
}
