package basic_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

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
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "welcome", "self", nil, nil).Args, `[{"message":"Hello!"}]`)
	if len(res.Emits) != 1 || len(res.Joined) != 0 {
		t.Fatalf("emits %v, joined %v", res.Emits, res.Joined)
	}
	if got, want := logs.Take(), `level=INFO msg="Connected: `+s.ID()+`"`+"\n"; got != want {
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
		// from is the sender's id, whatever the client sends.
		{"other fields", map[string]any{"text": "hi", "from": "mallory", "room": "x"}, "hi"},
	} {
		res := ann.Emit("message", tc.arg).MustSucceed(t)
		want, _ := json.Marshal([]map[string]string{{"from": ann.ID(), "text": tc.text}})
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "message", "broadcast", nil, nil).Args, string(want))
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
	if got, want := logs.Take(), `level=INFO msg="Disconnected: `+ann.ID()+` transport close"`+"\n"; got != want {
		t.Fatalf("logged %q, want %q", got, want)
	}
}

// TestEndToEnd runs the documented handler with real clients: welcomes,
// messages to every other socket, and who must not receive each event.
func TestEndToEnd(t *testing.T) {
	exampletest.Small.EndToEnd(t, "/chat", func(t *testing.T, s *exampletest.Session) {
		const welcome = `{"message":"Hello!"}`
		msg := func(from, text string) string { return `{"from":"` + from + `","text":"` + text + `"}` }

		ann, annID := s.Connect(nil)
		exampletest.Received(t, "welcome", welcome, ann)
		bob, bobID := s.Connect(nil)
		exampletest.Received(t, "welcome", welcome, bob)
		cat, catID := s.Connect(nil)
		exampletest.Received(t, "welcome", welcome, cat)

		// ann's message reaches every other socket; invalid ones reach
		// nobody: ann's next message is the next one bob and cat receive.
		ann.Emit("message", map[string]any{"text": "hello"})
		exampletest.Received(t, "message", msg(annID, "hello"), bob, cat)
		ann.Emit("message", map[string]any{"text": strings.Repeat("x", 1001)})
		ann.Emit("message", map[string]any{"text": 5})
		ann.Emit("message", "hello")
		ann.Emit("message", map[string]any{"text": "again", "from": "mallory"})
		exampletest.Received(t, "message", msg(annID, "again"), bob, cat)

		// Each reply, sent after its sender received everything above,
		// shows that its receivers got nothing else: no copy of their own
		// messages, no one else's welcome.
		bob.Emit("message", map[string]any{"text": "hi ann"})
		exampletest.Received(t, "message", msg(bobID, "hi ann"), ann, cat)
		exampletest.NoEvents(t, ann)
		cat.Emit("message", map[string]any{"text": "hi all"})
		exampletest.Received(t, "message", msg(catID, "hi all"), ann, bob)
		exampletest.NoEvents(t, ann, bob)

		// A late arrival is welcomed alone, then receives the others'
		// messages like everyone.
		dan, danID := s.Connect(nil)
		exampletest.Received(t, "welcome", welcome, dan)
		dan.Emit("message", map[string]any{"text": "hi, I'm new"})
		exampletest.Received(t, "message", msg(danID, "hi, I'm new"), ann, bob, cat)
		ann.Emit("message", map[string]any{"text": "welcome, dan"})
		exampletest.Received(t, "message", msg(annID, "welcome, dan"), bob, cat, dan)
		exampletest.NoEvents(t, ann, bob, cat, dan)

		// bob leaves (the handler only logs it): the next message reaches
		// those still connected, and nothing else does.
		bob.Disconnect()
		cat.Emit("message", map[string]any{"text": "bye bob"})
		exampletest.Received(t, "message", msg(catID, "bye bob"), ann, dan)
		ann.Emit("message", map[string]any{"text": "last"})
		exampletest.Received(t, "message", msg(annID, "last"), cat, dan)
		exampletest.NoEvents(t, ann, cat, dan)
	})
}
