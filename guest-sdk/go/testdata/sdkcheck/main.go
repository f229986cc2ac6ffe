// Command sdkcheck is the Go SDK's module for the SDK conformance suite,
// guest-sdk/conformance: it exposes what the SDK does as events, so that
// the suite can drive it through the real runtime. The Rust SDK's
// guest-sdk/rust/testdata/sdkcheck speaks the same event protocol, which
// guest-sdk/conformance/conformance_test.go describes.
//
// Errors are reported by their ABI names ("ERR_STATE"), null for none.
package main

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

func init() {
	wasmio.OnConnect(connect)
	wasmio.OnDisconnect(disconnected)
	wasmio.On("socket", func(s *wasmio.Socket, e *wasmio.Event) error {
		return e.Ack(map[string]any{"id": s.ID(), "namespace": s.Namespace().Name(),
			"eventNamespace": e.Namespace(), "rooms": s.Rooms()})
	})
	wasmio.On("event", eventInfo)
	wasmio.On("ack", ack)
	wasmio.On("ack-empty", func(s *wasmio.Socket, e *wasmio.Event) error { return e.Ack() })
	wasmio.On("return-ack", func(s *wasmio.Socket, e *wasmio.Event) error {
		if err := s.Broadcast().Emit("r"); err != nil {
			return err
		}
		return e.Ack(map[string]any{"ok": true})
	})
	wasmio.On("ack-again", func(s *wasmio.Socket, e *wasmio.Event) error {
		if err := e.Ack(1); err != nil {
			return err
		}
		return e.Ack(2)
	})
	wasmio.On("reply", func(s *wasmio.Socket, e *wasmio.Event) error {
		first, second, refused := e.Reply(1), e.Reply(2), e.Refuse("late")
		return s.Emit("replied", errName(first), errName(second), errName(refused))
	})
	wasmio.On("refuse", func(s *wasmio.Socket, e *wasmio.Event) error {
		var message string
		if err := e.Arg(0, &message); err != nil {
			return err
		}
		return e.Refuse(message)
	})
	wasmio.On("request", func(s *wasmio.Socket, e *wasmio.Event) error {
		var req any
		if e.Request(&req) != nil {
			return e.Ack([]any{false, nil})
		}
		return e.Ack([]any{true, req})
	})
	wasmio.On("deep", func(s *wasmio.Socket, e *wasmio.Event) error {
		return e.Ack([]any{e.Arg(0, new(wasmio.Raw)) == nil, e.NumArgs()})
	})
	wasmio.On("names", names)
	// Both handlers run, in registration order.
	wasmio.On("registered-twice", func(s *wasmio.Socket, e *wasmio.Event) error {
		if err := s.Emit("first"); err != nil {
			return err
		}
		var mode string
		_ = e.Arg(0, &mode) // none: do not fail
		if mode == "fail" {
			return errors.New("first failed")
		}
		return nil
	})
	wasmio.On("registered-twice", func(s *wasmio.Socket, e *wasmio.Event) error {
		wasmio.Log.Info("second")
		return s.Emit("second")
	})
	wasmio.On("emit-targets", emitTargets)
	wasmio.On("emit-binary", emitBinary)
	wasmio.On("rooms", rooms)
	wasmio.On("handshake", handshake)
	wasmio.On("disconnect-socket", disconnectSocket)
	wasmio.On("kv", kvScript)
	wasmio.On("services", services)
	wasmio.On("fail", fail)
	wasmio.On("emit-ack", emitAck)
	wasmio.On("emit-ack-many", emitAckMany)
	wasmio.OnAck(ackReport)
	wasmio.OnDefault(relay)
	wasmio.OnDefault(func(s *wasmio.Socket, e *wasmio.Event) error {
		if e.Name() == "default-twice" {
			return s.Emit("second-default")
		}
		return nil
	})
}

func main() {}

var errNames = []struct {
	err  error
	name string
}{
	{wasmio.ErrInvalid, "ERR_INVALID"},
	{wasmio.ErrNotFound, "ERR_NOT_FOUND"},
	{wasmio.ErrTooLarge, "ERR_TOO_LARGE"},
	{wasmio.ErrState, "ERR_STATE"},
	{wasmio.ErrNotInteger, "ERR_NOT_INTEGER"},
	{wasmio.ErrOverflow, "ERR_OVERFLOW"},
	{wasmio.ErrStorage, "ERR_STORAGE"},
}

// errName names err by its ABI error code (its message if it has none);
// nil for no error.
func errName(err error) any {
	if err == nil {
		return nil
	}
	for _, e := range errNames {
		if errors.Is(err, e.err) {
			return e.name
		}
	}
	return err.Error()
}

// connect acts on auth.mode: "reject", "reject-plain", "fail", or anything
// else to accept the socket and keep auth.name in its scope.
func connect(s *wasmio.Socket, e *wasmio.Event) error {
	var auth struct {
		Mode string `json:"mode"`
		Name string `json:"name"`
	}
	if err := s.Handshake().Auth(&auth); err != nil {
		return err
	}
	kv := s.Namespace().KV()
	switch auth.Mode {
	case "reject":
		if _, err := kv.Incr("rejections", 1); err != nil {
			return err
		}
		if err := s.Reject("not allowed", map[string]any{"code": 42}); err != nil {
			return err
		}
		return kv.PutJSON("reject-again", errName(s.Reject("again", nil)))
	case "reject-plain":
		return s.Reject("no data", nil)
	case "fail":
		if err := kv.Put("ghost", []byte("boo")); err != nil {
			return err
		}
		return errors.New("connect failed on request")
	}
	return s.Data().Put("name", []byte(auth.Name))
}

// disconnected records the reason and the socket's name in the namespace
// key "disconnect/<id>".
func disconnected(s *wasmio.Socket, e *wasmio.Event) error {
	var name any
	v, err := s.Data().Get("name")
	switch {
	case err == nil:
		name = string(v)
	case !errors.Is(err, wasmio.ErrNotFound):
		return err
	}
	return s.Namespace().KV().PutJSON("disconnect/"+s.ID(), map[string]any{"reason": e.Reason(), "name": name,
		"emitAck": errName(s.EmitWithAck("late", 0, "late"))})
}

// eventInfo reads the arguments [object, binary, string, binary, number,
// binary, {"nested": placeholder}] and acks a report with the three binary
// arguments.
func eventInfo(s *wasmio.Socket, e *wasmio.Event) error {
	var (
		msg struct {
			Text string `json:"text"`
			Room string `json:"room"`
		}
		bin, empty []byte
		big        string
		blob       wasmio.Binary
		n, x       int
		raw        wasmio.Raw
		nested     struct {
			Nested struct {
				Num int `json:"num"`
			} `json:"nested"`
		}
	)
	for i, v := range []any{&msg, &bin, &big, &blob, &n, &empty, &nested} {
		if err := e.Arg(i, v); err != nil {
			return err
		}
	}
	if err := e.Arg(1, &raw); err != nil {
		return err
	}
	var lens []any
	for _, a := range e.Attachments() {
		lens = append(lens, len(a))
	}
	return e.Ack(map[string]any{
		"name": e.Name(), "namespace": e.Namespace(), "time": e.Time().UnixMilli(),
		"wantsAck": e.WantsAck(), "reason": e.Reason(),
		"numArgs": e.NumArgs(), "numAttachments": e.NumAttachments(), "args": string(e.Args()),
		"text": msg.Text, "room": msg.Room, "bigLen": len(big), "int": n, "raw1": string(raw),
		"arg0IsInt":      e.Arg(0, &x) == nil,
		"arg0IsBinary":   e.Arg(0, new([]byte)) == nil,
		"hasArg7":        e.Arg(7, &x) == nil,
		"hasAttachment3": e.Attachment(3) != nil,
		"nestedLen":      len(e.Attachment(nested.Nested.Num)),
		"attachmentLens": lens,
	}, bin, blob, wasmio.Binary(empty))
}

// ack acks twice, then emits "after" with both results and a binary.
func ack(s *wasmio.Socket, e *wasmio.Event) error {
	first := e.Ack(map[string]any{"ok": true}, wasmio.Binary("bin"))
	second := e.Ack(1)
	return s.Emit("after", errName(first), errName(second), wasmio.Binary("other"))
}

func emitTargets(s *wasmio.Socket, e *wasmio.Event) error {
	base := s.To("a")
	for _, err := range []error{
		s.Emit("self", "x", 1),
		s.Broadcast().Emit("all"),
		base.To("b").Except("c").Emit("chain"),
		base.Emit("reuse"), // the chain above did not change base
		s.Except("x", "y").Emit("except"),
		s.To("a", "b").Emit("to-list"),
		s.Namespace().To("p", "q").Except("r", "s").Emit("multi"),
		s.Namespace().Emit("ns", nil),
		s.Namespace().To("a").Except(s.ID()).Emit("nsto"),
		s.Namespace().Except("z").Emit("nsexcept"),
	} {
		if err != nil {
			return err
		}
	}
	return s.Emit("errors",
		errName(s.To("").Emit("bad")),
		errName(s.To("a\x00b").Emit("bad")),
		errName(s.Except("").Emit("bad")),
		errName(s.Emit("disconnect")),
		errName(s.Emit("")),
		errName(s.Emit(strings.Repeat("e", 1025))),
		errName(s.Namespace().To("a").Emit("connect_error")),
	)
}

// emitBinary stages attachments in order; a failed emit's staged
// attachment must not shift the next emit's.
func emitBinary(s *wasmio.Socket, e *wasmio.Event) error {
	if err := s.Emit("bin", wasmio.Binary{1}, map[string]any{"k": 2}, []byte("two")); err != nil {
		return err
	}
	lost := s.Emit("disconnect", wasmio.Binary("lost"))
	if err := s.Emit("after-fail", wasmio.Binary("kept")); err != nil {
		return err
	}
	return s.Emit("plain", errName(lost))
}

// rooms runs the operations of argument 0: "+room" joins, "-room" leaves,
// ["+", rooms...] and ["-", rooms...] join or leave several at once, "?"
// reads the rooms, "=room" tells whether the socket is in room. It acks one
// result per operation.
func rooms(s *wasmio.Socket, e *wasmio.Event) error {
	var ops []any
	if err := e.Arg(0, &ops); err != nil {
		return err
	}
	results := make([]any, len(ops))
	for i, op := range ops {
		switch op := op.(type) {
		case []any:
			var names []string
			for _, r := range op[1:] {
				names = append(names, r.(string))
			}
			if op[0] == "+" {
				results[i] = errName(s.Join(names...))
			} else {
				results[i] = errName(s.Leave(names...))
			}
		case string:
			switch {
			case op == "?":
				results[i] = s.Rooms()
			case strings.HasPrefix(op, "="):
				results[i] = s.InRoom(op[1:])
			case strings.HasPrefix(op, "+"):
				results[i] = errName(s.Join(op[1:]))
			default:
				results[i] = errName(s.Leave(strings.TrimPrefix(op, "-")))
			}
		}
	}
	return e.Ack(results)
}

// names acks [JSLength, ValidName with a maximum of 4] for each string
// argument.
func names(s *wasmio.Socket, e *wasmio.Event) error {
	out := make([]any, e.NumArgs())
	for i := range out {
		var name string
		if err := e.Arg(i, &name); err != nil {
			return err
		}
		out[i] = []any{wasmio.JSLength(name), wasmio.ValidName(name, 4)}
	}
	return e.Ack(out)
}

func handshake(s *wasmio.Socket, e *wasmio.Event) error {
	h := s.Handshake()
	var auth struct {
		Username string `json:"username"`
	}
	if err := h.Auth(&auth); err != nil {
		return err
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	claimsErr := h.Claims(&claims)
	if claimsErr != nil && !errors.Is(claimsErr, wasmio.ErrNotFound) {
		return claimsErr
	}
	return e.Ack(map[string]any{
		"headers": h.Headers(), "userAgent": h.Header("User-Agent"), "multi": h.Header("X-Multi"),
		"missing": h.Header("none"), "query": h.Query(), "queryRoom": h.Query()["room"],
		"auth": wasmio.Raw(h.AuthJSON()), "authName": auth.Username,
		"claims": wasmio.Raw(h.ClaimsJSON()), "hasClaims": claimsErr == nil, "claimsSub": claims.Sub,
		"address": h.Address(), "time": h.Time().UnixMilli(),
	})
}

// disconnectSocket tries to reject, disconnects as argument 0 says
// (close or not), then the other way, and emits the three results.
func disconnectSocket(s *wasmio.Socket, e *wasmio.Event) error {
	var closeConn bool
	if err := e.Arg(0, &closeConn); err != nil {
		return err
	}
	late := s.Reject("late", nil)
	first := s.Disconnect(closeConn)
	second := s.Disconnect(!closeConn)
	return s.Emit("disconnect-result", errName(late), errName(first), errName(second))
}

// kvScript runs the key-value operations of argument 1 in the scope named
// by argument 0 ("namespace" or "socket") and acks one [error, value] pair
// per operation.
func kvScript(s *wasmio.Socket, e *wasmio.Event) error {
	var scope string
	var ops [][]any
	if err := e.Arg(0, &scope); err != nil {
		return err
	}
	if err := e.Arg(1, &ops); err != nil {
		return err
	}
	kv := s.Namespace().KV()
	if scope == "socket" {
		kv = s.Data()
	}
	results := make([]any, len(ops))
	for i, op := range ops {
		results[i] = kvOp(kv, op)
	}
	return e.Ack(results)
}

func kvOp(kv wasmio.KV, op []any) []any {
	name, _ := op[0].(string)
	key, _ := op[1].(string)
	switch name {
	case "get":
		v, err := kv.Get(key)
		return result(string(v), err)
	case "put":
		return result(nil, kv.Put(key, bytesOf(op[2])))
	case "delete":
		return result(nil, kv.Delete(key))
	case "incr":
		n, err := kv.Incr(key, int64(op[2].(float64)))
		return result(n, err)
	case "cas":
		swapped, err := kv.CompareAndSwap(key, bytesOf(op[2]), bytesOf(op[3]))
		return result(swapped, err)
	case "list":
		entries, err := kv.List(key, int(op[2].(float64)))
		pairs := make([]any, len(entries))
		for i, en := range entries {
			pairs[i] = []string{en.Key, string(en.Value)}
		}
		return result(pairs, err)
	case "putjson":
		return result(nil, kv.PutJSON(key, op[2]))
	case "getjson":
		var v any
		err := kv.GetJSON(key, &v)
		return result(v, err)
	}
	return result(nil, errors.New("unknown kv operation "+name))
}

// result is an operation's [error, value] pair.
func result(v any, err error) []any {
	if err != nil {
		return []any{errName(err), nil}
	}
	return []any{nil, v}
}

// bytesOf returns a JSON string's bytes (non-nil, even when empty) and nil
// for anything else: CompareAndSwap's "absent".
func bytesOf(v any) []byte {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	return append([]byte{}, s...)
}

func services(s *wasmio.Socket, e *wasmio.Event) error {
	a, b := wasmio.RandomBytes(32), wasmio.RandomBytes(32)
	wasmio.Log.Info("joined", "room", "lobby", "n", 2)
	wasmio.Log.Debug("d")
	wasmio.Log.Warn("w")
	wasmio.Log.Error("e", "err", errors.New("two words"))
	wasmio.Logf(wasmio.LevelWarn, "%d%%", 50)
	return e.Ack(map[string]any{
		"now": wasmio.Now().UnixNano(), "time": e.Time().UnixMilli(),
		"random": []any{len(a), len(b), bytes.Equal(a, b), len(wasmio.RandomBytes(0))},
	})
}

// fail logs, emits and writes, then fails as argument 0 says: "error" (a
// handler error), "host" (a host error returned as is) or "panic".
func fail(s *wasmio.Socket, e *wasmio.Event) error {
	var kind string
	if err := e.Arg(0, &kind); err != nil {
		return err
	}
	wasmio.Log.Warn("failing", "kind", kind)
	if err := s.Emit("before"); err != nil {
		return err
	}
	if err := s.Namespace().KV().Put("ghost", []byte("boo")); err != nil {
		return err
	}
	switch kind {
	case "panic":
		panic("panic requested")
	case "host":
		if err := s.Data().Put("text", []byte("abc")); err != nil {
			return err
		}
		_, err := s.Data().Incr("text", 1)
		return err
	}
	return errors.New("fail requested")
}

// emitAck emits with acks: a 1025-byte tag (its binary is dropped), then
// three valid emits, then "emit-ack-errors" with the errors of invalid ones.
func emitAck(s *wasmio.Socket, e *wasmio.Event) error {
	long := strings.Repeat("t", 1024)
	tooLong := s.EmitWithAck(long+"t", 0, "lost", wasmio.Binary("lost"))
	for _, err := range []error{
		s.EmitWithAck("t1", 0, "question", 1, wasmio.Binary("b")),
		s.EmitWithAck("", 250*time.Millisecond, "quick"),
		s.EmitWithAck(long, 10*time.Minute, "max"),
	} {
		if err != nil {
			return err
		}
	}
	return s.Emit("emit-ack-errors", errName(tooLong), errName(s.EmitWithAck("x", 600001*time.Millisecond, "x")),
		errName(s.EmitWithAck("x", 0, "")), errName(s.EmitWithAck("x", 0, "connect")))
}

// emitAckMany emits argument 0 acks "many" tagged "<argument 1>-<i>" and
// acks [how many it emitted, the error that stopped it].
func emitAckMany(s *wasmio.Socket, e *wasmio.Event) error {
	var n int
	var prefix string
	if err := e.Arg(0, &n); err != nil {
		return err
	}
	if err := e.Arg(1, &prefix); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := s.EmitWithAck(prefix+"-"+strconv.Itoa(i), 0, "many"); err != nil {
			return e.Ack([]any{i, errName(err)})
		}
	}
	return e.Ack([]any{n, nil})
}

// ackReport is $ack: it emits "again" with an ack, then "ack-report" with
// what it sees; it fails when the tag starts with "fail".
func ackReport(s *wasmio.Socket, e *wasmio.Event) error {
	var ackErr any
	switch err := e.AckErr(); {
	case errors.Is(err, wasmio.ErrAckTimeout):
		ackErr = "timeout"
	case errors.Is(err, wasmio.ErrDisconnected):
		ackErr = "disconnected"
	case err != nil:
		ackErr = err.Error()
	}
	atts := []string{}
	for _, a := range e.Attachments() {
		atts = append(atts, string(a))
	}
	again := errName(s.EmitWithAck("again", 0, "again"))
	if err := s.Emit("ack-report", map[string]any{"name": e.Name(), "tag": e.AckTag(), "error": ackErr,
		"args": string(e.Args()), "attachments": atts, "wantsAck": e.WantsAck(), "again": again}); err != nil {
		return err
	}
	if strings.HasPrefix(e.AckTag(), "fail") {
		return errors.New("$ack failed on request")
	}
	return nil
}

// relay handles every other event: it acks with the payload when asked
// and broadcasts the event with it, byte for byte.
func relay(s *wasmio.Socket, e *wasmio.Event) error {
	payload := e.Payload()
	if e.WantsAck() {
		if err := e.Ack(payload); err != nil {
			return err
		}
	}
	return s.Broadcast().Emit(e.Name(), payload)
}
