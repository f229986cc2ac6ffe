// Command probe is a test handler module for wasmio's host tests: it
// reports what a handler sees and does what a test asks.
//
//	$connect   rejects when auth.reject is set; else keeps auth.name in the
//	           socket scope and counts the connect in the namespace key
//	           "connects"; with auth.ask, it also asks like ask "connect-ask"
//	$disconnect counts the disconnect in the namespace key "disconnects" and
//	           appends {disconnect: reason, emitAck: the error of an emit
//	           with an ack} to the socket's log
//	ask        emits "question" [tag] to the socket with an ack tagged by
//	           argument 0 and a timeout of argument 1 ms, and acks the error
//	           (null for none)
//	$ack       emits "answered" {tag, error ("", "timeout", "disconnected"),
//	           args: the answer's raw JSON} and the answer's binary
//	           arguments, and appends {ack: tag, error} to the socket's log,
//	           with emitAck, the error of an emit with an ack, when the
//	           socket disconnected
//	kick       disconnects the socket
//	whoami     acks {id, rooms, claims, address, query, name}
//	seq        checks that its argument is one more than the previous one of
//	           this socket (kept in the socket scope) and counts mistakes in
//	           the namespace key "disorder"
//	last       acks the last seq number of this socket
//	writefail  writes the namespace key "ghost", then fails
//	get        acks the namespace key named by its argument, or null
//	join       joins the room named by its argument and acks the rooms
//	now        acks [the event's time, the clock's time] in Unix milliseconds
//	sandbox    acks what the module can see of its environment: [arguments,
//	           environment variables, the error reading /etc/passwd, an
//	           error listing /]
//	fresh      increments a package variable and acks it: 1 on every event,
//	           since each event runs in an instance of its own
//
// The log of a socket is the JSON array in the namespace key "log/<id>".
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/wasmio/wasmio/guest-sdk/go/wasmio"
)

// runs counts the events this instance handled.
var runs int

func init() {
	wasmio.On("$connect", func(s *wasmio.Socket, e *wasmio.Event) error {
		var auth struct {
			Name   string `json:"name"`
			Reject bool   `json:"reject"`
			Ask    bool   `json:"ask"`
		}
		_ = s.Handshake().Auth(&auth)
		if auth.Reject {
			return s.Reject("go away", map[string]any{"code": "E_PROBE"})
		}
		if _, err := s.Namespace().KV().Incr("connects", 1); err != nil {
			return err
		}
		if auth.Ask {
			if err := s.EmitWithAck("connect-ask", 0, "question", "connect-ask"); err != nil {
				return err
			}
		}
		return s.Data().Put("name", []byte(auth.Name))
	})
	wasmio.On("$disconnect", func(s *wasmio.Socket, e *wasmio.Event) error {
		if _, err := s.Namespace().KV().Incr("disconnects", 1); err != nil {
			return err
		}
		return appendLog(s, map[string]any{"disconnect": e.Reason(), "emitAck": errText(s.EmitWithAck("late", 0, "late"))})
	})
	wasmio.On("ask", func(s *wasmio.Socket, e *wasmio.Event) error {
		var tag string
		var ms int64
		if err := e.Arg(0, &tag); err != nil {
			return err
		}
		if err := e.Arg(1, &ms); err != nil {
			return err
		}
		return e.Ack(errText(s.EmitWithAck(tag, time.Duration(ms)*time.Millisecond, "question", tag)))
	})
	wasmio.OnAck(func(s *wasmio.Socket, e *wasmio.Event) error {
		reason := ""
		switch err := e.AckErr(); {
		case errors.Is(err, wasmio.ErrAckTimeout):
			reason = "timeout"
		case errors.Is(err, wasmio.ErrDisconnected):
			reason = "disconnected"
		}
		entry := map[string]any{"ack": e.AckTag(), "error": reason}
		if reason == "disconnected" {
			entry["emitAck"] = errText(s.EmitWithAck("late", 0, "late"))
		}
		if err := appendLog(s, entry); err != nil {
			return err
		}
		args := []any{map[string]any{"tag": e.AckTag(), "error": reason, "args": string(e.Args())}}
		for _, a := range e.Attachments() {
			args = append(args, wasmio.Binary(a))
		}
		return s.Emit("answered", args...)
	})
	wasmio.On("kick", func(s *wasmio.Socket, e *wasmio.Event) error { return s.Disconnect(false) })
	wasmio.On("whoami", func(s *wasmio.Socket, e *wasmio.Event) error {
		name, _ := s.Data().Get("name")
		return e.Ack(map[string]any{
			"id": s.ID(), "rooms": s.Rooms(), "claims": wasmio.Raw(s.Handshake().ClaimsJSON()),
			"address": s.Handshake().Address(), "query": s.Handshake().Query(), "name": string(name),
		})
	})
	wasmio.On("seq", func(s *wasmio.Socket, e *wasmio.Event) error {
		var n int64
		if err := e.Arg(0, &n); err != nil {
			return err
		}
		last, err := s.Data().Get("last")
		prev := int64(0)
		if err == nil {
			prev, _ = strconv.ParseInt(string(last), 10, 64)
		}
		if n != prev+1 {
			if _, err := s.Namespace().KV().Incr("disorder", 1); err != nil {
				return err
			}
		}
		return s.Data().Put("last", []byte(strconv.FormatInt(n, 10)))
	})
	wasmio.On("last", func(s *wasmio.Socket, e *wasmio.Event) error {
		v, err := s.Data().Get("last")
		if err != nil {
			return e.Ack(0)
		}
		return e.Ack(wasmio.Raw(v))
	})
	wasmio.On("writefail", func(s *wasmio.Socket, e *wasmio.Event) error {
		if err := s.Namespace().KV().Put("ghost", []byte("boo")); err != nil {
			return err
		}
		return errors.New("writefail: failing after a write")
	})
	wasmio.On("get", func(s *wasmio.Socket, e *wasmio.Event) error {
		var key string
		if err := e.Arg(0, &key); err != nil {
			return err
		}
		v, err := s.Namespace().KV().Get(key)
		if errors.Is(err, wasmio.ErrNotFound) {
			return e.Ack(nil)
		}
		if err != nil {
			return err
		}
		return e.Ack(string(v))
	})
	wasmio.On("sandbox", func(s *wasmio.Socket, e *wasmio.Event) error {
		_, readErr := os.ReadFile("/etc/passwd")
		_, listErr := os.ReadDir("/")
		return e.Ack(os.Args, os.Environ(), fmt.Sprint(readErr), fmt.Sprint(listErr))
	})
	wasmio.On("fresh", func(s *wasmio.Socket, e *wasmio.Event) error {
		runs++
		return e.Ack(runs)
	})
	wasmio.On("now", func(s *wasmio.Socket, e *wasmio.Event) error {
		return e.Ack(e.Time().UnixMilli(), wasmio.Now().UnixMilli())
	})
	wasmio.On("join", func(s *wasmio.Socket, e *wasmio.Event) error {
		var room string
		if err := e.Arg(0, &room); err != nil {
			return err
		}
		if err := s.Join(room); err != nil {
			return err
		}
		rooms, _ := json.Marshal(s.Rooms())
		return e.Ack(wasmio.Raw(rooms))
	})
}

// appendLog appends entry to the socket's log.
func appendLog(s *wasmio.Socket, entry map[string]any) error {
	kv := s.Namespace().KV()
	var log []any
	if err := kv.GetJSON("log/"+s.ID(), &log); err != nil && !errors.Is(err, wasmio.ErrNotFound) {
		return err
	}
	return kv.PutJSON("log/"+s.ID(), append(log, entry))
}

// errText is err's message, or nil.
func errText(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}

func main() {}
