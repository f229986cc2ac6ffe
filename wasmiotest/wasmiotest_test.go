package wasmiotest_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/wasmiotest"
)

func TestRustEcho(t *testing.T) {
	k := wasmiotest.New(t, wasmiotest.Build(t, wasmiotest.Rust, "../guest-sdk/rust/testdata/echo"), &wasmiotest.Options{Namespace: "/e"})
	s, res := k.Connect(wasmiotest.Handshake{})
	res.MustSucceed(t)
	if !s.InRoom("all") || len(res.Joined) != 1 {
		t.Fatalf("rooms %v, joined %v", s.Rooms(), res.Joined)
	}
	res = s.EmitAck("hello", "x", wasmiotest.Binary{1, 2, 3}).MustSucceed(t)
	var text string
	var blob []byte
	res.Ack.Arg(t, 0, &text)
	res.Ack.Arg(t, 1, &blob)
	if text != "x" || !bytes.Equal(blob, []byte{1, 2, 3}) {
		t.Fatalf("ack %q %v", text, blob)
	}
	echo := res.Emitted("echo")
	if len(echo) != 1 || echo[0].Mode != "self" {
		t.Fatalf("emits %v", res.Emits)
	}
	for want := int64(1); want <= 2; want++ {
		var n int64
		s.EmitAck("kv").MustSucceed(t).Ack.Arg(t, 0, &n)
		if n != want {
			t.Fatalf("counter %d, want %d", n, want)
		}
	}
	if v, _ := k.Get("counter"); v != "2" {
		t.Fatalf("stored counter %q", v)
	}
	// A failing handler changes nothing.
	if res := s.Emit("fail"); !errors.Is(res.Err, sandbox.ErrHandler) || len(res.Emits) != 0 {
		t.Fatalf("fail: %+v", res)
	}
}

func TestProbe(t *testing.T) {
	k := wasmiotest.New(t, wasmiotest.Build(t, wasmiotest.Go, "../guest-sdk/go/testdata/probe"), nil)
	start := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	k.SetNow(start)
	s, res := k.Connect(wasmiotest.Handshake{Auth: map[string]any{"name": "ada"}, Claims: map[string]any{"sub": "ada"},
		Query: map[string]string{"room": "x"}, Address: "10.0.0.7"})
	res.MustSucceed(t)
	if v, _ := s.Get("name"); v != "ada" {
		t.Fatalf("socket scope name %q", v)
	}
	var who struct {
		ID      string
		Rooms   []string
		Claims  map[string]string
		Address string
		Query   map[string]string
		Name    string
	}
	s.EmitAck("whoami").MustSucceed(t).Ack.Arg(t, 0, &who)
	if who.ID != s.ID() || who.Claims["sub"] != "ada" || who.Address != "10.0.0.7" || who.Query["room"] != "x" || who.Name != "ada" {
		t.Fatalf("whoami %+v", who)
	}
	// The clock is the test's.
	k.Advance(time.Hour)
	res = s.EmitAck("now").MustSucceed(t)
	var evMs, clockMs int64
	res.Ack.Arg(t, 0, &evMs)
	res.Ack.Arg(t, 1, &clockMs)
	if want := start.Add(time.Hour).UnixMilli(); evMs != want || clockMs != want {
		t.Fatalf("times %d %d, want %d", evMs, clockMs, want)
	}
	// Joins apply to later events' rooms.
	s.EmitAck("join", "lobby").MustSucceed(t)
	if !s.InRoom("lobby") {
		t.Fatal("not in lobby")
	}
	// A rejected connection.
	_, res = k.Connect(wasmiotest.Handshake{Auth: map[string]any{"reject": true}})
	if res.Rejection == nil || res.Rejection.Message != "go away" {
		t.Fatalf("rejection %+v", res.Rejection)
	}
	// The socket scope is dropped after $disconnect.
	s.Disconnect("").MustSucceed(t)
	if _, ok := s.Get("name"); ok {
		t.Fatal("the socket scope survived the disconnect")
	}
}
