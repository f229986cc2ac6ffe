package notifications_test

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

const rejection = "auth.userId is required: a string of 1 to 128 characters"

var idPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// TestHandler runs every event on the real runtime.
func TestHandler(t *testing.T) {
	exampletest.RunUnits(t, &wasmiotest.Options{Namespace: "/notifications"},
		exampletest.Unit{Name: "connect", Test: testConnect},
		exampletest.Unit{Name: "subscribe", Test: testSubscribe},
		exampletest.Unit{Name: "notify", Test: testNotify})
}

// connect connects a socket of user id and checks that it joined the
// user's room and nothing else.
func connect(t *testing.T, k *wasmiotest.Kit, id string) *wasmiotest.Socket {
	t.Helper()
	s, res := k.Connect(wasmiotest.Handshake{Auth: map[string]any{"userId": id}})
	res.MustSucceed(t)
	if !slices.Equal(res.Joined, []string{"user:" + id}) || len(res.Emits) != 0 {
		t.Fatalf("joined %v, emits %v", res.Joined, res.Emits)
	}
	return s
}

// ackID checks that ack is {"ok":true,"id":ID,...} like want with "$id"
// replaced by ID, and returns ID.
func ackID(t *testing.T, ack []byte, want string) string {
	t.Helper()
	var v []struct{ ID string }
	if err := json.Unmarshal(ack, &v); err != nil || len(v) != 1 || !idPattern.MatchString(v[0].ID) {
		t.Fatalf("no notification id in %s", ack)
	}
	nodetest.JSONEq(t, ack, strings.ReplaceAll(want, "$id", v[0].ID))
	return v[0].ID
}

func testConnect(t *testing.T, k *wasmiotest.Kit) {
	connect(t, k, "ann")
	connect(t, k, strings.Repeat("é", 128))
	for _, auth := range []map[string]any{
		nil,
		{"userId": ""},
		{"userId": 42},
		{"userId": strings.Repeat("é", 129)},
		{"userId": "ann\x00"},
	} {
		_, res := k.Connect(wasmiotest.Handshake{Auth: auth})
		if res.Err != nil || res.Rejection == nil || res.Rejection.Message != rejection || len(res.Joined) != 0 {
			t.Fatalf("auth %v: %+v, want a rejection", auth, res)
		}
	}
}

func testSubscribe(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	res := ann.EmitAck("subscribe", map[string]any{"topic": "news"}).MustSucceed(t)
	if !slices.Equal(res.Joined, []string{"topic:news"}) || !ann.InRoom("topic:news") || len(res.Emits) != 0 {
		t.Fatalf("joined %v, rooms %v, emits %v", res.Joined, ann.Rooms(), res.Emits)
	}
	nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"topic":"news"}]`)
	res = ann.EmitAck("unsubscribe", map[string]any{"topic": "news"}).MustSucceed(t)
	if !slices.Equal(res.Left, []string{"topic:news"}) || ann.InRoom("topic:news") {
		t.Fatalf("left %v, rooms %v", res.Left, ann.Rooms())
	}
	nodetest.JSONEq(t, res.Ack.Args, `[{"ok":true,"topic":"news"}]`)

	for _, tc := range []struct {
		arg any
		err string
	}{
		{nil, "invalid payload"},
		{"news", "invalid payload"},
		{map[string]any{}, "invalid topic"},
		{map[string]any{"topic": 5}, "invalid topic"},
		{map[string]any{"topic": ""}, "invalid topic"},
		{map[string]any{"topic": "a\nb"}, "invalid topic"},
	} {
		for _, event := range []string{"subscribe", "unsubscribe"} {
			res := ann.EmitAck(event, tc.arg).MustSucceed(t)
			if len(res.Joined)+len(res.Left) != 0 {
				t.Fatalf("%s %v: %+v", event, tc.arg, res)
			}
			nodetest.JSONEq(t, res.Ack.Args, `[{"ok":false,"error":"`+tc.err+`"}]`)
			exampletest.Silent(t, ann.Emit(event, tc.arg))
		}
	}
}

func testNotify(t *testing.T, k *wasmiotest.Kit) {
	ann := connect(t, k, "ann")
	ms := strconv.FormatInt(k.Now().UnixMilli(), 10)

	res := ann.EmitAck("notify", map[string]any{"userId": "bob", "title": "Build done", "url": "/b/42"}).MustSucceed(t)
	id := ackID(t, res.Ack.Args, `[{"ok":true,"id":"$id","route":"user","room":"user:bob"}]`)
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "notification", "namespace", []string{"user:bob"}, nil).Args,
		`[{"userId":"bob","title":"Build done","url":"/b/42","id":"`+id+`","from":"ann","timestamp":`+ms+`}]`)

	// What the server sets wins over what the client sent.
	res = ann.EmitAck("notify", map[string]any{"topic": "news", "body": map[string]any{"n": 1.5}, "id": "x", "from": "mallory", "timestamp": 1}).MustSucceed(t)
	id = ackID(t, res.Ack.Args, `[{"ok":true,"id":"$id","route":"topic","room":"topic:news"}]`)
	nodetest.JSONEq(t, exampletest.Emitted(t, res, "notification", "namespace", []string{"topic:news"}, nil).Args,
		`[{"topic":"news","body":{"n":1.5},"id":"`+id+`","from":"ann","timestamp":`+ms+`}]`)

	for _, tc := range []struct {
		arg any
		err string
	}{
		{nil, "invalid payload"},
		{[]any{"bob"}, "invalid payload"},
		{map[string]any{"title": "hi"}, "exactly one of userId and topic is required"},
		{map[string]any{"userId": "bob", "topic": "news"}, "exactly one of userId and topic is required"},
		{map[string]any{"userId": 7}, "invalid userId"},
		{map[string]any{"userId": nil}, "invalid userId"},
		{map[string]any{"topic": ""}, "invalid topic"},
		{map[string]any{"topic": strings.Repeat("t", 129)}, "invalid topic"},
	} {
		res := ann.EmitAck("notify", tc.arg).MustSucceed(t)
		if len(res.Emits) != 0 {
			t.Fatalf("%v: emits %v", tc.arg, res.Emits)
		}
		nodetest.JSONEq(t, res.Ack.Args, `[{"ok":false,"error":"`+tc.err+`"}]`)
		exampletest.Silent(t, ann.Emit("notify", tc.arg))
	}
}

// TestEndToEnd routes notifications between real clients on mixed
// transports: to every socket of a user, and to a topic's subscribers.
func TestEndToEnd(t *testing.T) {
	exampletest.Run(t, func(t *testing.T, b exampletest.Build) {
		clock := exampletest.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
		srv := exampletest.Serve(t, b, &host.Options{Clock: clock.Now})
		ms := strconv.FormatInt(clock.Now().UnixMilli(), 10)
		d := nodetest.Start(t)
		url := srv.URL + "/notifications"

		anon := d.Connect(url, map[string]any{"transports": exampletest.Transport(1)})
		if m := anon.Outcome(); m.Ev != "connect_error" || m.Message != rejection {
			t.Fatalf("without a userId: %v", m)
		}
		ann1, _ := exampletest.Connect(t, d, url, 0, map[string]any{"userId": "ann"})
		ann2, _ := exampletest.Connect(t, d, url, 1, map[string]any{"userId": "ann"})
		bob, _ := exampletest.Connect(t, d, url, 2, map[string]any{"userId": "bob"})
		carl, _ := exampletest.Connect(t, d, url, 3, map[string]any{"userId": "carl"})
		for _, c := range []*nodetest.Client{bob, carl} {
			nodetest.JSONEq(t, c.EmitAck("subscribe", map[string]any{"topic": "news"}), `[{"ok":true,"topic":"news"}]`)
		}

		// notify sends and checks one notification: the sender's ack, and
		// what each receiver gets.
		notify := func(from *nodetest.Client, fromID string, req map[string]any, route, room string, to ...*nodetest.Client) {
			t.Helper()
			id := ackID(t, from.EmitAck("notify", req), `[{"ok":true,"id":"$id","route":"`+route+`","room":"`+room+`"}]`)
			req["id"], req["from"], req["timestamp"] = id, fromID, json.RawMessage(ms)
			want, _ := json.Marshal([]any{req})
			for _, c := range to {
				nodetest.JSONEq(t, c.Event("notification").Args, string(want))
			}
		}
		notify(bob, "bob", map[string]any{"userId": "ann", "text": "hi"}, "user", "user:ann", ann1, ann2)
		notify(ann1, "ann", map[string]any{"topic": "news", "text": "extra"}, "topic", "topic:news", bob, carl)
		nodetest.JSONEq(t, carl.EmitAck("unsubscribe", map[string]any{"topic": "news"}), `[{"ok":true,"topic":"news"}]`)
		notify(ann2, "ann", map[string]any{"topic": "news", "text": "late"}, "topic", "topic:news", bob)
		nodetest.JSONEq(t, bob.EmitAck("notify", map[string]any{"text": "nowhere"}),
			`[{"ok":false,"error":"exactly one of userId and topic is required"}]`)

		// A last notification to each user is a barrier: nothing else may
		// be pending (carl unsubscribed, ann never subscribed).
		for _, u := range []struct {
			id string
			to []*nodetest.Client
		}{{"ann", []*nodetest.Client{ann1, ann2}}, {"bob", []*nodetest.Client{bob}}, {"carl", []*nodetest.Client{carl}}} {
			notify(bob, "bob", map[string]any{"userId": u.id, "text": "bye"}, "user", "user:"+u.id, u.to...)
		}
		for _, c := range []*nodetest.Client{ann1, ann2, bob, carl} {
			exampletest.NoEvents(t, c)
		}
	})
}
