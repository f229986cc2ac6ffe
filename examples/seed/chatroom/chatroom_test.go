package chatroom_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

var lobby = []string{"room:lobby"}

// TestHandler runs every event on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.Small.RunUnits(t, &wasmiotest.Options{Namespace: "/chat"},
		exampletest.Unit{Name: "connect", Test: testConnect},
		exampletest.Unit{Name: "message", Test: testMessage},
		exampletest.Unit{Name: "disconnect", Test: testDisconnect})
}

// connect connects a socket whose auth.username is name.
func connect(t *testing.T, k *wasmiotest.Kit, name string) *wasmiotest.Socket {
	t.Helper()
	s, res := k.Connect(wasmiotest.Handshake{Auth: map[string]any{"username": name}})
	res.MustSucceed(t)
	return s
}

func testConnect(t *testing.T, k *wasmiotest.Kit) {
	for _, tc := range []struct {
		name     string
		auth     map[string]any
		username string // "" means refused
	}{
		{"a username", map[string]any{"username": "ann"}, "ann"},
		{"no auth", nil, "Anonymous"},
		{"null", map[string]any{"username": nil}, "Anonymous"},
		{"empty", map[string]any{"username": ""}, "Anonymous"},
		{"64 characters", map[string]any{"username": strings.Repeat("é", 64)}, strings.Repeat("é", 64)},
		{"65 characters", map[string]any{"username": strings.Repeat("😀", 32) + "a"}, ""},
		{"a number", map[string]any{"username": 42}, ""},
		{"an object", map[string]any{"username": map[string]any{}}, ""},
	} {
		s, res := k.Connect(wasmiotest.Handshake{Auth: tc.auth})
		if tc.username == "" {
			if res.Err != nil || res.Rejection == nil || res.Rejection.Message != "auth.username must be a string of at most 64 characters" {
				t.Fatalf("%s: %+v, want a refusal", tc.name, res)
			}
			continue
		}
		res.MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "userJoined", "broadcast", lobby, nil).Args, `[{"username":"`+tc.username+`"}]`)
		if !slices.Equal(res.Joined, lobby) || len(res.Emits) != 1 {
			t.Fatalf("%s: joined %v, emits %v", tc.name, res.Joined, res.Emits)
		}
		if name, _ := s.Get("username"); name != tc.username {
			t.Fatalf("%s: username %q in the socket scope", tc.name, name)
		}
	}
}

func testMessage(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	now := strconv.FormatInt(k.Now().UnixMilli(), 10)
	for _, tc := range []struct {
		arg  map[string]any
		room string
	}{
		{map[string]any{"text": "hi"}, "room:lobby"},
		{map[string]any{"text": "hi", "room": nil}, "room:lobby"},
		{map[string]any{"text": "hi", "room": ""}, "room:lobby"},
		// As written, to any room: here nobody but the lobby's members
		// is in one, and a socket's id is no chat room.
		{map[string]any{"text": "hi", "room": "dev"}, "room:dev"},
		{map[string]any{"text": "hi", "room": ann.ID()}, "room:" + ann.ID()},
	} {
		res := ann.Emit("message", tc.arg).MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "message", "broadcast", []string{tc.room}, nil).Args,
			`[{"from":"ann","text":"hi","timestamp":`+now+`}]`)
	}
	// Date.now() is the host's clock.
	k.Advance(time.Second)
	res := ann.Emit("message", map[string]any{"text": ""}).MustSucceed(t)
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "message", "broadcast", lobby, nil).Args,
		`[{"from":"ann","text":"","timestamp":`+strconv.FormatInt(k.Now().UnixMilli(), 10)+`}]`)
	// 1000 characters as JavaScript counts them: "😀" is two.
	res = ann.Emit("message", map[string]any{"text": strings.Repeat("😀", 500)}).MustSucceed(t)
	if len(res.Emits) != 1 {
		t.Fatalf("emits %v", res.Emits)
	}
	for _, arg := range []any{nil, "hi", []string{"hi"}, map[string]any{}, map[string]any{"text": 5},
		map[string]any{"text": strings.Repeat("😀", 500) + "a"}, map[string]any{"text": "hi", "room": 5},
		map[string]any{"text": "hi", "room": "a\nb"}, map[string]any{"text": "hi", "room": strings.Repeat("a", 65)}} {
		exampletest.Silent(t, ann.Emit("message", arg))
	}
	// No handler, no effect.
	exampletest.Silent(t, ann.Emit("joinRoom", map[string]any{"room": "dev"}))
}

func testDisconnect(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	res := ann.Disconnect("transport close").MustSucceed(t)
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "userLeft", "namespace", nil, nil).Args, `[{"username":"ann"}]`)
	if len(res.Emits) != 1 {
		t.Fatalf("emits %v", res.Emits)
	}
	if _, ok := ann.Get("username"); ok {
		t.Fatal("the socket scope survived the disconnect")
	}
}

// TestEndToEnd runs the documented chat room with real clients: arrivals
// in the lobby, messages, a departure, and who must not receive each event.
func TestEndToEnd(t *testing.T) {
	exampletest.Small.EndToEnd(t, "/chat", func(t *testing.T, s *exampletest.Session) {
		user := func(name string) string { return `{"username":"` + name + `"}` }
		msg := func(from, text string) string {
			return `{"from":"` + from + `","text":"` + text + `","timestamp":` + strconv.FormatInt(s.Now(), 10) + `}`
		}

		// Each arrival reaches the lobby's earlier members, not itself.
		ann, _ := s.Connect(map[string]any{"username": "ann"})
		bob, bobID := s.Connect(map[string]any{"username": "bob"})
		exampletest.Received(t, "userJoined", user("bob"), ann)
		cat, _ := s.Connect(nil)
		exampletest.Received(t, "userJoined", user("Anonymous"), ann, bob)
		if m := s.Refused(map[string]any{"username": 42}); m != "auth.username must be a string of at most 64 characters" {
			t.Fatalf("refusal %q", m)
		}

		// A lobby message reaches the others; invalid ones reach nobody:
		// ann's next message is the first one bob and cat receive next.
		ann.Emit("message", map[string]any{"text": "hello"})
		exampletest.Received(t, "message", msg("ann", "hello"), bob, cat)
		ann.Emit("message", map[string]any{"text": strings.Repeat("x", 1001)})
		ann.Emit("message", map[string]any{"text": 5})
		ann.Emit("message", "hello")
		ann.Emit("message", map[string]any{"text": "hi", "room": 5})
		// Rooms nobody is in: dev, and bob's socket id, which is no chat
		// room (a direct message in the JavaScript, nothing here).
		ann.Emit("message", map[string]any{"text": "in dev", "room": "dev"})
		ann.Emit("message", map[string]any{"text": "psst", "room": bobID})
		s.Clock.Advance(time.Minute)
		ann.Emit("message", map[string]any{"text": "again", "room": ""})
		exampletest.Received(t, "message", msg("ann", "again"), bob, cat)
		// bob's message, after all of ann's, shows that she received none
		// of her own.
		bob.Emit("message", map[string]any{"text": "hi ann", "room": "lobby"})
		exampletest.Received(t, "message", msg("bob", "hi ann"), ann, cat)
		exampletest.NoEvents(t, ann, bob, cat)

		// bob leaves: everyone left is told, and that is the last event
		// anyone receives.
		bob.Disconnect()
		exampletest.Received(t, "userLeft", user("bob"), ann, cat)
		exampletest.NoEvents(t, ann, cat)
	})
}
