package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/internal/testing/hostile"
)

var packetSeeds = []string{
	"0", `0{"token":"x"}`, "0/admin,", "0/admin", `0/admin,{"a":1}`,
	"1", "1/admin,",
	`2["hello"]`, `2["hello",1,{"a":[null,true]}]`, `2/admin,12["hello"]`, `2[1,"x"]`, `2[-1.5e3]`,
	`2 [ "a" , 1 ]`, `2["a\"b",1]`, `2["\u0063onnect"]`, `2["x\\"]`, `29007199254740991["x"]`,
	`3[]`, `312["ok"]`, `3/x,5[null]`,
	`4{"message":"nope"}`, `4"nope"`,
	`51-["a",{"_placeholder":true,"num":0}]`, `52-/admin,7["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
	`61-3[{"_placeholder":true,"num":0}]`,
	// Broken.
	"", "7", `2["connect"]`, `2{"a":1}`, `2[`, `2[{}]`, `2[]`, "2", `51-`, `5999-["x"]`, `50-["x"]`,
	`5-1-["x"]`, `399999999999999999["x"]`, `29007199254740992["x"]`, `0/,"x"`, `1{}`, `0[]`,
	"2[\"a\xff\"]", `2["a",]`, `2["a"]x`,
}

func FuzzDecodePacket(f *testing.F) {
	for _, s := range packetSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		p, err := DecodePacket(b, 10)
		if !bytes.Equal(b, orig) {
			t.Fatal("DecodePacket modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v does not wrap ErrParse", err)
			}
			return
		}
		if p.Type > PacketBinaryAck || p.Namespace == "" || p.Namespace[0] != '/' || p.ID > maxAckID || (!p.HasID && p.ID != 0) {
			t.Fatalf("bad packet %+v", p)
		}
		binary := p.Type == PacketBinaryEvent || p.Type == PacketBinaryAck
		if binary != (p.Attachments > 0) || p.Attachments > 10 {
			t.Fatalf("%d attachments on a packet of type %d", p.Attachments, p.Type)
		}
		if p.Data != nil && !json.Valid(p.Data) {
			t.Fatalf("invalid JSON accepted: %q", p.Data)
		}
		// The header re-encodes to a packet that decodes the same.
		enc := append(appendHeader(nil, p.Type, p.Namespace, p.Attachments, p.ID, p.HasID), p.Data...)
		q, err := DecodePacket(enc, 10)
		if err != nil {
			t.Fatalf("%q re-encoded as %q, which does not decode: %v", orig, enc, err)
		}
		if q.Type != p.Type || q.Namespace != p.Namespace || q.ID != p.ID || q.HasID != p.HasID ||
			q.Attachments != p.Attachments || !bytes.Equal(q.Data, p.Data) || (q.Data == nil) != (p.Data == nil) {
			t.Fatalf("%q re-encoded as %q decodes to %+v, want %+v", orig, enc, q, p)
		}
		if p.Type == PacketEvent || p.Type == PacketBinaryEvent {
			checkSplitEvent(t, p.Data)
		}
	})
}

// checkSplitEvent checks splitEvent against encoding/json on a valid event
// payload: the name is the first element, the arguments the others.
func checkSplitEvent(t *testing.T, data []byte) {
	t.Helper()
	data = bytes.Clone(data)
	name, off, err := splitEvent(data)
	if err != nil {
		t.Fatalf("an accepted event does not split: %v", err)
	}
	var all []json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil || len(all) == 0 {
		t.Fatalf("accepted event %q is not a non-empty array: %v", data, err)
	}
	first := all[0]
	if first[0] == '"' {
		var s string
		if err := json.Unmarshal(first, &s); err != nil {
			t.Fatal(err)
		}
		// encoding/json replaces invalid UTF-8; splitEvent keeps the raw bytes
		// of a name without escapes.
		if utf8.ValidString(name) && s != name {
			t.Fatalf("name %q, encoding/json says %q", name, s)
		}
		if reservedEvents[s] {
			t.Fatalf("reserved name %q accepted", s)
		}
	} else if string(first) != name {
		t.Fatalf("name %q, first element %s", name, first)
	}
	if (off < 0) != (len(all) == 1) {
		t.Fatalf("offset %d for %d elements", off, len(all))
	}
	if off < 0 {
		return
	}
	data[off] = '['
	var args []json.RawMessage
	if err := json.Unmarshal(data[off:], &args); err != nil {
		t.Fatalf("arguments %q are not an array: %v", data[off:], err)
	}
	if len(args) != len(all)-1 {
		t.Fatalf("%d arguments, want %d", len(args), len(all)-1)
	}
	for i := range args {
		if !bytes.Equal(args[i], all[i+1]) {
			t.Fatalf("argument %d is %s, want %s", i, args[i], all[i+1])
		}
	}
}

// decoderInput encodes a sequence of messages for FuzzDecoder: for each, a
// flag byte (odd: binary), a length byte, then the bytes.
func decoderInput(msgs ...any) []byte {
	var b []byte
	for _, m := range msgs {
		flag, data := byte(0), []byte(nil)
		switch m := m.(type) {
		case string:
			data = []byte(m)
		case []byte:
			flag, data = 1, m
		}
		b = append(b, flag, byte(len(data)))
		b = append(b, data...)
	}
	return b
}

func FuzzDecoder(f *testing.F) {
	ph0, ph1 := `{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`
	f.Add(decoderInput(`2["a"]`), 20)
	f.Add(decoderInput(`52-["a",`+ph0+`,`+ph1+`]`, []byte{1, 2}, []byte{3}, `2["b"]`), 20)
	f.Add(decoderInput(`61-1[`+ph0+`]`, []byte{}, `0{}`), 20)
	f.Add(decoderInput(`52-["a",`+ph0+`,`+ph1+`]`, []byte{1}, `2["b"]`), 20)
	f.Add(decoderInput([]byte{1, 2, 3}), 20)
	f.Add(decoderInput(`51-["a",`+ph0+`]`, []byte("0123456789abcdefghijk")), 20)
	f.Add(decoderInput(`51-["a",`+ph0+`]`, []byte("0123"), []byte("x")), 4)
	f.Add(decoderInput(`53-/x,9["a"]`, []byte("1"), []byte("2"), []byte("3"), `51-["b"]`, []byte("4")), 0)
	for _, s := range packetSeeds {
		f.Add(decoderInput(s, []byte{0}), 20)
	}
	f.Fuzz(func(t *testing.T, in []byte, maxBytes int) {
		d := &decoder{maxAttachments: 10, maxBytes: maxBytes}
		var pending [][]byte // binary inputs since the last binary header
		reassembling := false
		for len(in) >= 2 {
			binary, n := in[0]&1 == 1, int(in[1])
			in = in[2:]
			n = min(n, len(in))
			data := bytes.Clone(in[:n])
			in = in[n:]

			p, atts, ok, err := d.add(data, binary)
			if binary {
				pending = append(pending, bytes.Clone(data))
			}
			// The caller may reuse its buffer at once.
			for i := range data {
				data[i] = 0xAA
			}
			if err != nil {
				if !errors.Is(err, ErrParse) {
					t.Fatalf("error %v does not wrap ErrParse", err)
				}
				return // the decoder must not be used again
			}
			if !ok {
				if binary && !reassembling {
					t.Fatal("binary data outside a binary packet was accepted")
				}
				if !binary {
					if reassembling {
						t.Fatal("text accepted while reassembling")
					}
					reassembling, pending = true, nil
				}
				continue
			}
			if !binary {
				if reassembling || atts != nil || p.Attachments != 0 {
					t.Fatalf("text packet %+v completed with %d attachments", p, len(atts))
				}
				continue
			}
			if !reassembling {
				t.Fatal("a binary message completed a packet nobody started")
			}
			reassembling = false
			if p.Attachments != len(atts) || len(atts) != len(pending) {
				t.Fatalf("packet announces %d attachments, got %d, sent %d", p.Attachments, len(atts), len(pending))
			}
			total := 0
			for i := range atts {
				if !bytes.Equal(atts[i], pending[i]) {
					t.Fatalf("attachment %d is %x, sent %x", i, atts[i], pending[i])
				}
				total += len(atts[i])
			}
			if total > maxBytes {
				t.Fatalf("%d attachment bytes accepted, limit %d", total, maxBytes)
			}
			if p.Data != nil && !json.Valid(p.Data) {
				t.Fatalf("binary packet's data %q is not the JSON it was sent with", p.Data)
			}
			pending = nil
		}
	})
}

// fuzzHooks are FuzzClientSession's namespace "/": it answers acks with
// the event's arguments and attachments, and an event named "emit"
// with an event back, "join" by joining the rooms named in its
// arguments, "ask" by asking the client for an ack, "bye" by
// disconnecting the socket.
var fuzzHooks = Hooks{Event: func(s *Socket, e *Event) {
	if e.Ack != nil {
		_ = e.Ack(e.Args, e.Attachments...)
	}
	switch e.Name {
	case "emit":
		_ = s.Emit("echo", e.Args, e.Attachments...)
	case "join":
		var rooms []string
		_ = json.Unmarshal(e.Args, &rooms)
		s.Join(rooms...)
		_, _ = s.To(rooms...).Emit("joined", []byte(`[1]`))
	case "ask":
		_ = s.EmitWithAck("q", e.Args, e.Attachments, 50*time.Millisecond, func([]byte, [][]byte, error) {})
	case "bye":
		s.Disconnect(false)
	}
}}

// FuzzClientSession sends a fuzzed sequence of Socket.IO packets and
// attachments (as decoderInput encodes them) over one WebSocket of a real
// server: nothing panics, the server answers a CONNECT sent after them
// (or has closed the connection), and it then connects a new client.
func FuzzClientSession(f *testing.F) {
	ph0, ph1 := `{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`
	for _, in := range [][]byte{
		decoderInput("0", `21["hello",1]`, `2["emit",{"a":[true]}]`, `2["join","r1","r2"]`, `2["ask",3]`, "1"),
		decoderInput(`0{"token":"x"}`, `0/admin,`, `2/admin,["x"]`, `1/admin,`, "0/admin,"),
		decoderInput("0", `52-["emit",`+ph0+`,`+ph1+`]`, []byte{1, 2}, []byte{3}, `51-5["x",`+ph0+`]`, []byte{}),
		decoderInput("0", `2["ask"]`, `30[1]`, `31[2]`, `61-0[`+ph0+`]`, []byte{9}),
		decoderInput("0", `52-["a",`+ph0+`,`+ph1+`]`, []byte{1}, `2["b"]`),
		decoderInput("0", `2["bye"]`, `2["emit"]`, "0", `2["emit"]`),
		decoderInput("0", []byte{1, 2, 3}),
		decoderInput("0", `2["connect"]`, `21["disconnect"]`, `4{"message":"x"}`),
	} {
		f.Add(in)
	}
	for _, s := range packetSeeds {
		f.Add(decoderInput("0", s))
	}
	logs := &hostile.ErrorLog{}
	srv, err := NewServer(&Config{AttachmentTimeout: 100 * time.Millisecond, ConnectTimeout: time.Second,
		Engine: engineio.Config{MaxPayload: 4096, Logger: logs.Logger()}})
	if err != nil {
		f.Fatal(err)
	}
	for _, nsp := range []string{"/", "/admin"} {
		if _, err := srv.Of(nsp, fuzzHooks); err != nil {
			f.Fatal(err)
		}
	}
	srv.Namespace("/admin").SetHooks(Hooks{Connect: func(*Socket) error {
		return &ConnectError{Message: "not allowed", Data: json.RawMessage(`{"why":1}`)}
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go srv.Serve(ln, nil)
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	c := hostile.NewClient(hostile.Target{URL: "http://" + ln.Addr().String()})
	f.Cleanup(c.Close)

	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := c.OpenWS(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		// A CONNECT to a namespace the server does not serve, named so that
		// the input cannot: the server answers it once it handled every
		// packet before it, unless those broke the protocol and it closed
		// the connection.
		syncNsp := fmt.Sprintf("/unserved-%d,", time.Now().UnixNano())
		synced := make(chan struct{})
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			for {
				op, p, err := ws.ReadFrame()
				if err != nil {
					return
				}
				if op == hostile.OpText && bytes.HasPrefix(p, []byte("44"+syncNsp)) {
					close(synced)
				}
			}
		}()
		for len(in) >= 2 {
			binary, n := in[0]&1 == 1, min(int(in[1]), len(in)-2)
			data := in[2 : 2+n]
			in = in[2+n:]
			if binary {
				_ = ws.Binary(data)
			} else {
				_ = ws.Text("4" + string(data))
			}
		}
		_ = ws.Text("40" + syncNsp)
		select {
		case <-synced:
		case <-closed:
		case <-ctx.Done():
			t.Fatal("the server neither answered nor closed the connection")
		}
		// The server still serves a new client.
		fresh, _, err := c.ConnectWS(ctx, "/")
		if err != nil {
			t.Fatalf("after the session: %v", err)
		}
		fresh.Close()
		if errs := logs.Take(); len(errs) > 0 {
			t.Fatalf("the server logged errors: %q", errs)
		}
	})
}
