package rooms_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

// TestHandler runs every event on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.Small.RunUnits(t, &wasmiotest.Options{Namespace: "/chat"},
		exampletest.Unit{Name: "joinRoom", Test: testJoinRoom},
		exampletest.Unit{Name: "leaveRoom", Test: testLeaveRoom},
		exampletest.Unit{Name: "message", Test: testMessage},
		exampletest.Unit{Name: "announcement", Test: testAnnouncement},
		exampletest.Unit{Name: "exclusive", Test: testExclusive})
}

// connect connects a socket, which the handler lets in silently.
func connect(t *testing.T, k *wasmiotest.Kit) *wasmiotest.Socket {
	t.Helper()
	s, res := k.Connect(wasmiotest.Handshake{})
	exampletest.Silent(t, res)
	return s
}

// jsonOf returns v as JSON.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// invalidRooms are payloads of joinRoom and leaveRoom that name no valid
// room.
var invalidRooms = []any{nil, "dev", []string{"dev"}, map[string]any{}, map[string]any{"room": 5},
	map[string]any{"room": ""}, map[string]any{"room": "a\x00b"}, map[string]any{"room": strings.Repeat("a", 65)}}

func testJoinRoom(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k)
	// 64 characters as JavaScript counts them; a room named like a socket
	// id is a room like any other.
	for _, room := range []string{"dev", strings.Repeat("é", 64), "socket-1"} {
		res := ann.Emit("joinRoom", map[string]any{"room": room}).MustSucceed(t)
		if !slices.Equal(res.Joined, []string{"room:" + room}) || len(res.Left) != 0 {
			t.Fatalf("joined %v, left %v", res.Joined, res.Left)
		}
		// The confirmation first, then the others in the room.
		if len(res.Emits) != 2 || res.Emits[0].Event != "joined" {
			t.Fatalf("emits %v", res.Emits)
		}
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "joined", "self", nil, nil).Args, "["+jsonOf(t, map[string]string{"room": room})+"]")
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "userJoined", "broadcast", []string{"room:" + room}, nil).Args, `[{"socketId":"`+ann.ID()+`"}]`)
	}
	if !slices.Equal(ann.Rooms(), []string{ann.ID(), "room:dev", "room:socket-1", "room:" + strings.Repeat("é", 64)}) {
		t.Fatalf("rooms %v", ann.Rooms())
	}
	for _, arg := range invalidRooms {
		exampletest.Silent(t, ann.Emit("joinRoom", arg))
	}
}

func testLeaveRoom(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k)
	ann.Emit("joinRoom", map[string]any{"room": "dev"}).MustSucceed(t)
	// Leaving a room one is not in tells its members too, as written.
	for _, room := range []string{"dev", "ops"} {
		res := ann.Emit("leaveRoom", map[string]any{"room": room}).MustSucceed(t)
		if !slices.Equal(res.Left, []string{"room:" + room}) || len(res.Joined) != 0 || len(res.Emits) != 1 {
			t.Fatalf("left %v, joined %v, emits %v", res.Left, res.Joined, res.Emits)
		}
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "userLeft", "broadcast", []string{"room:" + room}, nil).Args, `[{"socketId":"`+ann.ID()+`"}]`)
	}
	if !slices.Equal(ann.Rooms(), []string{ann.ID()}) {
		t.Fatalf("rooms %v", ann.Rooms())
	}
	for _, arg := range invalidRooms {
		exampletest.Silent(t, ann.Emit("leaveRoom", arg))
	}
}

func testMessage(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k)
	for _, tc := range []struct {
		name       string
		arg        map[string]any
		room, text string
	}{
		{"a message", map[string]any{"room": "dev", "text": "hi"}, "dev", "hi"},
		{"empty", map[string]any{"room": "dev", "text": ""}, "dev", ""},
		// 1000 characters as JavaScript counts them: "😀" is two.
		{"1000 characters", map[string]any{"room": "dev", "text": strings.Repeat("😀", 500)}, "dev", strings.Repeat("😀", 500)},
		// A room one is not in, as written; from is the sender's id,
		// whatever the client sends.
		{"other fields", map[string]any{"room": "ops", "text": "hi", "from": "mallory"}, "ops", "hi"},
	} {
		res := ann.Emit("message", tc.arg).MustSucceed(t)
		want := jsonOf(t, map[string]string{"from": ann.ID(), "text": tc.text})
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "message", "broadcast", []string{"room:" + tc.room}, nil).Args, "["+want+"]")
		if len(res.Emits) != 1 {
			t.Fatalf("%s: emits %v", tc.name, res.Emits)
		}
	}
	for _, arg := range []any{nil, "hi", map[string]any{}, map[string]any{"text": "hi"}, map[string]any{"room": "dev"},
		map[string]any{"room": "", "text": "hi"}, map[string]any{"room": 5, "text": "hi"}, map[string]any{"room": "a\nb", "text": "hi"},
		map[string]any{"room": "dev", "text": 5}, map[string]any{"room": "dev", "text": strings.Repeat("😀", 500) + "a"}} {
		exampletest.Silent(t, ann.Emit("message", arg))
	}
}

// testTargeting checks that event, with any arguments, sends its fixed
// payload to the sockets in the rooms to, minus those in except and the
// sender.
func testTargeting(t *testing.T, k *wasmiotest.Kit, event, payload string, to, except []string) {
	ann := connect(t, k)
	for _, args := range [][]any{nil, {map[string]any{"text": "mine"}}, {"x", 1}} {
		res := ann.Emit(event, args...).MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, event, "broadcast", to, except).Args, "["+payload+"]")
		if len(res.Emits) != 1 || len(res.Joined)+len(res.Left) != 0 {
			t.Fatalf("emits %v, joined %v, left %v", res.Emits, res.Joined, res.Left)
		}
	}
}

func testAnnouncement(t *testing.T, k *wasmiotest.Kit) {
	testTargeting(t, k, "announcement", `{"text":"Hello both rooms!"}`, []string{"room:room1", "room:room2"}, nil)
}

func testExclusive(t *testing.T, k *wasmiotest.Kit) {
	testTargeting(t, k, "exclusive", `{"text":"Only room1"}`, []string{"room:room1"}, []string{"room:room2"})
}

// TestEndToEnd runs the documented snippets with real clients: joining,
// sending to and leaving a room, the two multi-room targets, and who must
// not receive each event.
func TestEndToEnd(t *testing.T) {
	exampletest.Small.EndToEnd(t, "/chat", func(t *testing.T, s *exampletest.Session) {
		joined := func(room string) string { return `{"room":"` + room + `"}` }
		user := func(id string) string { return `{"socketId":"` + id + `"}` }
		msg := func(from, text string) string { return `{"from":"` + from + `","text":"` + text + `"}` }
		const both, only1 = `{"text":"Hello both rooms!"}`, `{"text":"Only room1"}`
		// join makes c join room and waits for its confirmation: from then
		// on, c is in the room.
		join := func(c *nodetest.Client, room string) {
			t.Helper()
			c.Emit("joinRoom", map[string]any{"room": room})
			exampletest.Received(t, "joined", joined(room), c)
		}

		ann, annID := s.Connect(nil)
		bob, bobID := s.Connect(nil)
		cat, catID := s.Connect(nil)
		dan, danID := s.Connect(nil)

		// dev: ann first, where nobody is told, then bob, whom ann sees.
		join(ann, "dev")
		join(bob, "dev")
		exampletest.Received(t, "userJoined", user(bobID), ann)
		// A message to dev reaches its other member; invalid ones reach
		// nobody: ann's next message is the next one bob receives.
		ann.Emit("message", map[string]any{"room": "dev", "text": "hello"})
		exampletest.Received(t, "message", msg(annID, "hello"), bob)
		ann.Emit("message", map[string]any{"text": "no room"})
		ann.Emit("message", map[string]any{"room": 5, "text": "hello"})
		ann.Emit("message", map[string]any{"room": "dev", "text": strings.Repeat("x", 1001)})
		ann.Emit("message", "hello")
		ann.Emit("joinRoom", map[string]any{"room": ""})
		ann.Emit("message", map[string]any{"room": "dev", "text": "again"})
		exampletest.Received(t, "message", msg(annID, "again"), bob)
		bob.Emit("message", map[string]any{"room": "dev", "text": "hi ann"})
		exampletest.Received(t, "message", msg(bobID, "hi ann"), ann)
		exampletest.NoEvents(t, ann, bob)

		// room1: ann and bob; room2: bob and cat; dan in neither.
		join(ann, "room1")
		join(bob, "room1")
		exampletest.Received(t, "userJoined", user(bobID), ann)
		join(bob, "room2")
		join(cat, "room2")
		exampletest.Received(t, "userJoined", user(catID), bob)
		// room1 or room2: each member once, bob too.
		dan.Emit("announcement")
		exampletest.Received(t, "announcement", both, ann, bob, cat)
		// room1 but not room2: only ann.
		dan.Emit("exclusive")
		exampletest.Received(t, "exclusive", only1, ann)
		// The sender is excepted: from bob, only ann (room1) and cat
		// (room2); from ann, nobody (bob, in room1, is also in room2).
		bob.Emit("announcement")
		exampletest.Received(t, "announcement", both, ann, cat)
		ann.Emit("exclusive")
		// dan's confirmation shows he received none of his own; ann's next
		// announcement, that bob and cat received nothing else of dan's,
		// bob's or ann's.
		join(dan, "lobby")
		ann.Emit("announcement")
		exampletest.Received(t, "announcement", both, bob, cat)
		exampletest.NoEvents(t, ann, bob, cat, dan)

		// bob leaves dev, telling ann; his message to dev afterwards still
		// reaches her (sending to a room one is not in works, as written),
		// and ann's next one reaches nobody: bob is out of dev.
		bob.Emit("leaveRoom", map[string]any{"room": "dev"})
		exampletest.Received(t, "userLeft", user(bobID), ann)
		bob.Emit("message", map[string]any{"room": "dev", "text": "still hear me?"})
		exampletest.Received(t, "message", msg(bobID, "still hear me?"), ann)
		ann.Emit("message", map[string]any{"room": "dev", "text": "alone"})
		// A room named like ann's socket id is a room of its own: cat, who
		// joins it, receives what is sent there, and ann does not.
		join(cat, annID)
		bob.Emit("message", map[string]any{"room": annID, "text": "psst"})
		exampletest.Received(t, "message", msg(bobID, "psst"), cat)
		ann.Emit("announcement")
		exampletest.Received(t, "announcement", both, bob, cat)

		// Last, each joins the room end, the others there seeing it: each
		// confirmation, after everything its client sent and was sent,
		// shows that nothing else arrived.
		join(ann, "end")
		join(bob, "end")
		exampletest.Received(t, "userJoined", user(bobID), ann)
		join(cat, "end")
		exampletest.Received(t, "userJoined", user(catID), ann, bob)
		join(dan, "end")
		exampletest.Received(t, "userJoined", user(danID), ann, bob, cat)
		exampletest.NoEvents(t, ann, bob, cat, dan)
	})
}
