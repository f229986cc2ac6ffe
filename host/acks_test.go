package host_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/internal/units"
)

// errState is the Go SDK's text for ERR_STATE, as the probe reports it.
const errState = "wasmio: not allowed in this event"

// TestEmitWithAck drives the probe's emits with an ack through the host
// with the real client, over each transport: a client that answers (JSON
// and a Buffer), one that never answers, ones that disconnect before they
// answer (by themselves, or by a handler's disconnect), and an ask from
// $connect.
func TestEmitWithAck(t *testing.T) {
	dir := t.TempDir()
	mod := hosttest.Module(t, dir, "probe.wasm", guestbuild.Go, probeSrc)
	r := start(t, &config.Config{Namespaces: []config.Namespace{{Path: "/a", Module: mod}}}, dir)
	d := nodetest.Start(t)
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			connect := func(auth map[string]any) (*nodetest.Client, string) {
				c := d.Connect(r.URL+"/a", map[string]any{"transports": []string{transport}, "auth": auth})
				return c, c.Connected().Sid
			}
			ask := func(c *nodetest.Client, tag string, ms int) {
				t.Helper()
				nodetest.JSONEq(t, c.EmitAck("ask", tag, ms), `[null]`)
				if q := c.Event("question"); !q.Ack || string(q.Args) != `["`+tag+`"]` {
					t.Fatalf("question %v, ack requested: %v", q, q.Ack)
				}
			}

			c, sid := connect(nil)
			blob := nodetest.Bin{0, 1, 0xfe, 0xff}
			c.AutoAck("yes", blob)
			ask(c, "t1", 0)
			answered(t, c, "t1", "", `["yes",{"_placeholder":true,"num":0}]`, blob)

			// A client that never answers gets its $ack at the timeout.
			c.IgnoreAcks()
			ask(c, "t2", 200)
			answered(t, c, "t2", "timeout", "[]")
			waitLog(t, r, sid, `[{"ack":"t1","error":""},{"ack":"t2","error":"timeout"}]`)

			// A socket that disconnects first: $ack runs with
			// "disconnected", then $disconnect; neither can ask again.
			for _, byServer := range []bool{false, true} {
				c, sid := connect(nil)
				c.IgnoreAcks()
				ask(c, "t3", 60_000)
				reason := "client namespace disconnect"
				if byServer {
					c.Emit("kick") // the disconnect comes from the socket's own mailbox
					reason = "server namespace disconnect"
				} else {
					c.Disconnect()
				}
				c.Wait("disconnect", nil)
				waitLog(t, r, sid, `[{"ack":"t3","error":"disconnected","emitAck":"`+errState+`"},`+
					`{"disconnect":"`+reason+`","emitAck":"`+errState+`"}]`)
			}

			// $connect asks once the socket is connected; the driver answers
			// with no arguments.
			c, _ = connect(map[string]any{"ask": true})
			if q := c.Event("question"); !q.Ack {
				t.Fatalf("question %v without an ack", q)
			}
			answered(t, c, "connect-ask", "", "[]")
		})
	}
}

// answered waits for the probe's "answered" event and checks it.
func answered(t *testing.T, c *nodetest.Client, tag, reason, args string, atts ...nodetest.Bin) {
	t.Helper()
	var got []json.RawMessage
	nodetest.Args(t, c.Event("answered").Args, &got)
	if len(got) != 1+len(atts) {
		t.Fatalf("answered %s", got)
	}
	want, _ := json.Marshal(map[string]string{"tag": tag, "error": reason, "args": args})
	nodetest.JSONEq(t, got[0], string(want))
	for i, a := range atts {
		var b nodetest.Bin
		nodetest.Args(t, got[i+1], &b)
		if !bytes.Equal(b, a) {
			t.Fatalf("answer attachment %d: %v, want %v", i, b, a)
		}
	}
}

// waitLog waits until the probe's log of socket sid is the JSON want.
func waitLog(t *testing.T, r *hosttest.Running, sid, want string) {
	t.Helper()
	var got string
	waitFor(t, "the log "+want, func() bool {
		got = r.Get(t, "/a", "log/"+sid)
		return got != "" && sameJSONText(got, want)
	})
}

func sameJSONText(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// TestFailedAcks checks that a client awaiting the ack of an event whose
// handler traps, times out, breaks a limit or returns non-zero gets
// {"error":"handler failed"}, that an event with a reserved name gets
// {"error":"reserved event"}, and that a namespace with failed_ack =
// "silent" sends neither.
func TestFailedAcks(t *testing.T) {
	dir := t.TempDir()
	handlers := map[string]string{
		"trap":  watModule(t, dir, "trap"),
		"loop":  watModule(t, dir, "loop"),
		"storm": watModule(t, dir, "storm"),
		"fail":  watModule(t, dir, "fail"),
	}
	limits := config.Limits{Timeout: units.Duration(100 * time.Millisecond)}
	echo := watModule(t, dir, "echo")
	r := start(t, &config.Config{Namespaces: []config.Namespace{
		{Path: "/", Module: echo, Handlers: handlers, Limits: limits},
		{Path: "/silent", Module: echo, Handlers: handlers, Limits: limits, FailedAck: config.FailedAckSilent},
	}}, dir)
	d := nodetest.Start(t)
	failing := []string{"trap", "loop", "storm", "fail"}
	reserved := []string{"$connect", "$disconnect", "$default", "$ack"}
	for _, transport := range []string{"websocket", "polling"} {
		c := d.Connect(r.URL, map[string]any{"transports": []string{transport}})
		c.Connected()
		for _, ev := range failing {
			nodetest.JSONEq(t, c.EmitAck(ev), `[{"error":"handler failed"}]`)
		}
		for _, ev := range reserved {
			nodetest.JSONEq(t, c.EmitAck(ev, 1), `[{"error":"reserved event"}]`)
		}
		nodetest.JSONEq(t, c.EmitAck("after", 1), `[1]`) // still served
	}

	c := d.Connect(r.URL+"/silent", map[string]any{"transports": []string{"websocket"}})
	c.Connected()
	for _, ev := range append(failing, reserved...) {
		if reply, err := c.EmitAckTimeout(ev, 500*time.Millisecond); err == nil {
			t.Errorf("%s: the silent namespace answered %s", ev, reply)
		}
	}
	nodetest.JSONEq(t, c.EmitAck("after", 1), `[1]`)
}
