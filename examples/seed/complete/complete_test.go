package complete_test

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
		exampletest.Unit{Name: "joinRoom", Test: testJoinRoom},
		exampletest.Unit{Name: "message", Test: testMessage},
		exampletest.Unit{Name: "typing", Test: testTyping},
		exampletest.Unit{Name: "privateMessage", Test: testPrivateMessage},
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
		{"65 characters", map[string]any{"username": strings.Repeat("a", 65)}, ""},
		{"a number", map[string]any{"username": 42}, ""},
	} {
		s, res := k.Connect(wasmiotest.Handshake{Auth: tc.auth})
		if tc.username == "" {
			if res.Err != nil || res.Rejection == nil || res.Rejection.Message != "auth.username must be a string of at most 64 characters" {
				t.Fatalf("%s: %+v, want a refusal", tc.name, res)
			}
			continue
		}
		res.MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "welcome", "self", nil, nil).Args, `[{"message":"Hello, `+tc.username+`!"}]`)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "userJoined", "broadcast", lobby, nil).Args, `[{"username":"`+tc.username+`"}]`)
		if !slices.Equal(res.Joined, lobby) || len(res.Emits) != 2 {
			t.Fatalf("%s: joined %v, emits %v", tc.name, res.Joined, res.Emits)
		}
		if name, _ := s.Get("username"); name != tc.username {
			t.Fatalf("%s: username %q in the socket scope", tc.name, name)
		}
	}
}

func testJoinRoom(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	// Each joinRoom leaves the lobby (only), as written.
	for _, room := range []string{"dev", "ops"} {
		res := ann.Emit("joinRoom", map[string]any{"room": room}).MustSucceed(t)
		if !slices.Equal(res.Left, lobby) || !slices.Equal(res.Joined, []string{"room:" + room}) {
			t.Fatalf("left %v, joined %v", res.Left, res.Joined)
		}
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "userJoined", "broadcast", []string{"room:" + room}, nil).Args, `[{"username":"ann"}]`)
	}
	if !slices.Equal(ann.Rooms(), []string{ann.ID(), "room:dev", "room:ops"}) {
		t.Fatalf("rooms %v", ann.Rooms())
	}
	// A room named like a socket id is a chat room like any other.
	res := ann.Emit("joinRoom", map[string]any{"room": "socket-1"}).MustSucceed(t)
	if !slices.Equal(res.Joined, []string{"room:socket-1"}) {
		t.Fatalf("joined %v", res.Joined)
	}
	for _, arg := range []any{nil, "dev", map[string]any{}, map[string]any{"room": 5}, map[string]any{"room": ""},
		map[string]any{"room": "a\x00b"}, map[string]any{"room": strings.Repeat("a", 65)}} {
		exampletest.Silent(t, ann.Emit("joinRoom", arg))
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
		{map[string]any{"text": "hi", "room": "dev"}, "room:dev"},
	} {
		res := ann.Emit("message", tc.arg).MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "message", "broadcast", []string{tc.room}, nil).Args,
			`[{"from":"ann","text":"hi","timestamp":`+now+`}]`)
	}
	// 1000 characters as JavaScript counts them: "😀" is two.
	res := ann.Emit("message", map[string]any{"text": strings.Repeat("😀", 500)}).MustSucceed(t)
	if len(res.Emits) != 1 {
		t.Fatalf("emits %v", res.Emits)
	}
	for _, arg := range []any{nil, "hi", []string{"hi"}, map[string]any{}, map[string]any{"text": 5},
		map[string]any{"text": strings.Repeat("😀", 500) + "a"}, map[string]any{"text": "hi", "room": 5},
		map[string]any{"text": "hi", "room": "a\nb"}} {
		exampletest.Silent(t, ann.Emit("message", arg))
	}
}

func testTyping(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	for _, tc := range []struct {
		arg  map[string]any
		room string
	}{{map[string]any{}, "room:lobby"}, {map[string]any{"room": "dev"}, "room:dev"}} {
		res := ann.Emit("typing", tc.arg).MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "typing", "broadcast", []string{tc.room}, nil).Args, `[{"username":"ann"}]`)
	}
	for _, arg := range []any{nil, true, map[string]any{"room": []string{"dev"}}} {
		exampletest.Silent(t, ann.Emit("typing", arg))
	}
}

func testPrivateMessage(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	res := ann.Emit("privateMessage", map[string]any{"targetSocketId": "Xb3_-9", "text": "psst"}).MustSucceed(t)
	want := `[{"from":"ann","text":"psst"}]`
	// A copy to the sender, then ns.to(target): the sender included, were
	// it the target.
	if len(res.Emits) != 2 || res.Emits[0].Mode != "self" || res.Emits[1].Mode != "namespace" ||
		!slices.Equal(res.Emits[1].To, []string{"Xb3_-9"}) || len(res.Emits[1].Except) != 0 {
		t.Fatalf("emits %v", res.Emits)
	}
	for _, e := range res.Emits {
		nodetest.JSONEq(t, e.Args, want)
	}
	for _, arg := range []any{nil, "psst", map[string]any{"text": "psst"}, map[string]any{"targetSocketId": 5, "text": "psst"},
		map[string]any{"targetSocketId": "room:lobby", "text": "psst"}, map[string]any{"targetSocketId": "", "text": "psst"},
		map[string]any{"targetSocketId": "Xb3"}, map[string]any{"targetSocketId": "Xb3", "text": strings.Repeat("a", 1001)}} {
		exampletest.Silent(t, ann.Emit("privateMessage", arg))
	}
}

func testDisconnect(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	res := ann.Disconnect("transport close").MustSucceed(t)
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "userLeft", "namespace", nil, nil).Args, `[{"username":"ann","reason":"transport close"}]`)
	if _, ok := ann.Get("username"); ok {
		t.Fatal("the socket scope survived the disconnect")
	}
}

// TestEndToEnd runs the documented chat with real clients: the lobby, a
// room, typing, private messages, a departure, and who must not receive
// each event.
func TestEndToEnd(t *testing.T) {
	exampletest.Small.EndToEnd(t, "/chat", func(t *testing.T, s *exampletest.Session) {
		user := func(name string) string { return `{"username":"` + name + `"}` }
		msg := func(from, text string) string {
			return `{"from":"` + from + `","text":"` + text + `","timestamp":` + strconv.FormatInt(s.Now(), 10) + `}`
		}
		pm := func(from, text string) string { return `{"from":"` + from + `","text":"` + text + `"}` }

		ann, annID := s.Connect(map[string]any{"username": "ann"})
		exampletest.Received(t, "welcome", `{"message":"Hello, ann!"}`, ann)
		bob, bobID := s.Connect(map[string]any{"username": "bob"})
		exampletest.Received(t, "welcome", `{"message":"Hello, bob!"}`, bob)
		exampletest.Received(t, "userJoined", user("bob"), ann)
		cat, catID := s.Connect(nil)
		exampletest.Received(t, "welcome", `{"message":"Hello, Anonymous!"}`, cat)
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
		ann.Emit("message", map[string]any{"text": "again", "room": ""})
		exampletest.Received(t, "message", msg("ann", "again"), bob, cat)
		// Typing, then a private message to bob: its copy to ann, after
		// everything ann sent, shows that she received none of it.
		ann.Emit("typing", map[string]any{})
		exampletest.Received(t, "typing", user("ann"), bob, cat)
		ann.Emit("privateMessage", map[string]any{"targetSocketId": bobID, "text": "psst"})
		exampletest.Received(t, "privateMessage", pm("ann", "psst"), ann, bob)
		exampletest.NoEvents(t, ann)

		// bob moves to dev, where nobody is yet: his whisper to cat shows
		// the move done. Then cat follows him.
		bob.Emit("joinRoom", map[string]any{"room": "dev"})
		bob.Emit("privateMessage", map[string]any{"targetSocketId": catID, "text": "come to dev"})
		exampletest.Received(t, "privateMessage", pm("bob", "come to dev"), bob, cat)
		cat.Emit("joinRoom", map[string]any{"room": "dev"})
		exampletest.Received(t, "userJoined", user("Anonymous"), bob)

		// In dev: a message and typing reach the other member only; the
		// lobby is empty but for ann, who sends to nobody.
		s.Clock.Advance(time.Minute)
		bob.Emit("message", map[string]any{"text": "in dev", "room": "dev"})
		exampletest.Received(t, "message", msg("bob", "in dev"), cat)
		cat.Emit("typing", map[string]any{"room": "dev"})
		exampletest.Received(t, "typing", user("Anonymous"), bob)
		ann.Emit("message", map[string]any{"text": "anyone?"})
		ann.Emit("typing", map[string]any{})
		// Neither a chat room named like ann's socket id nor a target
		// naming a chat room reaches anyone's private messages.
		cat.Emit("joinRoom", map[string]any{"room": annID})
		ann.Emit("privateMessage", map[string]any{"targetSocketId": "room:dev", "text": "leak"})
		ann.Emit("privateMessage", map[string]any{"targetSocketId": annID, "text": "to myself"})
		// ns.to(own id) includes the sender: two copies.
		exampletest.Received(t, "privateMessage", pm("ann", "to myself"), ann, ann)
		cat.Emit("privateMessage", map[string]any{"targetSocketId": bobID, "text": "done"})
		exampletest.Received(t, "privateMessage", pm("Anonymous", "done"), cat, bob)
		exampletest.NoEvents(t, ann, bob, cat)

		// bob leaves: everyone left in the namespace is told, whatever
		// their room, and that is the last event anyone receives.
		bob.Disconnect()
		exampletest.Received(t, "userLeft", `{"username":"bob","reason":"client namespace disconnect"}`, ann, cat)
		exampletest.NoEvents(t, ann, cat)
	})
}
