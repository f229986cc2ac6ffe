package engineio

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/internal/testing/hostile"
)

func FuzzDecodePacket(f *testing.F) {
	for _, s := range []string{
		"", "0", `0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
		"1", "2", "2probe", "3", "3probe", "4", "4hello", "4\x00\xff", "5", "6", "7", "9", "b", "bAQID", "\x1e", "/",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, frame []byte, binary bool) {
		orig := bytes.Clone(frame)
		p, err := DecodePacket(frame, binary)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v does not wrap ErrParse", err)
			}
			if binary {
				t.Fatal("a binary frame was rejected")
			}
			return
		}
		if !bytes.Equal(frame, orig) {
			t.Fatal("DecodePacket modified its input")
		}
		if !p.Type.valid() || p.Binary != binary || (binary && p.Type != PacketMessage) {
			t.Fatalf("bad packet %s", fmtPacket(p))
		}
		// The packet re-encodes to the frame it came from.
		fin, opcode, payload, rest, err := parseFrame(appendWSFrame(nil, p))
		if err != nil || !fin || len(rest) != 0 || (opcode == 2) != binary || !bytes.Equal(payload, orig) {
			t.Fatalf("frame of %s does not carry %q back (%v)", fmtPacket(p), orig, err)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{
		"4hello",
		"4hello\x1e4world",
		"2\x1e3\x1e6\x1e1",
		"2probe",
		"bAQID",
		"b",
		"bAA==\x1ebAAA=",
		"4a\x1ebAAEC/w==\x1e4b",
		"4\x1e4",
		"5",
		"", "\x1e", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b",
		"b!!!!", "bAQI", "bA", "bAQ\nID", "bAQ\rID\x1e4x", "b====", "bAQ=D",
		"9x", "4a\x1ex", "x",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		orig := bytes.Clone(payload)
		var got []Packet
		err := DecodePayload(payload, func(p Packet) error {
			if !p.Type.valid() {
				t.Fatalf("invalid type %d", p.Type)
			}
			p.Data = bytes.Clone(p.Data)
			got = append(got, p)
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v does not wrap ErrParse", err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatal("a payload decoded to no packets")
		}
		// Each record decodes as it would on its own; base64 records as the
		// standard library decodes them out of place.
		recs := bytes.Split(orig, []byte{recordSeparator})
		if len(recs) != len(got) {
			t.Fatalf("%d records, %d packets", len(recs), len(got))
		}
		for i, rec := range recs {
			if rec[0] == 'b' {
				want, err := base64.StdEncoding.DecodeString(string(rec[1:]))
				if err != nil || !got[i].Binary || !bytes.Equal(got[i].Data, want) {
					t.Fatalf("record %q decoded to %s, want %x (%v)", rec, fmtPacket(got[i]), want, err)
				}
			}
		}
		// Re-encoding every packet gives a payload that decodes to the same packets.
		var enc []byte
		for i, p := range got {
			if i > 0 {
				enc = append(enc, recordSeparator)
			}
			enc = AppendPacket(enc, p)
		}
		var again []Packet
		if err := DecodePayload(bytes.Clone(enc), func(p Packet) error {
			p.Data = bytes.Clone(p.Data)
			again = append(again, p)
			return nil
		}); err != nil {
			t.Fatalf("re-encoded payload %q does not decode: %v", enc, err)
		}
		if len(again) != len(got) {
			t.Fatalf("re-encoded payload has %d packets, want %d", len(again), len(got))
		}
		for i := range got {
			if !packetEqual(got[i], again[i]) {
				t.Fatalf("packet %d: %s became %s", i, fmtPacket(got[i]), fmtPacket(again[i]))
			}
		}
	})
}

// fuzzEcho is FuzzSession's handler: it echoes every message.
type fuzzEcho struct{}

func (fuzzEcho) OnOpen(*Session)          {}
func (fuzzEcho) OnClose(*Session, string) {}
func (fuzzEcho) OnMessage(s *Session, data []byte, binary bool) {
	_ = s.Send(NewMessage(bytes.Clone(data), binary))
}

// sessionOps encodes FuzzSession inputs: a transport byte (even: polling,
// odd: WebSocket), then operations, each an opcode and, for those that
// carry data, a length byte and the data.
func sessionOps(websocket bool, ops ...any) []byte {
	b := []byte{0}
	if websocket {
		b[0] = 1
	}
	for _, op := range ops {
		switch op := op.(type) {
		case byte:
			b = append(b, op)
		case opData:
			b = append(b, op.op, byte(len(op.data)))
			b = append(b, op.data...)
		}
	}
	return b
}

type opData struct {
	op   byte
	data string
}

// FuzzSession's operations.
const (
	opPost    = iota // POST the data as a payload
	opGet            // poll, giving up after a short wait
	opDialWS         // open a WebSocket for the session: a probe, or a second one
	opText           // the data as a text frame
	opBinary         // the data as a binary frame
	opRaw            // the data as raw bytes on the WebSocket connection
	opCloseWS        // drop the WebSocket connection
	opWait           // let the server's timers run (20 ms)
	opCount
)

// FuzzSession drives one session of a real server, on a loopback port
// with short timeouts, through a fuzzed sequence of operations: POSTs,
// polls, WebSocket probes and second WebSockets, their frames valid or
// not, drops and waits. Whatever the sequence, nothing panics, every
// answer is one the server documents, its frames are Engine.IO packets,
// and it then serves a new session.
func FuzzSession(f *testing.F) {
	post := func(s string) opData { return opData{opPost, s} }
	txt := func(s string) opData { return opData{opText, s} }
	for _, in := range [][]byte{
		sessionOps(false, post("4hello"), byte(opGet), byte(opGet)),
		sessionOps(false, post("4a\x1ebAQID\x1e3"), byte(opGet), post("1"), byte(opGet)),
		sessionOps(false, byte(opDialWS), txt("2probe"), byte(opGet), txt("5"), byte(opGet), post("4late"), txt("4hi")),
		sessionOps(false, byte(opDialWS), txt("2probe"), byte(opWait), byte(opWait), byte(opWait), byte(opWait), byte(opWait), byte(opGet)),
		sessionOps(false, byte(opDialWS), txt("2probe"), byte(opCloseWS), byte(opDialWS), txt("2probe"), txt("5")),
		sessionOps(false, byte(opGet), byte(opGet), post("2")),
		sessionOps(false, post("4"+strings.Repeat("a", 200)), byte(opGet), post("x")),
		sessionOps(false, byte(opDialWS), opData{opBinary, "2probe"}, byte(opGet)),
		sessionOps(true, txt("4hello"), opData{opBinary, "\x00\x01"}, txt("3"), byte(opWait), txt("1")),
		sessionOps(true, byte(opDialWS), txt("2probe"), byte(opGet)),
		sessionOps(true, opData{opRaw, "\x01\x82ab\x00\x00\x80\x81abcd"}, txt("4x")),
		sessionOps(true, opData{opRaw, "\x89\xfe\x00\x7e"}),
		sessionOps(true, txt("4\xff"), byte(opCloseWS), byte(opGet)),
	} {
		f.Add(in)
	}
	logs := &hostile.ErrorLog{}
	srv, err := NewServer(&Config{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond,
		UpgradeTimeout: 100 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, MaxPayload: 4096, Logger: logs.Logger()}, fuzzEcho{})
	if err != nil {
		f.Fatal(err)
	}
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
		if len(in) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var sid string
		var ws *hostile.WS
		var conns []*hostile.WS
		frameErrs := make(chan error, maxDials)
		addWS := func(w *hostile.WS) {
			ws = w
			conns = append(conns, w)
			go func() { frameErrs <- readServerFrames(w) }()
		}
		if in[0]&1 == 0 {
			o, err := c.Handshake(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sid = o.SID
		} else {
			w, o, err := c.OpenWS(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sid = o.SID
			addWS(w)
		}
		for in = in[1:]; len(in) > 0; {
			op := in[0] % opCount
			in = in[1:]
			var data []byte
			if op == opPost || op == opText || op == opBinary || op == opRaw {
				if len(in) == 0 {
					break
				}
				n := min(int(in[0]), len(in)-1)
				data, in = in[1:1+n], in[1+n:]
			}
			switch op {
			case opPost:
				r, err := c.Do(ctx, http.MethodPost, "EIO=4&transport=polling&sid="+sid, "", data)
				if err != nil {
					t.Fatalf("POST %q: %v", data, err)
				}
				checkResponse(t, "POST", r)
			case opGet:
				// A poll with nothing to answer waits: give up on it soon.
				gctx, gcancel := context.WithTimeout(ctx, 10*time.Millisecond)
				r, err := c.Poll(gctx, sid)
				gcancel()
				if err == nil {
					checkResponse(t, "GET", r)
				}
			case opDialWS:
				if len(conns) == maxDials {
					continue
				}
				w, err := c.DialWS(ctx, "EIO=4&transport=websocket&sid="+sid)
				var se *hostile.StatusError
				switch {
				case errors.As(err, &se):
					if se.Status != http.StatusBadRequest {
						t.Fatalf("WebSocket handshake answered %d %q", se.Status, se.Body)
					}
				case err != nil:
					t.Fatalf("WebSocket handshake: %v", err)
				default:
					addWS(w)
				}
			case opText:
				if ws != nil {
					_ = ws.Text(string(data))
				}
			case opBinary:
				if ws != nil {
					_ = ws.Binary(data)
				}
			case opRaw:
				if ws != nil {
					_, _ = ws.Write(data)
				}
			case opCloseWS:
				if ws != nil {
					ws.Close()
					ws = nil
				}
			case opWait:
				time.Sleep(20 * time.Millisecond)
			}
		}
		for _, w := range conns {
			w.Close()
		}
		for range conns {
			if err := <-frameErrs; err != nil {
				t.Fatal(err)
			}
		}
		// The server still serves a new session.
		if _, err := c.Handshake(ctx); err != nil {
			t.Fatalf("after the session: %v", err)
		}
		if errs := logs.Take(); len(errs) > 0 {
			t.Fatalf("the server logged errors: %q", errs)
		}
	})
}

// maxDials caps the WebSocket connections of one FuzzSession input.
const maxDials = 4

// checkResponse fails unless r is an answer the server documents: 200
// with "ok" for a POST or a well-formed payload for a GET, 400 with no
// body or a protocol error, 413 for a payload over MaxPayload.
func checkResponse(t *testing.T, method string, r hostile.Response) {
	t.Helper()
	switch r.Status {
	case http.StatusOK:
		if method == "POST" {
			if r.Body != "ok" {
				t.Fatalf("POST answered 200 %q", r.Body)
			}
			return
		}
		if err := DecodePayload([]byte(r.Body), func(Packet) error { return nil }); err != nil {
			t.Fatalf("GET answered 200 with a bad payload %q: %v", r.Body, err)
		}
	case http.StatusBadRequest:
		if r.Body != "" && !strings.HasPrefix(r.Body, `{"code":`) {
			t.Fatalf("%s answered 400 %q", method, r.Body)
		}
	case http.StatusRequestEntityTooLarge:
	default:
		t.Fatalf("%s answered %d %q", method, r.Status, r.Body)
	}
}

// readServerFrames reads a WebSocket's frames until it closes, and fails
// on one that is not an Engine.IO packet or a control frame.
func readServerFrames(w *hostile.WS) error {
	for {
		op, p, err := w.ReadFrame()
		if err != nil {
			return nil
		}
		switch op {
		case hostile.OpText:
			if _, err := DecodePacket(p, false); err != nil {
				return fmt.Errorf("the server sent text frame %q: %v", p, err)
			}
		case hostile.OpBinary, 0x8, 0x9, 0xa: // and close, ping, pong
		default:
			return fmt.Errorf("the server sent a frame with opcode %d", op)
		}
	}
}
