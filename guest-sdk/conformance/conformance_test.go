// Package conformance_test checks the guest SDKs on the real runtime. Each
// SDK has an sdkcheck module (guest-sdk/go/testdata/sdkcheck, built with Go
// and TinyGo, and guest-sdk/rust/testdata/sdkcheck) that exposes what the
// SDK does as events; the cases below drive them through the wasmiotest kit
// (the host's wazero sandbox and a bbolt store) and assert the recorded
// effects, acks, logs and key-value data exactly. Every build must behave
// the same, except where an SDK documents otherwise; those cases assert per
// build. The table of guest-sdk/README.md names, for each behaviour the
// SDKs share, the case that checks it.
//
// Both modules speak this protocol. Errors are reported by their ABI names
// ("ERR_STATE"), null for none; keys are in the namespace scope unless said.
//
//	$connect           by auth.mode: "reject" increments "rejections", rejects
//	                   with "not allowed" and {"code":42}, rejects again and
//	                   stores that error (JSON) in "reject-again";
//	                   "reject-plain" rejects with "no data" and no data;
//	                   "fail" writes "ghost" and fails; otherwise it stores
//	                   auth.name in the socket key "name"
//	$disconnect        stores {"reason", "name": socket key "name",
//	                   "emitAck": the error of an emit with an ack} (JSON) in
//	                   "disconnect/<socket id>"
//	$ack               emits "again" with an ack (tag "again", the default
//	                   timeout), then "ack-report" {name, tag, error: null,
//	                   "timeout" or "disconnected", args: the raw JSON text,
//	                   attachments (as text), wantsAck, again: its error};
//	                   fails after that when the tag starts with "fail"
//	socket             acks {id, namespace, eventNamespace, rooms}
//	event              reads [object, binary, string, binary, number, binary,
//	                   {"nested": placeholder}] and acks a report of the event
//	                   and its arguments, then the three binary arguments
//	ack                acks [{"ok":true}, binary "bin"], acks again, emits
//	                   "after" [first error, second error, binary "other"]
//	ack-empty          acks with no arguments
//	ack-again          acks [1], then ends with the result of acking [2]
//	return-ack         broadcasts "r", then ends with the result of acking
//	                   [{"ok":true}]
//	reply              replies [1], replies [2], refuses "late", then emits
//	                   "replied" with the three errors
//	refuse [message]   ends with the result of refusing with message
//	request            acks [whether the event has a request (its first
//	                   argument, an object), the request or null]
//	deep               acks [whether argument 0 can be read, the number of
//	                   arguments the SDK reads]
//	names [strings]    acks [JavaScript length, valid name of at most 4] for
//	                   each argument
//	registered-twice [mode]
//	                   is registered twice: the first emits "first" and
//	                   fails when mode is "fail", the second logs "second"
//	                   and emits "second"
//	emit-targets       emits to every kind of target, then "errors" with the
//	                   errors of seven invalid emits
//	emit-binary        emits binary arguments around a failed emit
//	rooms [ops]        runs "+room" (join), "-room" (leave), ["+", rooms...]
//	                   and ["-", rooms...] (join or leave them at once), "?"
//	                   (read the rooms) and "=room" (in room?) and acks their
//	                   results
//	handshake          acks the handshake as the SDK reads it
//	disconnect-socket [close]
//	                   rejects, disconnects (closing the connection or not),
//	                   disconnects the other way, emits "disconnect-result"
//	                   with the three errors
//	kv [scope, ops]    runs key-value operations in the "namespace" or
//	                   "socket" scope and acks an [error, value] pair for
//	                   each: ["get", k], ["put", k, v], ["delete", k],
//	                   ["incr", k, delta], ["cas", k, old, new] (null: absent),
//	                   ["list", prefix, limit], ["putjson", k, value],
//	                   ["getjson", k]
//	services           logs five lines, acks {now (clock, ns), time (the
//	                   event's, ms), random: [32, 32, equal, 0]}
//	emit-ack           emits with an ack: "lost" with a 1025-byte tag and a
//	                   binary "lost", then "question" [1, binary "b"] tagged
//	                   "t1" (default timeout), "quick" tagged "" (250 ms),
//	                   "max" with a 1024-byte tag (10 minutes); then emits
//	                   "emit-ack-errors" with the errors of the first and of
//	                   600001 ms, an empty event and the event "connect"
//	emit-ack-many [n, prefix]
//	                   emits n acks "many" tagged "<prefix>-<i>", stopping
//	                   at the first error, and acks [[emitted, error]]
//	fail [kind]        logs "failing kind=<kind>", emits "before", writes
//	                   "ghost", then fails: "error" returns an error, "host"
//	                   returns the ERR_NOT_INTEGER of an incr, "panic" panics
//	any other event    acks with its arguments when asked and broadcasts
//	                   itself with them, byte for byte; a second default
//	                   handler then emits "second-default" for the event
//	                   "default-twice"
package conformance_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/wasmiotest"
)

const (
	goCheck   = "../go/testdata/sdkcheck"
	rustCheck = "../rust/testdata/sdkcheck"
)

// build is one way to build an SDK's sdkcheck module.
type build struct {
	name string
	rust bool // the Rust SDK, else the Go SDK
	// wasi is set for a WASI module, whose output reaches the log (TinyGo
	// prints panics). Other modules must not import WASI.
	wasi bool
	// recovers is set when panics are recovered (wasmio_handle returns 2)
	// rather than trapping.
	recovers bool
	wasm     func(t testing.TB) []byte
}

var builds = []build{
	{name: "Go", wasi: true, recovers: true, wasm: kitBuild(wasmiotest.Go, goCheck)},
	{name: "TinyGo", wasi: true, wasm: kitBuild(wasmiotest.TinyGo, goCheck)},
	{name: "Rust", rust: true, wasm: kitBuild(wasmiotest.Rust, rustCheck)},
	// The Go SDK's other TinyGo targets: wasip1 with the default scheduler
	// (asyncify), and wasm-unknown.
	{name: "TinyGo-asyncify", wasi: true, wasm: tinygoBuild("-target=wasip1")},
	{name: "TinyGo-wasm-unknown", wasm: tinygoBuild("-target=wasm-unknown")},
}

func kitBuild(tc wasmiotest.Toolchain, dir string) func(testing.TB) []byte {
	return func(t testing.TB) []byte { return wasmiotest.Build(t, tc, dir) }
}

// tinygoBuild builds the Go sdkcheck module with TinyGo, with flags other
// than those of wasmiotest.Build (which are `wasmio build`'s).
func tinygoBuild(targetFlag string) func(testing.TB) []byte {
	return func(t testing.TB) []byte {
		t.Helper()
		if _, err := exec.LookPath("tinygo"); err != nil {
			t.Skip("TinyGo NOT TESTED: tinygo is not installed (scripts/deps.sh installs it)")
		}
		out := filepath.Join(t.TempDir(), "sdkcheck.wasm")
		cmd := exec.Command("tinygo", "build", targetFlag, "-buildmode=c-shared", "-no-debug", "-o", out, ".")
		cmd.Dir = goCheck
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, msg)
		}
		wasm, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return wasm
	}
}

// check is one build's module on a kit. The cases of a build share it
// (compiling a Go module takes seconds, a minute under the race detector),
// so each case connects its own sockets and uses its own keys.
type check struct {
	build
	k  *wasmiotest.Kit
	ns string
}

var cases = []struct {
	name string
	run  func(t *testing.T, c *check)
}{
	{"socket", testSocket},
	{"connect-and-disconnect", testConnectAndDisconnect},
	{"reject", testReject},
	{"dispatch", testDispatch},
	{"event", testEvent},
	{"ack", testAck},
	{"return-ack", testReturnAck},
	{"reply", testReply},
	{"request", testRequest},
	{"nesting", testNesting},
	{"names", testNames},
	{"relay", testRelay},
	{"emit-targets", testEmitTargets},
	{"emit-binary", testEmitBinary},
	{"rooms", testRooms},
	{"handshake", testHandshake},
	{"disconnect-socket", testDisconnectSocket},
	{"kv", testKV},
	{"services", testServices},
	{"failures", testFailures},
	{"emit-ack", testEmitAck},
	{"emit-ack-limits", testEmitAckLimits},
}

func TestConformance(t *testing.T) {
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) {
			wasm := b.wasm(t)
			// An import names its module in the binary: absent, it is not imported.
			if !b.wasi && bytes.Contains(wasm, []byte(abi.WASIModule)) {
				t.Fatal("the module imports WASI")
			}
			ns := "/" + strings.ToLower(b.name)
			c := &check{build: b, k: wasmiotest.New(t, wasm, &wasmiotest.Options{Namespace: ns}), ns: ns}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, c) })
			}
		})
	}
}

// TestNoHandler checks an event that no handler takes, with each SDK's echo
// module (guest-sdk/*/testdata/echo), which has a default handler and none
// for $disconnect: the default does not run, and the event succeeds.
func TestNoHandler(t *testing.T) {
	for _, b := range []struct {
		name string
		tc   wasmiotest.Toolchain
		dir  string
	}{
		{"TinyGo", wasmiotest.TinyGo, "../go/testdata/echo"},
		{"Rust", wasmiotest.Rust, "../rust/testdata/echo"},
	} {
		t.Run(b.name, func(t *testing.T) {
			k := wasmiotest.New(t, wasmiotest.Build(t, b.tc, b.dir), nil)
			s, res := k.Connect(wasmiotest.Handshake{})
			res.MustSucceed(t)
			sameEmits(t, s.Emit("other", 1).MustSucceed(t), emit("self", "echo", nil, nil, "[1]"))
			res = s.Disconnect("transport close").MustSucceed(t)
			if len(res.Emits) != 0 || res.Ack != nil || len(res.Joined)+len(res.Left) != 0 {
				t.Errorf("$disconnect without a handler did something: %+v", res)
			}
		})
	}
}

// connect connects a socket with auth and fails the test unless $connect
// succeeds.
func (c *check) connect(t *testing.T, auth any) *wasmiotest.Socket {
	t.Helper()
	s, res := c.k.Connect(wasmiotest.Handshake{Auth: auth})
	res.MustSucceed(t)
	return s
}

// returned checks that a run failed because wasmio_handle returned code.
func returned(t *testing.T, res *wasmiotest.Result, code int) {
	t.Helper()
	if !errors.Is(res.Err, sandbox.ErrHandler) || !strings.HasSuffix(res.Err.Error(), fmt.Sprintf(" returned %d", code)) {
		t.Errorf("got error %v, want wasmio_handle to return %d", res.Err, code)
	}
}

// render shows an emit: mode, event, targets, arguments, attachments, and
// for an emit with an ack its tag and timeout.
func render(e wasmiotest.Emit) string {
	s := fmt.Sprintf("%s %s to=%q except=%q %s %q", e.Mode, e.Event, e.To, e.Except, e.Args, e.Attachments)
	if e.WithAck {
		s += fmt.Sprintf(" ack=%q/%v", clip([]byte(e.AckTag)), e.AckTimeout)
	}
	return s
}

// emits renders a run's emits.
func emits(res *wasmiotest.Result) []string {
	out := []string{}
	for _, e := range res.Emits {
		out = append(out, render(e))
	}
	return out
}

func sameEmits(t *testing.T, res *wasmiotest.Result, want ...string) {
	t.Helper()
	if got := emits(res); !reflect.DeepEqual(got, append([]string{}, want...)) {
		t.Errorf("emits:\n got %q\nwant %q", got, want)
	}
}

// emit renders an expected emit.
func emit(mode, event string, to, except []string, args string, atts ...string) string {
	e := wasmiotest.Emit{Mode: mode, Event: event, To: to, Except: except, Args: json.RawMessage(args)}
	for _, a := range atts {
		e.Attachments = append(e.Attachments, []byte(a))
	}
	return render(e)
}

// emitAck renders an expected emit with an ack.
func emitAck(tag string, timeout time.Duration, event, args string, atts ...string) string {
	e := wasmiotest.Emit{Mode: "self", Event: event, Args: json.RawMessage(args), WithAck: true, AckTag: tag, AckTimeout: timeout}
	for _, a := range atts {
		e.Attachments = append(e.Attachments, []byte(a))
	}
	return render(e)
}

// sameAck checks an ack's JSON arguments (byte for byte) and attachments.
func sameAck(t *testing.T, res *wasmiotest.Result, args string, atts ...string) {
	t.Helper()
	if res.Ack == nil {
		t.Errorf("no ack, want %s", args)
		return
	}
	if string(res.Ack.Args) != args || len(res.Ack.Attachments) != len(atts) {
		t.Errorf("ack %s with %d attachments, want %s with %d", clip(res.Ack.Args), len(res.Ack.Attachments), clip([]byte(args)), len(atts))
		return
	}
	for i, a := range atts {
		if !bytes.Equal(res.Ack.Attachments[i], []byte(a)) {
			t.Errorf("ack attachment %d: %q, want %q", i, clip(res.Ack.Attachments[i]), clip([]byte(a)))
		}
	}
}

// ackArg returns argument i of a run's ack, failing the test if there is none.
func ackArg(t *testing.T, res *wasmiotest.Result, i int) json.RawMessage {
	t.Helper()
	res.MustSucceed(t)
	var v json.RawMessage
	res.Ack.Arg(t, i, &v)
	return v
}

// sameJSON checks that got is the JSON of want (a Go value, or JSON text
// when it is a string), object key order aside and numbers compared by text.
func sameJSON(t *testing.T, what string, got []byte, want any) {
	t.Helper()
	w, ok := want.(string)
	if !ok {
		b, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		w = string(b)
	}
	g, errG := decode([]byte(got))
	v, errW := decode([]byte(w))
	if errG != nil || errW != nil || !reflect.DeepEqual(g, v) {
		t.Errorf("%s:\n got %s\nwant %s", what, clip(got), clip([]byte(w)))
	}
}

func decode(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// clip shortens long values in failure messages.
func clip(b []byte) string {
	if len(b) > 300 {
		return fmt.Sprintf("%s…(%d bytes)", b[:300], len(b))
	}
	return string(b)
}

func testSocket(t *testing.T, c *check) {
	s := c.connect(t, nil)
	sameJSON(t, "socket", ackArg(t, s.EmitAck("socket"), 0),
		map[string]any{"id": s.ID(), "namespace": c.ns, "eventNamespace": c.ns, "rooms": []string{s.ID()}})
}

func testConnectAndDisconnect(t *testing.T, c *check) {
	s := c.connect(t, map[string]any{"name": "ada"})
	if v, ok := s.Get("name"); v != "ada" || !ok {
		t.Errorf("socket key name: %q, %v", v, ok)
	}
	s.Disconnect("ping timeout").MustSucceed(t)
	v, _ := c.k.Get("disconnect/" + s.ID())
	sameJSON(t, "$disconnect's record", []byte(v), map[string]any{"reason": "ping timeout", "name": "ada", "emitAck": "ERR_STATE"})
	if _, ok := s.Get("name"); ok {
		t.Error("the socket scope survived $disconnect")
	}
}

func testReject(t *testing.T, c *check) {
	_, res := c.k.Connect(wasmiotest.Handshake{Auth: map[string]any{"mode": "reject"}})
	if r := res.Rejection; res.Err != nil || r == nil || r.Message != "not allowed" || string(r.Data) != `{"code":42}` {
		t.Errorf("reject: error %v, rejection %+v", res.Err, r)
	}
	// Key-value writes of a rejecting $connect are kept.
	if v, _ := c.k.Get("rejections"); v != "1" {
		t.Errorf("rejections = %q", v)
	}
	// The host refuses a second rejection (ABI.md does not say so).
	if v, _ := c.k.Get("reject-again"); v != `"ERR_STATE"` {
		t.Errorf("rejecting twice: %s", v)
	}
	_, res = c.k.Connect(wasmiotest.Handshake{Auth: map[string]any{"mode": "reject-plain"}})
	if r := res.Rejection; res.Err != nil || r == nil || r.Message != "no data" || r.Data != nil {
		t.Errorf("reject without data: error %v, rejection %+v", res.Err, r)
	}
	_, res = c.k.Connect(wasmiotest.Handshake{Auth: map[string]any{"mode": "fail"}})
	returned(t, res, 1)
	if _, ok := c.k.Get("ghost"); ok {
		t.Error("a failed $connect's write was committed")
	}
}

func testDispatch(t *testing.T, c *check) {
	s := c.connect(t, nil)
	// The handlers of an event all run, in registration order.
	sameEmits(t, s.Emit("registered-twice").MustSucceed(t), emit("self", "first", nil, nil, "[]"), emit("self", "second", nil, nil, "[]"))
	sameLogs(t, c.ns, s.ID(), "INFO handler: second")
	// The first error stops them, and the event fails as a whole.
	failing := c.connect(t, nil)
	res := failing.Emit("registered-twice", "fail")
	returned(t, res, 1)
	if len(res.Emits) != 0 {
		t.Errorf("a failed run recorded emits %q", emits(res))
	}
	sameLogs(t, c.ns, failing.ID(), "ERROR handler: wasmio: registered-twice handler failed: first failed")
	// Other events go to the default handlers, in registration order. A
	// long name is read with a second event_get.
	long := strings.Repeat("n", 300)
	sameEmits(t, s.Emit(long, "x").MustSucceed(t), emit("broadcast", long, nil, nil, `["x"]`))
	res = s.EmitAck("anything").MustSucceed(t)
	sameAck(t, res, "[]")
	sameEmits(t, res, emit("broadcast", "anything", nil, nil, "[]"))
	sameEmits(t, s.Emit("default-twice").MustSucceed(t),
		emit("broadcast", "default-twice", nil, nil, "[]"), emit("self", "second-default", nil, nil, "[]"))
}

func testEvent(t *testing.T, c *check) {
	at := time.Date(2031, 2, 3, 4, 5, 6, 789_000_000, time.UTC)
	c.k.SetNow(at)
	s := c.connect(t, nil)
	big := strings.Repeat("x", 5000)
	bin1, bin3 := []byte{1, 2, 3}, bytes.Repeat([]byte{7}, 10000)
	res := s.EmitAck("event", map[string]any{"text": "hi", "room": "r"}, wasmiotest.Binary(bin1), big,
		wasmiotest.Binary(bin3), 42, wasmiotest.Binary{}, map[string]any{"nested": map[string]any{"_placeholder": true, "num": 1}})
	const ph = `{"_placeholder":true,"num":%d}`
	args := `[{"room":"r","text":"hi"},` + fmt.Sprintf(ph, 0) + `,"` + big + `",` + fmt.Sprintf(ph, 1) + `,42,` +
		fmt.Sprintf(ph, 2) + `,{"nested":` + fmt.Sprintf(ph, 1) + `}]`
	sameJSON(t, "event report", ackArg(t, res, 0), map[string]any{
		"name": "event", "namespace": c.ns, "time": at.UnixMilli(), "wantsAck": true, "reason": "",
		"numArgs": 7, "numAttachments": 3, "args": args,
		"text": "hi", "room": "r", "bigLen": 5000, "int": 42, "raw1": fmt.Sprintf(ph, 0),
		"arg0IsInt": false, "arg0IsBinary": false, "hasArg7": false, "hasAttachment3": false,
		"nestedLen": 10000, "attachmentLens": []int{3, 10000, 0},
	})
	var list []json.RawMessage
	if err := json.Unmarshal(res.Ack.Args, &list); err != nil || len(list) != 4 {
		t.Fatalf("ack %s: %v", clip(res.Ack.Args), err)
	}
	for i, want := range [][]byte{bin1, bin3, {}} {
		var got []byte
		res.Ack.Arg(t, i+1, &got)
		if string(list[i+1]) != fmt.Sprintf(ph, i) || !bytes.Equal(got, want) {
			t.Errorf("ack argument %d: %s = %q, want %q", i+1, list[i+1], clip(got), clip(want))
		}
	}
}

func testAck(t *testing.T, c *check) {
	s := c.connect(t, nil)
	res := s.EmitAck("ack").MustSucceed(t)
	sameAck(t, res, `[{"ok":true},{"_placeholder":true,"num":0}]`, "bin")
	sameEmits(t, res, emit("self", "after", nil, nil, `[null,"ERR_STATE",{"_placeholder":true,"num":0}]`, "other"))
	// Without an ack requested, both acks fail and their attachment is
	// dropped.
	res = s.Emit("ack").MustSucceed(t)
	if res.Ack != nil {
		t.Errorf("an unrequested ack was recorded: %s", res.Ack.Args)
	}
	sameEmits(t, res, emit("self", "after", nil, nil, `["ERR_STATE","ERR_STATE",{"_placeholder":true,"num":0}]`, "other"))
	sameAck(t, s.EmitAck("ack-empty").MustSucceed(t), "[]")
	// A second ack is ErrNoAck (Go) or Error::NoAck (Rust), like an
	// unrequested one: returned, it does not fail the event (Socket.IO
	// ignores a second call of the callback).
	sameAck(t, s.EmitAck("ack-again").MustSucceed(t), "[1]")
	if res := s.Emit("ack-again").MustSucceed(t); res.Ack != nil {
		t.Errorf("an unrequested ack was recorded: %s", res.Ack.Args)
	}
}

func testReturnAck(t *testing.T, c *check) {
	s := c.connect(t, nil)
	res := s.EmitAck("return-ack").MustSucceed(t)
	sameAck(t, res, `[{"ok":true}]`)
	sameEmits(t, res, emit("broadcast", "r", nil, nil, "[]"))
	// Acking when no ack was requested returns ErrNoAck (Go) or
	// Error::NoAck (Rust), which does not fail the event when returned.
	res = s.Emit("return-ack")
	res.MustSucceed(t)
	sameEmits(t, res, emit("broadcast", "r", nil, nil, "[]"))
	if res.Ack != nil {
		t.Errorf("an unrequested ack was recorded: %s", res.Ack.Args)
	}
}

func testReply(t *testing.T, c *check) {
	s := c.connect(t, nil)
	// Reply acks when an ack is due and is nil otherwise; Refuse replies.
	res := s.EmitAck("reply").MustSucceed(t)
	sameAck(t, res, "[1]")
	sameEmits(t, res, emit("self", "replied", nil, nil, "[null,null,null]"))
	res = s.Emit("reply").MustSucceed(t)
	if res.Ack != nil {
		t.Errorf("an unrequested reply was recorded: %s", res.Ack.Args)
	}
	sameEmits(t, res, emit("self", "replied", nil, nil, "[null,null,null]"))
	sameAck(t, s.EmitAck("refuse", `bad "room"`).MustSucceed(t), `[{"ok":false,"error":"bad \"room\""}]`)
	if res := s.Emit("refuse", "bad").MustSucceed(t); res.Ack != nil {
		t.Errorf("an unrequested refusal was recorded: %s", res.Ack.Args)
	}
}

func testRequest(t *testing.T, c *check) {
	s := c.connect(t, nil)
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{map[string]any{"room": "a", "n": 1}}, `[true,{"room":"a","n":1}]`},
		{[]any{map[string]any{}, "more"}, `[true,{}]`},
		{nil, `[false,null]`},
		{[]any{nil}, `[false,null]`},
		{[]any{[]any{1}}, `[false,null]`},
		{[]any{"room"}, `[false,null]`},
		{[]any{wasmiotest.Binary("b")}, `[true,{"_placeholder":true,"num":0}]`}, // a placeholder is an object
	} {
		sameJSON(t, fmt.Sprintf("request %v", tc.args), ackArg(t, s.EmitAck("request", tc.args...), 0), tc.want)
	}
}

// testNesting checks the SDKs' limit on nested arguments: 128 levels, the
// array of arguments included.
func testNesting(t *testing.T, c *check) {
	s := c.connect(t, nil)
	nest := func(n int) json.RawMessage {
		return json.RawMessage(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	sameJSON(t, "127 levels", ackArg(t, s.EmitAck("deep", nest(127), 1), 0), `[true,2]`)
	sameJSON(t, "128 levels", ackArg(t, s.EmitAck("deep", nest(128), 1), 0), `[false,0]`)
	deepObject := json.RawMessage(`{"a":` + string(nest(127)) + `}`)
	sameJSON(t, "128 levels in an object", ackArg(t, s.EmitAck("deep", 1, deepObject), 0), `[false,0]`)
	// Relaying such arguments does not read them.
	deep := nest(300)
	sameEmits(t, s.Emit("relay", deep).MustSucceed(t), emit("broadcast", "relay", nil, nil, "["+string(deep)+"]"))
}

func testNames(t *testing.T, c *check) {
	s := c.connect(t, nil)
	// (text, its JavaScript length, a valid name of at most 4 characters)
	cases := []struct {
		text  string
		len   int
		valid bool
	}{
		{"", 0, false},
		{"abcd", 4, true},
		{"abcde", 5, false},
		{"éééé", 4, true},
		{"😀😀", 4, true},
		{"😀😀a", 5, false},
		{"a b", 3, true},
		{"a\x00b", 3, false},
		{"a\tb", 3, false},
		{"a\x7fb", 3, false},
		{"a\u0085b", 3, false}, // C1 controls are controls
		{"a\u00a0b", 3, true},
	}
	args, want := make([]any, len(cases)), make([]any, len(cases))
	for i, tc := range cases {
		args[i], want[i] = tc.text, []any{tc.len, tc.valid}
	}
	sameJSON(t, "names", ackArg(t, s.EmitAck("names", args...), 0), want)
}

func testRelay(t *testing.T, c *check) {
	s := c.connect(t, nil)
	// Key order, number text, escapes and big integers survive.
	res := s.EmitAck("relay", json.RawMessage(`{"b":1,"a":1.50e3}`), wasmiotest.Binary("bin1"), "é\u2028<&>",
		json.RawMessage(`12345678901234567890`), wasmiotest.Binary("\x00\xff"), nil).MustSucceed(t)
	args := `[{"b":1,"a":1.50e3},{"_placeholder":true,"num":0},"é\u2028\u003c\u0026\u003e",12345678901234567890,{"_placeholder":true,"num":1},null]`
	sameAck(t, res, args, "bin1", "\x00\xff")
	sameEmits(t, res, emit("broadcast", "relay", nil, nil, args, "bin1", "\x00\xff"))
	sameEmits(t, s.Emit("relay", 1).MustSucceed(t), emit("broadcast", "relay", nil, nil, "[1]"))
	// A Buffer nested in an object keeps its placeholder and its bytes.
	nested := `[{"file":{"_placeholder":true,"num":0},"name":"a.bin"},[{"_placeholder":true,"num":1}]]`
	res = s.EmitAck("relay", wasmiotest.Payload{Args: json.RawMessage(nested), Attachments: [][]byte{[]byte("in object"), {0}}}).MustSucceed(t)
	sameAck(t, res, nested, "in object", "\x00")
	sameEmits(t, res, emit("broadcast", "relay", nil, nil, nested, "in object", "\x00"))
}

func testEmitTargets(t *testing.T, c *check) {
	s := c.connect(t, nil)
	none := []string(nil)
	invalid := `"ERR_INVALID"`
	sameEmits(t, s.Emit("emit-targets").MustSucceed(t),
		emit("self", "self", none, none, `["x",1]`),
		emit("broadcast", "all", none, none, "[]"),
		emit("broadcast", "chain", []string{"a", "b"}, []string{"c"}, "[]"),
		emit("broadcast", "reuse", []string{"a"}, none, "[]"),
		emit("broadcast", "except", none, []string{"x", "y"}, "[]"),
		emit("broadcast", "to-list", []string{"a", "b"}, none, "[]"),
		emit("namespace", "multi", []string{"p", "q"}, []string{"r", "s"}, "[]"),
		emit("namespace", "ns", none, none, "[null]"),
		emit("namespace", "nsto", []string{"a"}, []string{s.ID()}, "[]"),
		emit("namespace", "nsexcept", none, []string{"z"}, "[]"),
		emit("self", "errors", none, none, "["+strings.Repeat(invalid+",", 6)+invalid+"]"),
	)
}

func testEmitBinary(t *testing.T, c *check) {
	s := c.connect(t, nil)
	sameEmits(t, s.Emit("emit-binary").MustSucceed(t),
		emit("self", "bin", nil, nil, `[{"_placeholder":true,"num":0},{"k":2},{"_placeholder":true,"num":1}]`, "\x01", "two"),
		emit("self", "after-fail", nil, nil, `[{"_placeholder":true,"num":0}]`, "kept"),
		emit("self", "plain", nil, nil, `["ERR_INVALID"]`),
	)
}

func testRooms(t *testing.T, c *check) {
	s := c.connect(t, nil)
	id := s.ID()
	// The rooms are read last: joins and leaves come first.
	res := s.EmitAck("rooms", []string{"+a", "+b", "+a", "-b", "-" + id, "-nope", "+", "+a\x00b", "?"})
	sameJSON(t, "rooms", ackArg(t, res, 0),
		[]any{nil, nil, nil, nil, nil, nil, "ERR_INVALID", "ERR_INVALID", []string{id, "a"}})
	if !reflect.DeepEqual(res.Joined, []string{"a", "b", "a"}) || !reflect.DeepEqual(res.Left, []string{"b", id, "nope"}) {
		t.Errorf("joined %q, left %q", res.Joined, res.Left)
	}
	if !reflect.DeepEqual(s.Rooms(), []string{id, "a"}) {
		t.Errorf("rooms after the event: %q", s.Rooms())
	}
	// The next event starts in those rooms; now they are read first.
	res = s.EmitAck("rooms", []string{"?", "=a", "=c", "+c", "-a", "?", "=a", "=c", "=" + id})
	sameJSON(t, "rooms", ackArg(t, res, 0), []any{[]string{id, "a"}, true, false, nil, nil, []string{id, "c"}, false, true, true})
	// Several rooms at once, in order, stopping at the first invalid one.
	res = s.EmitAck("rooms", []any{[]string{"+", "x", "y"}, []string{"+", "z", "", "w"}, []string{"-", "x", "c"}, "?"})
	sameJSON(t, "rooms", ackArg(t, res, 0), []any{nil, "ERR_INVALID", nil, []string{id, "y", "z"}})
	if !reflect.DeepEqual(res.Joined, []string{"x", "y", "z"}) || !reflect.DeepEqual(res.Left, []string{"x", "c"}) {
		t.Errorf("joined %q, left %q", res.Joined, res.Left)
	}
	res = s.EmitAck("rooms", []any{[]string{"-", "y", "z"}, "?"})
	sameJSON(t, "rooms", ackArg(t, res, 0), []any{nil, []string{id}})
	sameJSON(t, "socket", ackArg(t, s.EmitAck("socket"), 0),
		map[string]any{"id": id, "namespace": c.ns, "eventNamespace": c.ns, "rooms": []string{id}})
}

func testHandshake(t *testing.T, c *check) {
	opened := time.Date(2032, 3, 4, 5, 6, 7, 0, time.UTC)
	c.k.SetNow(opened)
	auth := map[string]any{"username": "ann", "token": 5, "bio": strings.Repeat("b", 600)}
	s, res := c.k.Connect(wasmiotest.Handshake{Auth: auth, Address: "10.0.0.7",
		Headers: map[string]string{"User-Agent": "test", "X-Multi": "a, b"}, Query: map[string]string{"room": "lobby"}})
	res.MustSucceed(t)
	c.k.Advance(time.Minute)
	sameJSON(t, "handshake", ackArg(t, s.EmitAck("handshake"), 0), map[string]any{
		"headers": map[string]string{"user-agent": "test", "x-multi": "a, b"}, "userAgent": "test", "multi": "a, b",
		"missing": "", "query": map[string]string{"room": "lobby"}, "queryRoom": "lobby",
		"auth": auth, "authName": "ann", "claims": nil, "hasClaims": false, "claimsSub": "",
		"address": "10.0.0.7", "time": opened.UnixMilli(),
	})
	s, res = c.k.Connect(wasmiotest.Handshake{Claims: map[string]any{"sub": "u1"}})
	res.MustSucceed(t)
	sameJSON(t, "handshake with claims", ackArg(t, s.EmitAck("handshake"), 0), map[string]any{
		"headers": map[string]string{}, "userAgent": "", "multi": "", "missing": "", "query": map[string]string{},
		"queryRoom": "", "auth": map[string]any{}, "authName": "", "claims": map[string]string{"sub": "u1"},
		"hasClaims": true, "claimsSub": "u1", "address": "127.0.0.1", "time": c.k.Now().UnixMilli(),
	})
}

func testDisconnectSocket(t *testing.T, c *check) {
	s := c.connect(t, nil)
	for _, closeConn := range []bool{false, true} {
		res := s.Emit("disconnect-socket", closeConn).MustSucceed(t)
		if !res.Disconnected || res.CloseConn != closeConn {
			t.Errorf("close %v: disconnected %v, close %v", closeConn, res.Disconnected, res.CloseConn)
		}
		// Rejecting outside $connect fails; so does disconnecting twice
		// (ABI.md does not say so).
		sameEmits(t, res, emit("self", "disconnect-result", nil, nil, `["ERR_STATE",null,"ERR_STATE"]`))
	}
}

// kvOp is one operation of a kv script and its expected [error, value].
type kvOp struct{ op, want []any }

func ok(v any) []any         { return []any{nil, v} }
func fails(err string) []any { return []any{err, nil} }

var done = ok(nil)

// runKV runs a kv script on s and checks its results.
func runKV(t *testing.T, s *wasmiotest.Socket, scope string, script ...kvOp) {
	t.Helper()
	ops, want := make([]any, len(script)), make([]any, len(script))
	for i, o := range script {
		ops[i], want[i] = o.op, o.want
	}
	sameJSON(t, "kv results", ackArg(t, s.EmitAck("kv", scope, ops), 0), want)
}

func testKV(t *testing.T, c *check) {
	s1, s2 := c.connect(t, nil), c.connect(t, nil)
	big := strings.Repeat("v", 5000) // longer than the SDKs' first buffers
	doc := map[string]any{"a": 1, "b": "x"}
	runKV(t, s1, "namespace",
		kvOp{[]any{"get", "name"}, fails("ERR_NOT_FOUND")},
		kvOp{[]any{"put", "name", "ada"}, done},
		kvOp{[]any{"get", "name"}, ok("ada")},
		kvOp{[]any{"put", "empty", ""}, done},
		kvOp{[]any{"get", "empty"}, ok("")},
		kvOp{[]any{"delete", "empty"}, done},
		kvOp{[]any{"get", "empty"}, fails("ERR_NOT_FOUND")},
		kvOp{[]any{"delete", "never"}, done},
		kvOp{[]any{"put", "big", big}, done},
		kvOp{[]any{"get", "big"}, ok(big)},
		kvOp{[]any{"putjson", "doc", doc}, done},
		kvOp{[]any{"getjson", "doc"}, ok(doc)},
		kvOp{[]any{"getjson", "nodoc"}, fails("ERR_NOT_FOUND")},
	)
	for key, want := range map[string]string{"name": "ada", "big": big, "doc": `{"a":1,"b":"x"}`} {
		if v, _ := c.k.Get(key); v != want {
			t.Errorf("committed %s = %q, want %q", key, clip([]byte(v)), clip([]byte(want)))
		}
	}

	// The socket scope is the socket's own.
	runKV(t, s1, "socket",
		kvOp{[]any{"put", "name", "socket"}, done},
		kvOp{[]any{"get", "name"}, ok("socket")},
		kvOp{[]any{"list", "", 0}, ok([]any{[]string{"name", "socket"}})},
	)
	runKV(t, s1, "namespace", kvOp{[]any{"get", "name"}, ok("ada")})
	runKV(t, s2, "socket", kvOp{[]any{"get", "name"}, ok("")}) // stored by its $connect
	if v, _ := s1.Get("name"); v != "socket" {
		t.Errorf("socket key name = %q", v)
	}

	k1024, k1025 := strings.Repeat("k", 1024), strings.Repeat("k", 1025)
	maxValue := strings.Repeat("m", 64<<10)
	runKV(t, s1, "namespace",
		kvOp{[]any{"put", "", "x"}, fails("ERR_INVALID")},
		kvOp{[]any{"get", ""}, fails("ERR_INVALID")},
		kvOp{[]any{"put", k1024, "v"}, done},
		kvOp{[]any{"get", k1024}, ok("v")},
		kvOp{[]any{"put", k1025, "v"}, fails("ERR_TOO_LARGE")},
		kvOp{[]any{"get", k1025}, fails("ERR_TOO_LARGE")},
		kvOp{[]any{"list", k1025, 0}, fails("ERR_TOO_LARGE")},
		kvOp{[]any{"put", "limits/max", maxValue}, done},
		kvOp{[]any{"get", "limits/max"}, ok(maxValue)},
		kvOp{[]any{"put", "limits/over", maxValue + "m"}, fails("ERR_TOO_LARGE")},
		kvOp{[]any{"cas", "limits/over", nil, maxValue + "m"}, fails("ERR_TOO_LARGE")},
	)

	runKV(t, s1, "namespace",
		kvOp{[]any{"incr", "incr/n", 1}, ok(1)},
		kvOp{[]any{"incr", "incr/n", 1}, ok(2)},
		kvOp{[]any{"incr", "incr/n", 1}, ok(3)},
		kvOp{[]any{"incr", "incr/n", -10}, ok(-7)},
		kvOp{[]any{"get", "incr/n"}, ok("-7")},
		kvOp{[]any{"incr", "incr/zero", 0}, ok(0)},
		kvOp{[]any{"put", "incr/text", "abc"}, done},
		kvOp{[]any{"incr", "incr/text", 1}, fails("ERR_NOT_INTEGER")},
		kvOp{[]any{"put", "incr/max", "9223372036854775807"}, done},
		kvOp{[]any{"incr", "incr/max", 1}, fails("ERR_OVERFLOW")},
		kvOp{[]any{"put", "incr/min", "-9223372036854775808"}, done},
		kvOp{[]any{"incr", "incr/min", -1}, fails("ERR_OVERFLOW")},
	)

	// Compare-and-swap tells an absent key (null) from an empty value ("").
	runKV(t, s1, "namespace",
		kvOp{[]any{"cas", "cas/k", "", "a"}, ok(false)},
		kvOp{[]any{"cas", "cas/k", nil, ""}, ok(true)},
		kvOp{[]any{"cas", "cas/k", nil, "b"}, ok(false)},
		kvOp{[]any{"cas", "cas/k", "", "b"}, ok(true)},
		kvOp{[]any{"cas", "cas/k", "x", "c"}, ok(false)},
		kvOp{[]any{"cas", "cas/k", "b", nil}, ok(true)},
		kvOp{[]any{"cas", "cas/k", "b", nil}, ok(false)},
		kvOp{[]any{"cas", "cas/k", nil, nil}, ok(true)},
		kvOp{[]any{"get", "cas/k"}, fails("ERR_NOT_FOUND")},
		kvOp{[]any{"cas", "cas/kept", nil, "1"}, ok(true)},
	)
	if v, ok := c.k.Get("cas/kept"); v != "1" || !ok {
		t.Errorf("committed cas/kept = %q, %v", v, ok)
	}

	entry := func(k, v string) []string { return []string{k, v} }
	runKV(t, s1, "namespace",
		kvOp{[]any{"put", "list/b", "b!"}, done},
		kvOp{[]any{"put", "list/a", "a!"}, done},
		kvOp{[]any{"put", "list/c", "c!"}, done},
		kvOp{[]any{"put", "lisz", "z!"}, done},
		kvOp{[]any{"put", "list/big", big}, done},
		kvOp{[]any{"list", "list/", 0}, ok([]any{entry("list/a", "a!"), entry("list/b", "b!"), entry("list/big", big), entry("list/c", "c!")})},
		kvOp{[]any{"list", "list/", 2}, ok([]any{entry("list/a", "a!"), entry("list/b", "b!")})},
		kvOp{[]any{"list", "zzz", 10}, ok([]any{})},
		kvOp{[]any{"delete", "list/a"}, done},
		kvOp{[]any{"list", "list/", 1}, ok([]any{entry("list/b", "b!")})},
	)
	// A later event lists the committed entries.
	runKV(t, s2, "namespace",
		kvOp{[]any{"list", "list/", 0}, ok([]any{entry("list/b", "b!"), entry("list/big", big), entry("list/c", "c!")})})
}

func testServices(t *testing.T, c *check) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	c.k.SetNow(at)
	s := c.connect(t, nil)
	sameJSON(t, "services", ackArg(t, s.EmitAck("services"), 0),
		map[string]any{"now": at.UnixNano(), "time": at.UnixMilli(), "random": []any{32, 32, false, 0}})
	sameLogs(t, c.ns, s.ID(), "INFO handler: joined room=lobby n=2", "DEBUG handler: d", "WARN handler: w",
		`ERROR handler: e err="two words"`, "WARN handler: 50%")
}

func testFailures(t *testing.T, c *check) {
	s := c.connect(t, nil)
	var want []string
	for _, kind := range []string{"error", "host", "panic"} {
		res := s.Emit("fail", kind)
		want = append(want, "WARN handler: failing kind="+kind)
		switch {
		case kind == "error":
			returned(t, res, 1)
			want = append(want, "ERROR handler: wasmio: fail handler failed: fail requested")
		case kind == "host" && c.rust: // both return the ABI code; the texts are each SDK's
			returned(t, res, -5)
			want = append(want, "ERROR handler: wasmio: fail handler failed: ERR_NOT_INTEGER: value is not a decimal integer")
		case kind == "host":
			returned(t, res, -5)
			want = append(want, "ERROR handler: wasmio: fail handler failed: wasmio: value is not an integer")
		case c.recovers:
			returned(t, res, 2)
			want = append(want, "ERROR handler: wasmio: fail handler panicked: panic requested")
		default:
			if !errors.Is(res.Err, sandbox.ErrTrap) {
				t.Errorf("panic: got error %v, want a trap", res.Err)
			}
			if c.wasi {
				want = append(want, "INFO wasi: panic: panic requested")
			}
		}
		if len(res.Emits) != 0 {
			t.Errorf("%s: a failed run recorded emits %q", kind, emits(res))
		}
	}
	// Nothing took effect, but the log lines were written.
	if _, ok := c.k.Get("ghost"); ok {
		t.Error("a failed run's write was committed")
	}
	if _, ok := s.Get("text"); ok {
		t.Error("a failed run's socket write was committed")
	}
	sameLogs(t, c.ns, s.ID(), want...)
	s.EmitAck("socket").MustSucceed(t) // the socket is still served
}

// ackReport checks a $ack run: it emitted "again" with an ack (unless want
// has an "again" error) and then the report want, with {name: "$ack",
// wantsAck: false}.
func ackReport(t *testing.T, res *wasmiotest.Result, want map[string]any) {
	t.Helper()
	res.MustSucceed(t)
	want["name"], want["wantsAck"] = "$ack", false
	again := []string{}
	if want["again"] == nil {
		want["again"] = nil
		again = append(again, emitAck("again", 10*time.Second, "again", "[]"))
	}
	if len(res.Emits) != len(again)+1 {
		t.Fatalf("emits %q", emits(res))
	}
	if got := emits(res)[:len(again)]; !reflect.DeepEqual(got, again) {
		t.Errorf("emits %q, want %q first", got, again)
	}
	report := res.Emits[len(again)]
	if report.Event != "ack-report" || report.WithAck {
		t.Fatalf("emit %s", report)
	}
	var v json.RawMessage
	report.Arg(t, 0, &v)
	sameJSON(t, "ack report", v, want)
}

func testEmitAck(t *testing.T, c *check) {
	s := c.connect(t, nil)
	long := strings.Repeat("t", 1024)
	sameEmits(t, s.Emit("emit-ack").MustSucceed(t),
		emitAck("t1", 10*time.Second, "question", `[1,{"_placeholder":true,"num":0}]`, "b"),
		emitAck("", 250*time.Millisecond, "quick", "[]"),
		emitAck(long, 10*time.Minute, "max", "[]"),
		emit("self", "emit-ack-errors", nil, nil, `["ERR_TOO_LARGE","ERR_INVALID","ERR_INVALID","ERR_INVALID"]`),
	)
	acks := s.PendingAcks()
	if len(acks) != 3 {
		t.Fatalf("pending acks %v", acks)
	}
	// The client answers the first with JSON and a Buffer...
	ackReport(t, s.AnswerAck(acks[0], map[string]any{"ok": true}, wasmiotest.Binary("yes")), map[string]any{
		"tag": "t1", "error": nil, "args": `[{"ok":true},{"_placeholder":true,"num":0}]`, "attachments": []string{"yes"}})
	// ...and never answers the second.
	ackReport(t, s.ExpireAck(acks[1]), map[string]any{"tag": "", "error": "timeout", "args": "[]", "attachments": []string{}})
	// The third and the two "again" end with the disconnect, in emission
	// order, before $disconnect; no answer can come to their own emits.
	res := s.Disconnect("transport close").MustSucceed(t)
	if len(res.AckRuns) != 3 {
		t.Fatalf("%d $ack runs before $disconnect, want 3", len(res.AckRuns))
	}
	for i, tag := range []string{long, "again", "again"} {
		ackReport(t, res.AckRuns[i], map[string]any{"tag": tag, "error": "disconnected", "args": "[]",
			"attachments": []string{}, "again": "ERR_STATE"})
	}
	v, _ := c.k.Get("disconnect/" + s.ID())
	sameJSON(t, "$disconnect's record", []byte(v), map[string]any{"reason": "transport close", "name": "", "emitAck": "ERR_STATE"})
}

func testEmitAckLimits(t *testing.T, c *check) {
	s := c.connect(t, nil)
	// A socket awaits at most 1024 acks, across runs.
	sameJSON(t, "emit-ack-many", ackArg(t, s.EmitAck("emit-ack-many", 600, "many"), 0), []any{600, nil})
	sameJSON(t, "emit-ack-many", ackArg(t, s.EmitAck("emit-ack-many", 600, "many"), 0), []any{abi.MaxPendingAcks - 600, "ERR_STATE"})
	acks := s.PendingAcks()
	if len(acks) != abi.MaxPendingAcks || acks[0].AckTag != "many-0" || acks[len(acks)-1].AckTag != "many-423" {
		t.Fatalf("%d pending acks, from %s to %s", len(acks), acks[0], acks[len(acks)-1])
	}
	// An answer frees a place, which its $ack takes again.
	ackReport(t, s.AnswerAck(acks[0], 1), map[string]any{"tag": "many-0", "error": nil, "args": "[1]", "attachments": []string{}})
	sameJSON(t, "emit-ack-many", ackArg(t, s.EmitAck("emit-ack-many", 1, "many"), 0), []any{0, "ERR_STATE"})

	// A failed $ack changes nothing: its emit with an ack is not pending.
	s2 := c.connect(t, nil)
	sameJSON(t, "emit-ack-many", ackArg(t, s2.EmitAck("emit-ack-many", 1, "fail"), 0), []any{1, nil})
	res := s2.AnswerAck(s2.PendingAcks()[0])
	returned(t, res, 1)
	if len(res.Emits) != 0 || len(s2.PendingAcks()) != 0 {
		t.Errorf("a failed $ack took effect: emits %q, pending %v", emits(res), s2.PendingAcks())
	}
}
