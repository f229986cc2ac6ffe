package chat_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/examples/internal/exampletest"
	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

var lobby = []string{"room:lobby"}

// TestHandler runs every event on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.RunUnits(t, &wasmiotest.Options{Namespace: "/chat"},
		exampletest.Unit{Name: "connect", Test: testConnect},
		exampletest.Unit{Name: "message", Test: testMessage},
		exampletest.Unit{Name: "rooms", Test: testRooms},
		exampletest.Unit{Name: "privateMessage", Test: testPrivateMessage},
		exampletest.Unit{Name: "disconnect", Test: testDisconnect})
}

// connect connects socket id with auth.
func connect(t *testing.T, k *wasmiotest.Kit, id string, auth map[string]any) (*wasmiotest.Socket, *wasmiotest.Result) {
	t.Helper()
	s, res := k.Connect(wasmiotest.Handshake{Auth: auth, ID: id})
	return s, res.MustSucceed(t)
}

// ms returns the kit's time, which handlers see, in Unix milliseconds.
func ms(k *wasmiotest.Kit) string { return strconv.FormatInt(k.Now().UnixMilli(), 10) }

var idPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// withID checks that the first argument of args is an object with a
// message id and that args equal want with "$id" replaced by that id, which
// it returns.
func withID(t *testing.T, args []byte, want string) string {
	t.Helper()
	var v []struct{ ID string }
	if err := json.Unmarshal(args, &v); err != nil || len(v) == 0 || !idPattern.MatchString(v[0].ID) {
		t.Fatalf("no message id in %s", args)
	}
	nodetest.JSONEq(t, args, strings.ReplaceAll(want, "$id", v[0].ID))
	return v[0].ID
}

func testConnect(t *testing.T, k *wasmiotest.Kit) {
	s, res := connect(t, k, "c1", map[string]any{"username": " ann "})
	me := `[{"id":"c1","username":"ann","room":"lobby"}]`
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "welcome", "self", nil, nil).Args, me)
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "userJoined", "broadcast", lobby, nil).Args, me)
	if !slices.Equal(res.Joined, lobby) || len(res.Emits) != 2 {
		t.Fatalf("joined %v, emits %v", res.Joined, res.Emits)
	}
	if name, _ := s.Get("username"); name != "ann" {
		t.Fatalf("username %q in the socket scope", name)
	}
	if room, _ := s.Get("room"); room != "lobby" {
		t.Fatalf("room %q in the socket scope", room)
	}

	for _, tc := range []struct {
		name     string
		auth     map[string]any
		username string // "" means rejected
	}{
		{"no auth", nil, "Anonymous"},
		{"null", map[string]any{"username": nil}, "Anonymous"},
		{"blank", map[string]any{"username": " \t"}, "Anonymous"},
		{"32 characters", map[string]any{"username": strings.Repeat("é", 32)}, strings.Repeat("é", 32)},
		{"33 characters", map[string]any{"username": strings.Repeat("a", 33)}, ""},
		{"a number", map[string]any{"username": 42}, ""},
	} {
		s, res := k.Connect(wasmiotest.Handshake{Auth: tc.auth})
		if tc.username == "" {
			if res.Err != nil || res.Rejection == nil || res.Rejection.Message != "username must be a string of at most 32 characters" {
				t.Fatalf("%s: %+v, want a rejection", tc.name, res)
			}
			continue
		}
		res.MustSucceed(t)
		var w struct{ Username string }
		exampletest.Emitted(t, res, "welcome", "self", nil, nil).Arg(t, 0, &w)
		if name, _ := s.Get("username"); w.Username != tc.username || name != tc.username {
			t.Fatalf("%s: welcome %q, stored %q, want %q", tc.name, w.Username, name, tc.username)
		}
	}
}

func testMessage(t *testing.T, k *wasmiotest.Kit) {
	ann, _ := connect(t, k, "m1", map[string]any{"username": "ann"})
	for _, args := range [][]any{{map[string]any{"text": "hi"}}, {map[string]any{"text": "hi", "room": "lobby"}}} {
		res := ann.EmitAck("message", args...).MustSucceed(t)
		e := exampletest.Emitted(t, res, "message", "namespace", lobby, nil)
		id := withID(t, e.Args, `[{"id":"$id","room":"lobby","from":{"id":"m1","username":"ann"},"text":"hi","timestamp":`+ms(k)+`}]`)
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"id":"`+id+`"}]`)
	}
	// No ack asked, none sent.
	if res := ann.Emit("message", map[string]any{"text": strings.Repeat("é", 1000)}).MustSucceed(t); res.Ack != nil || len(res.Emits) != 1 {
		t.Fatalf("emits %v, ack %v", res.Emits, res.Ack)
	}

	for _, tc := range []struct {
		name string
		args []any
		err  string
	}{
		{"no argument", nil, "invalid payload"},
		{"a string", []any{"hi"}, "invalid payload"},
		{"null", []any{nil}, "invalid payload"},
		{"no text", []any{map[string]any{}}, "invalid text"},
		{"text not a string", []any{map[string]any{"text": 5}}, "invalid text"},
		{"empty text", []any{map[string]any{"text": ""}}, "invalid text"},
		{"blank text", []any{map[string]any{"text": " \n "}}, "invalid text"},
		{"1001 characters", []any{map[string]any{"text": strings.Repeat("é", 1001)}}, "invalid text"},
		{"room not a string", []any{map[string]any{"text": "hi", "room": 5}}, "invalid payload"},
		{"another room", []any{map[string]any{"text": "hi", "room": "dev"}}, "not in room"},
	} {
		res := ann.EmitAck("message", tc.args...).MustSucceed(t)
		if len(res.Emits) != 0 {
			t.Fatalf("%s: emits %v", tc.name, res.Emits)
		}
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":false,"error":"`+tc.err+`"}]`)
		exampletest.Silent(t, ann.Emit("message", tc.args...))
	}
}

func testRooms(t *testing.T, k *wasmiotest.Kit) {
	ann, _ := connect(t, k, "r1", map[string]any{"username": "ann"})
	res := ann.EmitAck("joinRoom", map[string]any{"room": "dev-1"}).MustSucceed(t)
	dev := []string{"room:dev-1"}
	if !slices.Equal(res.Left, lobby) || !slices.Equal(res.Joined, dev) || ann.InRoom("room:lobby") || !ann.InRoom("room:dev-1") {
		t.Fatalf("left %v, joined %v, rooms %v", res.Left, res.Joined, ann.Rooms())
	}
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "userLeft", "broadcast", lobby, nil).Args,
		`[{"id":"r1","username":"ann","room":"lobby","reason":"room change"}]`)
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "userJoined", "broadcast", dev, nil).Args,
		`[{"id":"r1","username":"ann","room":"dev-1"}]`)
	nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"room":"dev-1"}]`)
	if room, _ := ann.Get("room"); room != "dev-1" {
		t.Fatalf("room %q in the socket scope", room)
	}
	// Joining the current room changes nothing.
	res = ann.EmitAck("joinRoom", map[string]any{"room": "dev-1"}).MustSucceed(t)
	if len(res.Emits)+len(res.Joined)+len(res.Left) != 0 {
		t.Fatalf("rejoining: %+v", res)
	}
	nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"room":"dev-1"}]`)

	// Messages and typing go to the current room.
	res = ann.EmitAck("message", map[string]any{"text": "in dev", "room": "dev-1"}).MustSucceed(t)
	withID(t, exampletest.Emitted(t, res, "message", "namespace", dev, nil).Args,
		`[{"id":"$id","room":"dev-1","from":{"id":"r1","username":"ann"},"text":"in dev","timestamp":`+ms(k)+`}]`)
	res = ann.EmitAck("message", map[string]any{"text": "hi", "room": "lobby"}).MustSucceed(t)
	nodetest.JSONEq(t, res.Ack.Args, `[{"ok":false,"error":"not in room"}]`)
	for _, typing := range []bool{true, false} {
		res = ann.EmitAck("typing", map[string]any{"typing": typing}).MustSucceed(t)
		nodetest.JSONEq(t, exampletest.Emitted(t, res, "typing", "broadcast", dev, nil).Args,
			`[{"room":"dev-1","from":{"id":"r1","username":"ann"},"typing":`+strconv.FormatBool(typing)+`}]`)
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true}]`)
	}

	for _, tc := range []struct {
		event string
		arg   any
		err   string
	}{
		{"joinRoom", "dev", "invalid payload"},
		{"joinRoom", map[string]any{}, "invalid room"},
		{"joinRoom", map[string]any{"room": 5}, "invalid room"},
		{"joinRoom", map[string]any{"room": ""}, "invalid room"},
		{"joinRoom", map[string]any{"room": "a b"}, "invalid room"},
		{"joinRoom", map[string]any{"room": "room:x"}, "invalid room"},
		{"joinRoom", map[string]any{"room": strings.Repeat("a", 33)}, "invalid room"},
		{"typing", nil, "invalid payload"},
		{"typing", map[string]any{"typing": "yes"}, "invalid payload"},
	} {
		res := ann.EmitAck(tc.event, tc.arg).MustSucceed(t)
		if len(res.Emits)+len(res.Joined)+len(res.Left) != 0 {
			t.Fatalf("%s %v: %+v", tc.event, tc.arg, res)
		}
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":false,"error":"`+tc.err+`"}]`)
		exampletest.Silent(t, ann.Emit(tc.event, tc.arg))
	}
}

func testPrivateMessage(t *testing.T, k *wasmiotest.Kit) {
	ann, _ := connect(t, k, "p1", map[string]any{"username": "ann"})
	bob, _ := connect(t, k, "p2", map[string]any{"username": "bob"})
	res := ann.EmitAck("privateMessage", map[string]any{"targetSocketId": bob.ID(), "text": "psst"}).MustSucceed(t)
	want := `[{"id":"$id","from":{"id":"p1","username":"ann"},"to":"p2","text":"psst","timestamp":` + ms(k) + `}]`
	// One emit to bob, the same to the sender.
	if len(res.Emits) != 2 || res.Emits[0].Mode != "broadcast" || !slices.Equal(res.Emits[0].To, []string{bob.ID()}) ||
		res.Emits[1].Mode != "self" || string(res.Emits[1].Args) != string(res.Emits[0].Args) {
		t.Fatalf("emits %v", res.Emits)
	}
	id := withID(t, res.Emits[0].Args, want)
	nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"id":"`+id+`"}]`)

	for _, tc := range []struct {
		arg any
		err string
	}{
		{[]string{"p2"}, "invalid payload"},
		{map[string]any{"text": "psst"}, "invalid target"},
		{map[string]any{"targetSocketId": 2, "text": "psst"}, "invalid target"},
		{map[string]any{"targetSocketId": "room:lobby", "text": "psst"}, "invalid target"},
		{map[string]any{"targetSocketId": "p2"}, "invalid text"},
	} {
		res := ann.EmitAck("privateMessage", tc.arg).MustSucceed(t)
		if len(res.Emits) != 0 {
			t.Fatalf("%v: emits %v", tc.arg, res.Emits)
		}
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":false,"error":"`+tc.err+`"}]`)
	}
}

func testDisconnect(t *testing.T, k *wasmiotest.Kit) {
	ann, _ := connect(t, k, "d1", map[string]any{"username": "ann"})
	ann.EmitAck("joinRoom", map[string]any{"room": "dev"}).MustSucceed(t)
	res := ann.Disconnect("transport close").MustSucceed(t)
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "userLeft", "broadcast", nil, nil).Args,
		`[{"id":"d1","username":"ann","room":"dev","reason":"transport close"}]`)
	if _, ok := ann.Get("username"); ok {
		t.Fatal("the socket scope survived the disconnect")
	}
}

// TestEndToEnd runs a chat on a real host with real clients on mixed
// transports: the lobby, a room, typing, a private message, a departure.
func TestEndToEnd(t *testing.T) {
	exampletest.Run(t, func(t *testing.T, b exampletest.Build) {
		clock := exampletest.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
		srv := exampletest.Serve(t, b, &host.Options{Clock: clock.Now})
		now := strconv.FormatInt(clock.Now().UnixMilli(), 10)
		d := nodetest.Start(t)
		url := srv.URL + "/chat"
		member := func(id, name, room, reason string) string {
			m := map[string]string{"id": id, "username": name, "room": room}
			if reason != "" {
				m["reason"] = reason
			}
			b, _ := json.Marshal([]any{m})
			return string(b)
		}

		ann, annID := exampletest.Connect(t, d, url, 0, map[string]any{"username": "ann"})
		nodetest.JSONEq(t, ann.Event("welcome").Args, member(annID, "ann", "lobby", ""))
		bob, bobID := exampletest.Connect(t, d, url, 1, map[string]any{"username": "bob"})
		nodetest.JSONEq(t, bob.Event("welcome").Args, member(bobID, "bob", "lobby", ""))
		nodetest.JSONEq(t, ann.Event("userJoined").Args, member(bobID, "bob", "lobby", ""))
		cat, catID := exampletest.Connect(t, d, url, 2, nil)
		nodetest.JSONEq(t, cat.Event("welcome").Args, member(catID, "Anonymous", "lobby", ""))
		for _, c := range []*nodetest.Client{ann, bob} {
			nodetest.JSONEq(t, c.Event("userJoined").Args, member(catID, "Anonymous", "lobby", ""))
		}

		// A lobby message reaches everyone, its sender included; invalid
		// ones reach nobody (the final checks would see them).
		var ack []struct {
			OK bool
			ID string
		}
		nodetest.Args(t, ann.EmitAck("message", map[string]any{"text": "hello"}), &ack)
		hello := `[{"id":"` + ack[0].ID + `","room":"lobby","from":{"id":"` + annID + `","username":"ann"},"text":"hello","timestamp":` + now + `}]`
		for _, c := range []*nodetest.Client{ann, bob, cat} {
			nodetest.JSONEq(t, c.Event("message").Args, hello)
		}
		nodetest.JSONEq(t, ann.EmitAck("message", map[string]any{"text": strings.Repeat("x", 1001)}), `[{"ok":false,"error":"invalid text"}]`)
		ann.Emit("message", map[string]any{"text": 5})

		// bob, then cat, move to dev.
		nodetest.JSONEq(t, bob.EmitAck("joinRoom", map[string]any{"room": "dev"}), `[{"ok":true,"room":"dev"}]`)
		for _, c := range []*nodetest.Client{ann, cat} {
			nodetest.JSONEq(t, c.Event("userLeft").Args, member(bobID, "bob", "lobby", "room change"))
		}
		nodetest.JSONEq(t, cat.EmitAck("joinRoom", map[string]any{"room": "dev"}), `[{"ok":true,"room":"dev"}]`)
		nodetest.JSONEq(t, ann.Event("userLeft").Args, member(catID, "Anonymous", "lobby", "room change"))
		nodetest.JSONEq(t, bob.Event("userJoined").Args, member(catID, "Anonymous", "dev", ""))

		// In dev: a message, and cat typing (bob sees it, cat does not).
		clock.Advance(time.Minute)
		now = strconv.FormatInt(clock.Now().UnixMilli(), 10)
		nodetest.Args(t, bob.EmitAck("message", map[string]any{"text": "in dev", "room": "dev"}), &ack)
		inDev := `[{"id":"` + ack[0].ID + `","room":"dev","from":{"id":"` + bobID + `","username":"bob"},"text":"in dev","timestamp":` + now + `}]`
		for _, c := range []*nodetest.Client{bob, cat} {
			nodetest.JSONEq(t, c.Event("message").Args, inDev)
		}
		nodetest.JSONEq(t, cat.EmitAck("typing", map[string]any{"typing": true}), `[{"ok":true}]`)
		nodetest.JSONEq(t, bob.Event("typing").Args, `[{"room":"dev","from":{"id":"`+catID+`","username":"Anonymous"},"typing":true}]`)

		// A private message from the lobby to bob in dev, and its copy.
		nodetest.Args(t, ann.EmitAck("privateMessage", map[string]any{"targetSocketId": bobID, "text": "psst"}), &ack)
		psst := `[{"id":"` + ack[0].ID + `","from":{"id":"` + annID + `","username":"ann"},"to":"` + bobID + `","text":"psst","timestamp":` + now + `}]`
		for _, c := range []*nodetest.Client{ann, bob} {
			nodetest.JSONEq(t, c.Event("privateMessage").Args, psst)
		}

		// bob leaves: everyone is told, whatever their room. That is the
		// last emit to ann and cat, so nothing else may be pending.
		bob.Disconnect()
		for _, c := range []*nodetest.Client{ann, cat} {
			nodetest.JSONEq(t, c.Event("userLeft").Args, member(bobID, "bob", "dev", "client namespace disconnect"))
			exampletest.NoEvents(t, c)
		}
	})
}
