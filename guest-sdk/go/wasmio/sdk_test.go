package wasmio_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
	"github.com/wasmio/wasmio/guest-sdk/go/wasmio/wasmiotest"
)

// on registers h for the test's duration.
func on(t *testing.T, event string, h wasmio.Handler) {
	t.Helper()
	wasmio.On(event, h)
	t.Cleanup(func() { wasmio.On(event, nil) })
}

// run registers h for ev.Name, runs ev and fails the test if the handler
// did not succeed.
func run(t *testing.T, h *wasmiotest.Host, ev wasmiotest.Event, fn wasmio.Handler) *wasmiotest.Result {
	t.Helper()
	on(t, ev.Name, fn)
	res := h.Run(ev)
	if !res.OK() {
		t.Fatalf("%s failed: %v", ev.Name, res)
	}
	return res
}

func TestDispatch(t *testing.T) {
	h := wasmiotest.NewHost()
	var ran []string
	record := func(s *wasmio.Socket, e *wasmio.Event) error {
		ran = append(ran, e.Name())
		return nil
	}
	on(t, "a", record)
	for _, name := range []string{"a", "b", "$connect", "$disconnect"} {
		if res := h.Run(wasmiotest.Event{Name: name}); !res.OK() {
			t.Fatal(res)
		}
	}
	if !reflect.DeepEqual(ran, []string{"a"}) {
		t.Errorf("without a default: ran %q", ran)
	}
	ran = nil
	wasmio.OnDefault(record)
	t.Cleanup(func() { wasmio.OnDefault(nil) })
	for _, name := range []string{"a", "b", "$connect", "$disconnect"} {
		h.Run(wasmiotest.Event{Name: name})
	}
	if !reflect.DeepEqual(ran, []string{"a", "b"}) {
		t.Errorf("with a default: ran %q (the default must not get $connect or $disconnect)", ran)
	}
}

func TestFailures(t *testing.T) {
	h := wasmiotest.NewHost()
	on(t, "fail", func(s *wasmio.Socket, e *wasmio.Event) error {
		_ = s.Emit("before")
		_ = s.Namespace().KV().Put("k", []byte("v"))
		return errors.New("bad input")
	})
	on(t, "boom", func(s *wasmio.Socket, e *wasmio.Event) error {
		var m map[string]int
		m["x"] = 1 // nil map: a runtime panic
		return nil
	})
	res := h.Run(wasmiotest.Event{Name: "fail"})
	if res.Code != 1 || len(res.Logs) != 1 || !strings.Contains(res.Logs[0].Msg, "bad input") || res.Logs[0].Level != 3 {
		t.Errorf("fail: %v", res)
	}
	if _, ok := h.KV("/")["k"]; ok {
		t.Error("a failed handler's write was committed")
	}
	res = h.Run(wasmiotest.Event{Name: "boom"})
	if res.Code != 2 || len(res.Logs) != 1 || !strings.Contains(res.Logs[0].Msg, "panicked: assignment to entry in nil map") {
		t.Errorf("boom: %v", res)
	}
}

func TestEventAndArgs(t *testing.T) {
	h := wasmiotest.NewHost()
	at := time.UnixMilli(1700000000123)
	big := strings.Repeat("x", 5000)
	bin := bytes.Repeat([]byte{7}, 10000)
	run(t, h, wasmiotest.Event{
		Name: "msg", Namespace: "/chat", Time: at,
		Args: []any{map[string]any{"text": "hi", "room": "r"}, []byte{1, 2, 3}, big, wasmio.Binary(bin), 42},
	}, func(s *wasmio.Socket, e *wasmio.Event) error {
		if e.Name() != "msg" || e.Namespace() != "/chat" || !e.Time().Equal(at) || e.NumArgs() != 5 {
			t.Errorf("name %q ns %q time %v args %d", e.Name(), e.Namespace(), e.Time(), e.NumArgs())
		}
		var msg struct{ Text, Room string }
		if err := e.Arg(0, &msg); err != nil || msg.Text != "hi" || msg.Room != "r" {
			t.Errorf("arg 0: %+v %v", msg, err)
		}
		var b []byte
		if err := e.Arg(1, &b); err != nil || !bytes.Equal(b, []byte{1, 2, 3}) {
			t.Errorf("arg 1: %v %v", b, err)
		}
		var s2 string
		if err := e.Arg(2, &s2); err != nil || s2 != big {
			t.Errorf("arg 2: %d bytes, %v", len(s2), err)
		}
		var bb wasmio.Binary
		if err := e.Arg(3, &bb); err != nil || !bytes.Equal(bb, bin) {
			t.Errorf("arg 3: %d bytes, %v", len(bb), err)
		}
		var raw wasmio.Raw
		if err := e.Arg(1, &raw); err != nil || string(raw) != `{"_placeholder":true,"num":0}` {
			t.Errorf("arg 1 raw: %s %v", raw, err)
		}
		var n int
		if err := e.Arg(4, &n); err != nil || n != 42 {
			t.Errorf("arg 4: %d %v", n, err)
		}
		if err := e.Arg(5, &n); err != wasmio.ErrNotFound {
			t.Errorf("arg 5: %v", err)
		}
		if err := e.Arg(0, &n); err == nil {
			t.Error("decoding an object into an int: no error")
		}
		if e.NumAttachments() != 2 || !bytes.Equal(e.Attachment(1), bin) || e.Attachment(2) != nil || e.Attachment(-1) != nil {
			t.Errorf("attachments: %d", e.NumAttachments())
		}
		if a := e.Attachments(); len(a) != 2 || !bytes.Equal(a[0], []byte{1, 2, 3}) {
			t.Errorf("Attachments() = %q", a)
		}
		if !strings.HasPrefix(string(e.Args()), `[{"room":"r","text":"hi"},{"_placeholder":true,"num":0},"xxx`) {
			t.Errorf("Args() = %.60s", e.Args())
		}
		if e.WantsAck() || e.Reason() != "" {
			t.Error("WantsAck or Reason")
		}
		if err := e.Ack("x"); err != wasmio.ErrNoAck {
			t.Errorf("Ack without a request: %v", err)
		}
		return nil
	})
	res := run(t, h, wasmiotest.Event{Name: "$disconnect", Args: []any{"ping timeout"}}, func(s *wasmio.Socket, e *wasmio.Event) error {
		if e.Reason() != "ping timeout" {
			t.Errorf("Reason() = %q", e.Reason())
		}
		return nil
	})
	if len(res.Effects) != 0 {
		t.Error(res)
	}
}

func TestAck(t *testing.T) {
	h := wasmiotest.NewHost()
	res := run(t, h, wasmiotest.Event{Name: "q", WantsAck: true}, func(s *wasmio.Socket, e *wasmio.Event) error {
		if !e.WantsAck() {
			t.Error("WantsAck() = false")
		}
		if err := e.Ack(map[string]any{"ok": true}, wasmio.Binary("bin")); err != nil {
			return err
		}
		if err := e.Ack(1); !errors.Is(err, wasmio.ErrNoAck) || !errors.Is(err, wasmio.ErrState) {
			t.Errorf("second Ack: %v", err)
		}
		return s.Emit("after", wasmio.Binary("other"))
	})
	acks := res.Acks()
	if len(acks) != 1 || acks[0].Args != `[{"ok":true},{"_placeholder":true,"num":0}]` || len(acks[0].Attachments) != 1 || string(acks[0].Attachments[0]) != "bin" {
		t.Errorf("acks: %v", res)
	}
	if e := res.Emits(); len(e) != 1 || len(e[0].Attachments) != 1 || string(e[0].Attachments[0]) != "other" {
		t.Errorf("emit after ack: %v", res)
	}
	res = run(t, h, wasmiotest.Event{Name: "q0", WantsAck: true}, func(s *wasmio.Socket, e *wasmio.Event) error {
		return e.Ack()
	})
	if a := res.Acks(); len(a) != 1 || a[0].Args != "[]" {
		t.Errorf("empty ack: %v", res)
	}
}

func TestEmits(t *testing.T) {
	h := wasmiotest.NewHost()
	res := run(t, h, wasmiotest.Event{Name: "go", SocketID: "me"}, func(s *wasmio.Socket, e *wasmio.Event) error {
		base := s.To("a")
		for _, err := range []error{
			s.Emit("self", "x", 1),
			s.Broadcast().Emit("all"),
			base.To("b").Except("c").Emit("chain"),
			base.Emit("reuse"), // To("b") did not change base
			s.Except("x", "y").Emit("except"),
			s.Namespace().Emit("ns", nil),
			s.Namespace().To("a").Except("me").Emit("nsto"),
			s.Namespace().Except("z").Emit("nsexcept"),
		} {
			if err != nil {
				return err
			}
		}
		if err := s.To("").Emit("bad"); !errors.Is(err, wasmio.ErrInvalid) {
			t.Errorf("empty room: %v", err)
		}
		if err := s.To("a\x00b").Emit("bad"); !errors.Is(err, wasmio.ErrInvalid) {
			t.Errorf("NUL in a room: %v", err)
		}
		if err := s.Emit("disconnect"); !errors.Is(err, wasmio.ErrInvalid) {
			t.Errorf("reserved event: %v", err)
		}
		return nil
	})
	type emit struct {
		Mode       wasmiotest.Mode
		To, Except []string
		Event      string
		Args       string
	}
	want := []emit{
		{wasmiotest.ModeSelf, nil, nil, "self", `["x",1]`},
		{wasmiotest.ModeBroadcast, nil, nil, "all", `[]`},
		{wasmiotest.ModeBroadcast, []string{"a", "b"}, []string{"c"}, "chain", `[]`},
		{wasmiotest.ModeBroadcast, []string{"a"}, nil, "reuse", `[]`},
		{wasmiotest.ModeBroadcast, nil, []string{"x", "y"}, "except", `[]`},
		{wasmiotest.ModeNamespace, nil, nil, "ns", `[null]`},
		{wasmiotest.ModeNamespace, []string{"a"}, []string{"me"}, "nsto", `[]`},
		{wasmiotest.ModeNamespace, nil, []string{"z"}, "nsexcept", `[]`},
	}
	var got []emit
	for _, e := range res.Emits() {
		got = append(got, emit{e.Mode, e.To, e.Except, e.Event, e.Args})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("emits:\n got %+v\nwant %+v", got, want)
	}
}

func TestReturnAck(t *testing.T) {
	h := wasmiotest.NewHost()
	on(t, "r", func(s *wasmio.Socket, e *wasmio.Event) error {
		_ = s.Broadcast().Emit("r")
		return e.Ack(map[string]any{"ok": true})
	})
	for _, ack := range []bool{false, true} {
		res := h.Run(wasmiotest.Event{Name: "r", WantsAck: ack})
		if !res.OK() || len(res.Emits()) != 1 || len(res.Acks()) != map[bool]int{false: 0, true: 1}[ack] {
			t.Errorf("WantsAck %v: %v", ack, res)
		}
	}
}

func TestRooms(t *testing.T) {
	h := wasmiotest.NewHost()
	run(t, h, wasmiotest.Event{Name: "$connect", SocketID: "s1"}, func(s *wasmio.Socket, e *wasmio.Event) error {
		if r := s.Rooms(); !reflect.DeepEqual(r, []string{"s1"}) {
			t.Errorf("initial rooms %q", r)
		}
		if err := s.Join("a", "b", "a"); err != nil {
			return err
		}
		if err := s.Leave("b", "s1", "nope"); err != nil {
			return err
		}
		if err := s.Join(""); !errors.Is(err, wasmio.ErrInvalid) {
			t.Errorf("Join empty: %v", err)
		}
		if r := s.Rooms(); !reflect.DeepEqual(r, []string{"s1", "a"}) {
			t.Errorf("rooms after join/leave %q", r)
		}
		s.Rooms()[0] = "changed" // a copy
		return nil
	})
	if r := h.Rooms("/", "s1"); !reflect.DeepEqual(r, []string{"s1", "a"}) {
		t.Errorf("host rooms %q", r)
	}
	run(t, h, wasmiotest.Event{Name: "next", SocketID: "s1"}, func(s *wasmio.Socket, e *wasmio.Event) error {
		if s.ID() != "s1" || !reflect.DeepEqual(s.Rooms(), []string{"s1", "a"}) {
			t.Errorf("next event: id %q rooms %q", s.ID(), s.Rooms())
		}
		return nil
	})
}

func TestHandshake(t *testing.T) {
	h := wasmiotest.NewHost()
	hs := time.UnixMilli(1600000000000)
	run(t, h, wasmiotest.Event{
		Name: "$connect", HandshakeTime: hs, Address: "10.0.0.7",
		Headers: map[string]string{"user-agent": "test", "x-multi": "a, b"},
		Query:   map[string]string{"room": "lobby"},
		Auth:    map[string]any{"username": "ann", "token": 5},
	}, func(s *wasmio.Socket, e *wasmio.Event) error {
		hd := s.Handshake()
		if hd.Header("User-Agent") != "test" || hd.Header("x-multi") != "a, b" || hd.Header("none") != "" || len(hd.Headers()) != 2 {
			t.Errorf("headers %v", hd.Headers())
		}
		if hd.Query()["room"] != "lobby" {
			t.Errorf("query %v", hd.Query())
		}
		var auth struct {
			Username string `json:"username"`
		}
		if err := hd.Auth(&auth); err != nil || auth.Username != "ann" {
			t.Errorf("auth %+v %v", auth, err)
		}
		if string(hd.AuthJSON()) != `{"token":5,"username":"ann"}` {
			t.Errorf("AuthJSON %s", hd.AuthJSON())
		}
		var claims map[string]any
		if err := hd.Claims(&claims); err != wasmio.ErrNotFound || string(hd.ClaimsJSON()) != "null" {
			t.Errorf("claims without JWT: %v %s", err, hd.ClaimsJSON())
		}
		if hd.Address() != "10.0.0.7" || !hd.Time().Equal(hs) {
			t.Errorf("address %q time %v", hd.Address(), hd.Time())
		}
		return nil
	})
	run(t, h, wasmiotest.Event{Name: "jwt", Claims: map[string]any{"sub": "u1"}}, func(s *wasmio.Socket, e *wasmio.Event) error {
		var claims struct{ Sub string }
		if err := s.Handshake().Claims(&claims); err != nil || claims.Sub != "u1" {
			t.Errorf("claims %+v %v", claims, err)
		}
		if string(s.Handshake().AuthJSON()) != "{}" || len(s.Handshake().Query()) != 0 {
			t.Error("default auth or query")
		}
		return nil
	})
}

func TestRejectAndDisconnect(t *testing.T) {
	h := wasmiotest.NewHost()
	res := run(t, h, wasmiotest.Event{Name: "$connect"}, func(s *wasmio.Socket, e *wasmio.Event) error {
		_ = s.Join("x")
		_ = s.Data().Put("seen", []byte("1"))
		return s.Reject("not allowed", map[string]any{"code": 42})
	})
	if r, ok := res.Rejection(); !ok || r.Message != "not allowed" || r.Data != `{"code":42}` {
		t.Errorf("reject: %v", res)
	}
	if r := h.Rooms("/", "socket1"); !reflect.DeepEqual(r, []string{"socket1"}) {
		t.Errorf("a rejected connection joined %q", r)
	}
	if string(h.SocketData("/", "socket1")["seen"]) != "1" {
		t.Error("a rejected connection's key-value write was dropped")
	}
	res = run(t, h, wasmiotest.Event{Name: "$connect", SocketID: "s2"}, func(s *wasmio.Socket, e *wasmio.Event) error {
		return s.Reject("no data", nil)
	})
	if r, _ := res.Rejection(); r.Data != "" {
		t.Errorf("reject without data: %v", res)
	}
	res = run(t, h, wasmiotest.Event{Name: "later"}, func(s *wasmio.Socket, e *wasmio.Event) error {
		if err := s.Reject("late", nil); err != wasmio.ErrState {
			t.Errorf("Reject outside $connect: %v", err)
		}
		if err := s.Disconnect(false); err != nil {
			return err
		}
		return s.Disconnect(true)
	})
	if len(res.Effects) != 2 || res.Effects[0].Close || !res.Effects[1].Close {
		t.Errorf("disconnect: %v", res)
	}
}

func TestKV(t *testing.T) {
	h := wasmiotest.NewHost()
	big := bytes.Repeat([]byte("v"), 3000)
	h.KV("/")["pre"] = []byte("filled")
	run(t, h, wasmiotest.Event{Name: "kv"}, func(s *wasmio.Socket, e *wasmio.Event) error {
		kv := s.Namespace().KV()
		if v, err := kv.Get("pre"); err != nil || string(v) != "filled" {
			t.Errorf("Get pre: %q %v", v, err)
		}
		if _, err := kv.Get("missing"); err != wasmio.ErrNotFound {
			t.Errorf("Get missing: %v", err)
		}
		if err := kv.Put("big", big); err != nil {
			return err
		}
		if v, err := kv.Get("big"); err != nil || !bytes.Equal(v, big) {
			t.Errorf("Get big: %d bytes %v", len(v), err)
		}
		if err := kv.Put("empty", nil); err != nil {
			return err
		}
		if v, err := kv.Get("empty"); err != nil || v == nil || len(v) != 0 {
			t.Errorf("Get empty: %v %v", v, err)
		}
		if err := kv.Put("", []byte("x")); err != wasmio.ErrInvalid {
			t.Errorf("empty key: %v", err)
		}
		if err := kv.Put(strings.Repeat("k", 1025), nil); err != wasmio.ErrTooLarge {
			t.Errorf("long key: %v", err)
		}
		if err := kv.Put("huge", make([]byte, 64<<10+1)); err != wasmio.ErrTooLarge {
			t.Errorf("huge value: %v", err)
		}
		for want := int64(1); want <= 3; want++ {
			if n, err := kv.Incr("n", 1); n != want || err != nil {
				t.Errorf("Incr: %d %v", n, err)
			}
		}
		if n, err := kv.Incr("n", -10); n != -7 || err != nil {
			t.Errorf("Incr -10: %d %v", n, err)
		}
		if _, err := kv.Incr("pre", 1); err != wasmio.ErrNotInteger {
			t.Errorf("Incr on text: %v", err)
		}
		_ = kv.Put("max", []byte("9223372036854775807"))
		if _, err := kv.Incr("max", 1); err != wasmio.ErrOverflow {
			t.Errorf("Incr overflow: %v", err)
		}
		for _, tc := range []struct {
			key      string
			old, new []byte
			ok       bool
		}{
			{"cas", []byte{}, []byte("a"), false}, // absent is not empty
			{"cas", nil, []byte{}, true},          // create with the empty value
			{"cas", nil, []byte("b"), false},      // now present
			{"cas", []byte{}, []byte("b"), true},  // empty matches empty
			{"cas", []byte("x"), []byte("c"), false},
			{"cas", []byte("b"), nil, true}, // delete
			{"cas", []byte("b"), nil, false},
			{"cas", nil, nil, true}, // absent stays absent
		} {
			if ok, err := kv.CompareAndSwap(tc.key, tc.old, tc.new); ok != tc.ok || err != nil {
				t.Errorf("CAS(%q, %q, %q) = %v, %v", tc.key, tc.old, tc.new, ok, err)
			}
		}
		if _, err := kv.Get("cas"); err != wasmio.ErrNotFound {
			t.Errorf("cas after delete: %v", err)
		}
		if err := kv.Delete("pre"); err != nil {
			return err
		}
		if err := kv.Delete("never"); err != nil {
			t.Errorf("Delete absent: %v", err)
		}
		for _, k := range []string{"list/b", "list/a", "list/c", "lisz"} {
			_ = kv.Put(k, []byte(k+"!"))
		}
		_ = kv.Put("list/big", big)
		all, err := kv.List("list/", 0)
		if err != nil || len(all) != 4 || all[0].Key != "list/a" || string(all[0].Value) != "list/a!" || all[2].Key != "list/big" || !bytes.Equal(all[2].Value, big) {
			t.Errorf("List: %d entries %v", len(all), err)
		}
		two, err := kv.List("list/", 2)
		if err != nil || len(two) != 2 || two[1].Key != "list/b" {
			t.Errorf("List limit 2: %q %v", two, err)
		}
		if none, err := kv.List("zzz", 10); err != nil || len(none) != 0 {
			t.Errorf("List none: %q %v", none, err)
		}
		type doc struct {
			A int    `json:"a"`
			B string `json:"b"`
		}
		if err := kv.PutJSON("doc", doc{1, "x"}); err != nil {
			return err
		}
		var d doc
		if err := kv.GetJSON("doc", &d); err != nil || d != (doc{1, "x"}) {
			t.Errorf("GetJSON: %+v %v", d, err)
		}
		if err := kv.GetJSON("nodoc", &d); err != wasmio.ErrNotFound {
			t.Errorf("GetJSON missing: %v", err)
		}
		return s.Data().Put("mine", []byte("socket"))
	})
	ns := h.KV("/")
	if string(ns["n"]) != "-7" || string(ns["doc"]) != `{"a":1,"b":"x"}` || ns["pre"] != nil {
		t.Errorf("committed namespace store: %q", ns)
	}
	if string(h.SocketData("/", "socket1")["mine"]) != "socket" || h.SocketData("/", "other")["mine"] != nil {
		t.Error("socket scope")
	}
	h.Run(wasmiotest.Event{Name: "$disconnect"})
	if len(h.SocketData("/", "socket1")) != 0 {
		t.Error("socket data survived $disconnect")
	}
}

func TestHostServices(t *testing.T) {
	h := wasmiotest.NewHost()
	fixed := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	h.Now = func() time.Time { return fixed }
	res := run(t, h, wasmiotest.Event{Name: "svc"}, func(s *wasmio.Socket, e *wasmio.Event) error {
		if !wasmio.Now().Equal(fixed) {
			t.Errorf("Now() = %v", wasmio.Now())
		}
		if !e.Time().Equal(fixed.Truncate(time.Millisecond)) {
			t.Errorf("Time() = %v", e.Time())
		}
		a, b := wasmio.RandomBytes(32), wasmio.RandomBytes(32)
		if len(a) != 32 || bytes.Equal(a, b) || len(wasmio.RandomBytes(0)) != 0 {
			t.Error("RandomBytes")
		}
		wasmio.Log.Info("joined", "room", "lobby", "n", 2)
		wasmio.Log.Debug("d")
		wasmio.Log.Warn("w")
		wasmio.Log.Error("e", "err", errors.New("two words"))
		wasmio.Logf(wasmio.LevelWarn, "%d%%", 50)
		return nil
	})
	want := []wasmiotest.LogLine{
		{Level: 1, Msg: "joined room=lobby n=2"}, {Level: 0, Msg: "d"}, {Level: 2, Msg: "w"},
		{Level: 3, Msg: `e err="two words"`}, {Level: 2, Msg: "50%"},
	}
	if !reflect.DeepEqual(res.Logs, want) {
		t.Errorf("logs %q", res.Logs)
	}
}

// TestRelay checks RawArgs, which forwards arguments byte for byte.
func TestRelay(t *testing.T) {
	h := wasmiotest.NewHost()
	res := run(t, h, wasmiotest.Event{
		Name: "relay", WantsAck: true,
		Args: []any{wasmio.Raw(`{ "spaced" : [1, 2.50] }`), []byte("bin1"), "s", wasmio.Binary("bin2")},
	}, func(s *wasmio.Socket, e *wasmio.Event) error {
		if err := e.Ack(e.RawArgs()...); err != nil {
			return err
		}
		return s.Broadcast().Emit(e.Name(), e.RawArgs()...)
	})
	for _, eff := range res.Effects {
		if eff.Args != `[{ "spaced" : [1, 2.50] },{"_placeholder":true,"num":0},"s",{"_placeholder":true,"num":1}]` ||
			len(eff.Attachments) != 2 || string(eff.Attachments[0]) != "bin1" || string(eff.Attachments[1]) != "bin2" {
			t.Errorf("relayed %+v", eff)
		}
	}
	if len(res.Effects) != 2 {
		t.Error(res)
	}
}
