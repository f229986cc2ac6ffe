package host_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
)

// sdkEchoes are the SDKs' echo test modules, by toolchain.
var sdkEchoes = []struct {
	tc  guestbuild.Toolchain
	dir string
}{
	{guestbuild.Go, "../guest-sdk/go/testdata/echo"},
	{guestbuild.TinyGo, "../guest-sdk/go/testdata/echo"},
	{guestbuild.Rust, "../guest-sdk/rust/testdata/echo"},
}

// TestSDKEcho drives each SDK's echo module through the host with the real
// Socket.IO client: $connect, acks, binary echo, key-value increments, and
// failing events that change nothing.
func TestSDKEcho(t *testing.T) {
	for _, sdk := range sdkEchoes {
		t.Run(string(sdk.tc), func(t *testing.T) {
			dir := t.TempDir()
			mod := hosttest.Module(t, dir, "echo.wasm", sdk.tc, sdk.dir)
			r := start(t, &config.Config{Namespaces: []config.Namespace{{Path: "/sdk", Module: mod}}}, dir)
			d := nodetest.Start(t)
			c := d.Connect(r.URL+"/sdk", map[string]any{"transports": []string{"websocket"}})
			sid := c.Connected().Sid
			nsp := r.Host.Server().Namespace("/sdk")

			// Events of one socket run in order: once "hello" is acked, the
			// $connect handler's join has been applied.
			blob := nodetest.Bin{0, 1, 2, 0x1e, 0xfe, 0xff}
			var ack []rawJSON
			nodetest.Args(t, c.EmitAck("hello", map[string]any{"text": "é", "n": 1.5}, blob, "x"), &ack)
			if len(ack) != 3 || string(ack[0]) != `{"n":1.5,"text":"é"}` || string(ack[2]) != `"x"` {
				t.Fatalf("ack %s", ack)
			}
			var b nodetest.Bin
			nodetest.Args(t, []byte(ack[1]), &b)
			if !bytes.Equal(b, blob) {
				t.Fatalf("binary ack %v", b)
			}
			if m := nsp.RoomMembers("all"); !slices.Equal(m, []string{sid}) {
				t.Fatalf("room all: %v", m)
			}
			var echo []rawJSON
			nodetest.Args(t, c.Event("echo").Args, &echo)
			nodetest.Args(t, []byte(echo[1]), &b)
			if len(echo) != 3 || !bytes.Equal(b, blob) {
				t.Fatalf("echo %s", echo)
			}

			for want := 1; want <= 3; want++ {
				nodetest.JSONEq(t, c.EmitAck("kv"), "["+string(rune('0'+want))+"]")
			}
			// Failing handlers change nothing and the socket stays served.
			c.Emit("fail")
			c.Emit("boom")
			nodetest.JSONEq(t, c.EmitAck("after"), `[]`)
			c.Event("echo") // the echo of "after"
			if evs := c.Events(); len(evs) != 0 {
				t.Fatalf("a failed handler's emit arrived: %v", evs)
			}
		})
	}
}

// rawJSON keeps one raw JSON element of an argument array.
type rawJSON []byte

func (r *rawJSON) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}
