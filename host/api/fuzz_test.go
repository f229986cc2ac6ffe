package api

import (
	"encoding/json"
	"testing"
)

// FuzzDecode feeds request bodies to the broadcast's and the emit's
// decoders: they never panic; a refusal is a 4xx with a code and a
// message; an accepted body has an event, channels without an empty name
// and arguments that are one JSON array.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"channel":"chat:room1","data":{"text":"hi"}}`, `{"channels":["a","b"],"except":"sid","event":"m","data":[1]}`,
		`{"namespace":"/chat","channel":"x","except":["a"],"data":null}`, `{"channel":"x"}`, `{"event":"","channel":"x"}`,
		`{"channel":"x","channels":["y"]}`, `{"channel":5}`, `{"except":[1]}`, `{"data":}`, `[]`, `null`, ``, `{} {}`,
		`{"namespace":"chat","channel":"x"}`, `{"channels":[""]}`, `{"unknown":1}`, "{\"channel\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(msg Message, e *Error) {
			if e != nil {
				if e.Status < 400 || e.Status > 499 || e.Code == "" || e.Message == "" {
					t.Fatalf("refusal %+v", e)
				}
				return
			}
			if msg.Event == "" {
				t.Fatal("no event")
			}
			if msg.Args != nil {
				var args []json.RawMessage
				if err := json.Unmarshal(msg.Args, &args); err != nil || len(args) != 1 {
					t.Fatalf("arguments %q are not a one-element array: %v", msg.Args, err)
				}
			}
		}
		b, e := decodeBroadcast(body)
		if e == nil {
			if len(b.channels) == 0 {
				t.Fatal("no channel")
			}
			for _, c := range append(b.channels, b.except...) {
				if c == "" {
					t.Fatal("an empty name")
				}
			}
			if b.namespace != "" && b.namespace[0] != '/' {
				t.Fatalf("namespace %q", b.namespace)
			}
		}
		check(b.msg, e)
		check(decodeMessage(body))
	})
}
