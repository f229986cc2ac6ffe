package patterns_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

// TestHandler runs every event on the real runtime.
func TestHandler(t *testing.T) {
	units := []exampletest.Unit{{Name: "joinRoom", Test: testJoinRoom}}
	for _, p := range []struct {
		event, payload, mode string
		to, except           []string
	}{
		{"directMessage", `{"text":"Just for you"}`, "self", nil, nil},
		{"chat", `{"text":"Hello room"}`, "broadcast", []string{"room:general"}, nil},
		{"announcement", `{"text":"News flash"}`, "broadcast", nil, nil},
		{"serverNotice", `{"text":"Server restart in 5 minutes"}`, "namespace", nil, nil},
		{"alert", `{"level":"high"}`, "broadcast", []string{"room:admins", "room:moderators"}, nil},
		{"offer", `{"discount":20}`, "namespace", []string{"room:premium"}, []string{"room:banned"}},
	} {
		// Each pattern sends its fixed payload to its receivers, whatever
		// the client sends with the event.
		units = append(units, exampletest.Unit{Name: p.event, Test: func(t *testing.T, k *wasmiotest.Kit) {
			ann := connect(t, k)
			for _, args := range [][]any{nil, {map[string]any{"text": "mine"}}, {"x", 1}} {
				res := ann.Emit(p.event, args...).MustSucceed(t)
				nodetest.JSONEq(t, exampletest.Emitted(t, res, p.event, p.mode, p.to, p.except).Args, "["+p.payload+"]")
				if len(res.Emits) != 1 || len(res.Joined)+len(res.Left) != 0 {
					t.Fatalf("emits %v, joined %v, left %v", res.Emits, res.Joined, res.Left)
				}
			}
		}})
	}
	exampletest.Small.RunUnits(t, &wasmiotest.Options{Namespace: "/chat"}, units...)
}

// connect connects a socket, which the handler lets in silently.
func connect(t *testing.T, k *wasmiotest.Kit) *wasmiotest.Socket {
	t.Helper()
	s, res := k.Connect(wasmiotest.Handshake{})
	exampletest.Silent(t, res)
	return s
}

func testJoinRoom(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k)
	// The rooms of the patterns, 64 characters as JavaScript counts them,
	// and a room named like a socket id: a room like any other.
	rooms := []string{"general", "admins", "moderators", "premium", "banned", strings.Repeat("😀", 32), "socket-1"}
	for _, room := range rooms {
		res := ann.Emit("joinRoom", map[string]any{"room": room}).MustSucceed(t)
		if !slices.Equal(res.Joined, []string{"room:" + room}) || len(res.Emits) != 1 {
			t.Fatalf("joined %v, emits %v", res.Joined, res.Emits)
		}
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "joined", "self", nil, nil).Args, `[{"room":"`+room+`"}]`)
	}
	if len(ann.Rooms()) != 1+len(rooms) {
		t.Fatalf("rooms %v", ann.Rooms())
	}
	for _, arg := range []any{nil, "general", []string{"general"}, map[string]any{}, map[string]any{"room": 5},
		map[string]any{"room": ""}, map[string]any{"room": "a\tb"}, map[string]any{"room": strings.Repeat("😀", 32) + "a"}} {
		exampletest.Silent(t, ann.Emit("joinRoom", arg))
	}
}

// TestEndToEnd runs every pattern with real clients in different rooms,
// checking who receives each event and who must not.
func TestEndToEnd(t *testing.T) {
	exampletest.Small.EndToEnd(t, "/chat", func(t *testing.T, s *exampletest.Session) {
		const (
			direct   = `{"text":"Just for you"}`
			chat     = `{"text":"Hello room"}`
			news     = `{"text":"News flash"}`
			notice   = `{"text":"Server restart in 5 minutes"}`
			alert    = `{"level":"high"}`
			discount = `{"discount":20}`
		)
		// join makes c join rooms and waits for each confirmation: from
		// then on, c is in them.
		join := func(c *nodetest.Client, rooms ...string) {
			t.Helper()
			for _, room := range rooms {
				c.Emit("joinRoom", map[string]any{"room": room})
				exampletest.Received(t, "joined", `{"room":"`+room+`"}`, c)
			}
		}

		ann, _ := s.Connect(nil)
		bob, _ := s.Connect(nil)
		cat, _ := s.Connect(nil)
		dan, _ := s.Connect(nil)
		join(ann, "general", "admins", "premium")
		join(bob, "moderators", "premium", "banned")
		join(cat, "general")
		// dan is in no room; his invalid joins join none.
		dan.Emit("joinRoom", map[string]any{"room": ""})
		dan.Emit("joinRoom", "general")

		// Each pattern from ann. Her serverNotice, last, reaches everyone
		// and shows that nothing else of hers did.
		ann.Emit("directMessage")
		exampletest.Received(t, "directMessage", direct, ann)
		ann.Emit("chat")
		exampletest.Received(t, "chat", chat, cat)
		ann.Emit("announcement", map[string]any{"text": "mine"})
		exampletest.Received(t, "announcement", news, bob, cat, dan)
		ann.Emit("alert")
		exampletest.Received(t, "alert", alert, bob)
		// ns.to() includes the sender: ann is in premium; bob is banned.
		ann.Emit("offer")
		exampletest.Received(t, "offer", discount, ann)
		ann.Emit("serverNotice")
		exampletest.Received(t, "serverNotice", notice, ann, bob, cat, dan)
		exampletest.NoEvents(t, ann, bob, cat, dan)

		// From outside the rooms: dan's chat reaches general, his alert
		// admins and moderators, his offer premium but the banned.
		dan.Emit("chat")
		exampletest.Received(t, "chat", chat, ann, cat)
		dan.Emit("alert")
		exampletest.Received(t, "alert", alert, ann, bob)
		dan.Emit("offer")
		exampletest.Received(t, "offer", discount, ann)
		// bob, banned, is left out of his own offer; his alert skips
		// himself; his direct message reaches him alone, showing he
		// received nothing else.
		bob.Emit("offer")
		exampletest.Received(t, "offer", discount, ann)
		bob.Emit("alert")
		exampletest.Received(t, "alert", alert, ann)
		bob.Emit("directMessage")
		exampletest.Received(t, "directMessage", direct, bob)
		// cat's messages skip her: chat reaches ann alone in general,
		// announcement everyone else.
		cat.Emit("chat")
		exampletest.Received(t, "chat", chat, ann)
		cat.Emit("announcement")
		exampletest.Received(t, "announcement", news, ann, bob, dan)
		// Last, dan's serverNotice reaches everyone, after everything the
		// others and he sent: nothing else arrived.
		dan.Emit("serverNotice")
		exampletest.Received(t, "serverNotice", notice, ann, bob, cat, dan)
		exampletest.NoEvents(t, ann, bob, cat, dan)
	})
}
