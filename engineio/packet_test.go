package engineio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestPacketTypeString(t *testing.T) {
	want := map[PacketType]string{
		PacketOpen: "open", PacketClose: "close", PacketPing: "ping", PacketPong: "pong",
		PacketMessage: "message", PacketUpgrade: "upgrade", PacketNoop: "noop",
		'7': "PacketType(55)",
	}
	for pt, s := range want {
		if got := pt.String(); got != s {
			t.Errorf("%d.String() = %q, want %q", byte(pt), got, s)
		}
	}
}

func TestDecodePacket(t *testing.T) {
	tests := []struct {
		name   string
		frame  string
		binary bool
		want   Packet
		err    bool
	}{
		{name: "open", frame: `0{"sid":"x"}`, want: Packet{Type: PacketOpen, Data: []byte(`{"sid":"x"}`)}},
		{name: "close", frame: "1", want: Packet{Type: PacketClose, Data: []byte{}}},
		{name: "ping probe", frame: "2probe", want: Packet{Type: PacketPing, Data: []byte("probe")}},
		{name: "pong", frame: "3", want: Packet{Type: PacketPong, Data: []byte{}}},
		{name: "message", frame: "4hello", want: Packet{Type: PacketMessage, Data: []byte("hello")}},
		{name: "message with separator-like bytes", frame: "4a\x1eb", want: Packet{Type: PacketMessage, Data: []byte("a\x1eb")}},
		{name: "empty message", frame: "4", want: Packet{Type: PacketMessage, Data: []byte{}}},
		{name: "upgrade", frame: "5", want: Packet{Type: PacketUpgrade, Data: []byte{}}},
		{name: "noop", frame: "6", want: Packet{Type: PacketNoop, Data: []byte{}}},
		{name: "binary frame", frame: "\x00\x01\xff", binary: true, want: Packet{Type: PacketMessage, Data: []byte("\x00\x01\xff"), Binary: true}},
		{name: "binary frame that looks like text", frame: "1", binary: true, want: Packet{Type: PacketMessage, Data: []byte("1"), Binary: true}},
		{name: "empty binary frame", frame: "", binary: true, want: Packet{Type: PacketMessage, Data: []byte{}, Binary: true}},
		{name: "empty text frame", frame: "", err: true},
		{name: "type 7", frame: "7x", err: true},
		{name: "type below 0", frame: "/x", err: true},
		{name: "letter", frame: "hello", err: true},
		{name: "base64 record is not a frame", frame: "bAQID", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := []byte(tt.frame)
			got, err := DecodePacket(frame, tt.binary)
			if tt.err {
				if !errors.Is(err, ErrParse) {
					t.Fatalf("err = %v, want ErrParse", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !packetEqual(got, tt.want) {
				t.Fatalf("got %s, want %s", fmtPacket(got), fmtPacket(tt.want))
			}
			// Data is a view into the frame, not a copy.
			if len(got.Data) > 0 && &got.Data[len(got.Data)-1] != &frame[len(frame)-1] {
				t.Fatal("Data is not a view into the frame")
			}
		})
	}
}

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    []Packet
		err     string // substring of the error; "" means success
	}{
		{name: "one text packet", payload: "4hello", want: []Packet{msg("hello")}},
		{name: "two packets", payload: "4hello\x1e4world", want: []Packet{msg("hello"), msg("world")}},
		{name: "control packets", payload: "2\x1e3\x1e6\x1e1",
			want: []Packet{{Type: PacketPing}, {Type: PacketPong}, {Type: PacketNoop}, {Type: PacketClose}}},
		{name: "binary record", payload: "bAQID", want: []Packet{bin(1, 2, 3)}},
		{name: "empty binary record", payload: "b", want: []Packet{bin()}},
		{name: "binary with padding", payload: "bAA==\x1ebAAA=", want: []Packet{bin(0), bin(0, 0)}},
		{name: "mixed", payload: "4a\x1ebAAEC/w==\x1e4b\x1e2probe",
			want: []Packet{msg("a"), bin(0, 1, 2, 255), msg("b"), {Type: PacketPing, Data: []byte("probe")}}},
		{name: "binary message holding a separator", payload: "bHg==\x1e4x", want: []Packet{bin(0x1e), msg("x")}},
		{name: "empty message", payload: "4\x1e4", want: []Packet{msg(""), msg("")}},
		{name: "empty payload", payload: "", err: "empty payload"},
		{name: "trailing separator", payload: "4a\x1e", err: "ends with a separator"},
		{name: "only a separator", payload: "\x1e", err: "ends with a separator"},
		{name: "empty first record", payload: "\x1e4a", err: "empty packet"},
		{name: "empty middle record", payload: "4a\x1e\x1e4b", err: "empty packet"},
		{name: "bad base64", payload: "b!!!!", err: "bad base64"},
		{name: "truncated base64", payload: "bAQI", err: "bad base64"},
		{name: "bad base64 after good packets", payload: "4a\x1eb*", err: "bad base64"},
		{name: "unknown type", payload: "9x", err: "unknown packet type"},
		{name: "unknown type after good packet", payload: "4a\x1ex", err: "unknown packet type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Packet
			err := DecodePayload([]byte(tt.payload), func(p Packet) error {
				p.Data = bytes.Clone(p.Data)
				got = append(got, p)
				return nil
			})
			if tt.err != "" {
				if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want ErrParse containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d packets %v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if !packetEqual(got[i], tt.want[i]) {
					t.Errorf("packet %d: got %s, want %s", i, fmtPacket(got[i]), fmtPacket(tt.want[i]))
				}
			}
		})
	}
}

func TestDecodePayloadStopsAtCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := DecodePayload([]byte("4a\x1e4b\x1e4c"), func(p Packet) error {
		n++
		if string(p.Data) == "b" {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Fatalf("err = %v after %d packets, want the callback's error after 2", err, n)
	}
	// Packets before a malformed record are delivered; nothing after it.
	n = 0
	err = DecodePayload([]byte("4a\x1e9\x1e4c"), func(Packet) error { n++; return nil })
	if !errors.Is(err, ErrParse) || n != 1 {
		t.Fatalf("err = %v after %d packets", err, n)
	}
}

func TestAppendPacket(t *testing.T) {
	tests := []struct {
		dst  string
		p    Packet
		want string
	}{
		{"", msg("hello"), "4hello"},
		{"", msg(""), "4"},
		{"", Packet{Type: PacketPing, Data: []byte("probe")}, "2probe"},
		{"", Packet{Type: PacketClose}, "1"},
		{"", bin(1, 2, 3), "bAQID"},
		{"", bin(0), "bAA=="},
		{"", bin(), "b"},
		{"4a\x1e", bin(0xff, 0xfe), "4a\x1eb//4="},
		{"x", msg("y"), "x4y"},
	}
	for _, tt := range tests {
		got := AppendPacket([]byte(tt.dst), tt.p)
		if string(got) != tt.want {
			t.Errorf("AppendPacket(%q, %s) = %q, want %q", tt.dst, fmtPacket(tt.p), got, tt.want)
		}
		// What AppendPacket writes decodes back to the packet.
		rec := got[len(tt.dst):]
		var back []Packet
		if err := DecodePayload(bytes.Clone(rec), func(p Packet) error { back = append(back, p); return nil }); err != nil {
			t.Errorf("%q does not decode: %v", rec, err)
			continue
		}
		if len(back) != 1 || !packetEqual(back[0], tt.p) {
			t.Errorf("%q decodes to %v", rec, back)
		}
	}
}

func TestAppendWSFrame(t *testing.T) {
	tests := []struct {
		name   string
		p      Packet
		header []byte // expected frame header
	}{
		{"empty text", Packet{Type: PacketPing}, []byte{0x81, 1}},
		{"short text", msg("hello"), []byte{0x81, 6}},
		{"text 125 bytes", msg(strings.Repeat("x", 124)), []byte{0x81, 125}},
		{"text 126 bytes", msg(strings.Repeat("x", 125)), []byte{0x81, 126, 0, 126}},
		{"text 65535 bytes", msg(strings.Repeat("x", 65534)), []byte{0x81, 126, 0xff, 0xff}},
		{"text 65536 bytes", msg(strings.Repeat("x", 65535)), []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
		{"text 70000 bytes", msg(strings.Repeat("x", 69999)), []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70}},
		{"empty binary", bin(), []byte{0x82, 0}},
		{"binary 125 bytes", Packet{Type: PacketMessage, Data: make([]byte, 125), Binary: true}, []byte{0x82, 125}},
		{"binary 126 bytes", Packet{Type: PacketMessage, Data: make([]byte, 126), Binary: true}, []byte{0x82, 126, 0, 126}},
		{"binary 65535 bytes", Packet{Type: PacketMessage, Data: make([]byte, 65535), Binary: true}, []byte{0x82, 126, 0xff, 0xff}},
		{"binary 65536 bytes", Packet{Type: PacketMessage, Data: make([]byte, 65536), Binary: true}, []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
		{"binary 16 MiB + 1", Packet{Type: PacketMessage, Data: make([]byte, 1<<24+1), Binary: true}, []byte{0x82, 127, 0, 0, 0, 0, 1, 0, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("prefix")
			frame := appendWSFrame(bytes.Clone(prefix), tt.p)
			if !bytes.HasPrefix(frame, prefix) {
				t.Fatal("dst was not kept")
			}
			frame = frame[len(prefix):]
			if !bytes.HasPrefix(frame, tt.header) {
				t.Fatalf("header % x, want % x", frame[:min(len(frame), len(tt.header))], tt.header)
			}
			fin, opcode, payload, rest, err := parseFrame(frame)
			if err != nil {
				t.Fatal(err)
			}
			if !fin || len(rest) != 0 {
				t.Fatalf("fin %v, %d trailing bytes", fin, len(rest))
			}
			wantPayload := tt.p.Data
			wantOpcode := byte(2)
			if !tt.p.Binary {
				wantPayload = append([]byte{byte(tt.p.Type)}, tt.p.Data...)
				wantOpcode = 1
			}
			if opcode != wantOpcode || !bytes.Equal(payload, wantPayload) {
				t.Fatalf("opcode %d payload %d bytes, want %d and %d bytes", opcode, len(payload), wantOpcode, len(wantPayload))
			}
			// The frame decodes back to the packet.
			p, err := DecodePacket(payload, opcode == 2)
			if err != nil || !packetEqual(p, tt.p) {
				t.Fatalf("decodes to %s, %v", fmtPacket(p), err)
			}
		})
	}
}

// parseFrame reads one unmasked WebSocket frame.
func parseFrame(b []byte) (fin bool, opcode byte, payload, rest []byte, err error) {
	if len(b) < 2 {
		return false, 0, nil, nil, errors.New("short frame")
	}
	fin, opcode = b[0]&0x80 != 0, b[0]&0x0f
	if b[1]&0x80 != 0 {
		return false, 0, nil, nil, errors.New("masked frame")
	}
	n, i := uint64(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return false, 0, nil, nil, errors.New("short header")
		}
		n, i = uint64(binary.BigEndian.Uint16(b[2:])), 4
		if n < 126 {
			return false, 0, nil, nil, errors.New("non-minimal 16-bit length")
		}
	case 127:
		if len(b) < 10 {
			return false, 0, nil, nil, errors.New("short header")
		}
		n, i = binary.BigEndian.Uint64(b[2:]), 10
		if n <= 0xffff || n>>63 != 0 {
			return false, 0, nil, nil, errors.New("bad 64-bit length")
		}
	}
	if uint64(len(b)-i) < n {
		return false, 0, nil, nil, fmt.Errorf("frame says %d bytes, has %d", n, len(b)-i)
	}
	return fin, opcode, b[i : i+int(n)], b[i+int(n):], nil
}

func TestMessageEncodedOnce(t *testing.T) {
	tests := []struct {
		m        *Message
		ws, poll string
	}{
		{NewMessage([]byte("hello"), false), "\x81\x064hello", "4hello"},
		{NewMessage([]byte{1, 2, 3}, true), "\x82\x03\x01\x02\x03", "bAQID"},
		{NewMessage([]byte{1, 2, 3, 4}, true), "\x82\x04\x01\x02\x03\x04", "bAQIDBA=="},
		{NewMessage(nil, true), "\x82\x00", "b"},
		{NewMessage(nil, false), "\x81\x014", "4"},
		{msgPing, "\x81\x012", "2"},
		{msgPong3p, "\x81\x063probe", "3probe"},
	}
	for _, tt := range tests {
		if tt.m.Len() != len(tt.m.p.Data) {
			t.Errorf("Len %d", tt.m.Len())
		}
		ws1, ws2 := tt.m.wsFrame(), tt.m.wsFrame()
		if string(ws1) != tt.ws {
			t.Errorf("wsFrame %q, want %q", ws1, tt.ws)
		}
		if !sameSlice(ws1, ws2) {
			t.Errorf("wsFrame of %q was encoded twice", tt.poll)
		}
		p1, p2 := tt.m.pollRecord(), tt.m.pollRecord()
		if string(p1) != tt.poll {
			t.Errorf("pollRecord %q, want %q", p1, tt.poll)
		}
		if !sameSlice(p1, p2) {
			t.Errorf("pollRecord of %q was encoded twice", tt.poll)
		}
		// The buffer was sized exactly: no growth while encoding.
		if cap(p1) != len(p1) {
			t.Errorf("pollRecord %q: cap %d, len %d", p1, cap(p1), len(p1))
		}
	}
}

func TestMessageEncodedOnceConcurrently(t *testing.T) {
	for _, binary := range []bool{false, true} {
		m := NewMessage(bytes.Repeat([]byte("ab"), 1000), binary)
		var wg sync.WaitGroup
		ws := make([][]byte, 16)
		poll := make([][]byte, 16)
		for i := range ws {
			wg.Go(func() { ws[i], poll[i] = m.wsFrame(), m.pollRecord() })
		}
		wg.Wait()
		for i := range ws {
			if !sameSlice(ws[i], ws[0]) || !sameSlice(poll[i], poll[0]) {
				t.Fatalf("binary=%v: goroutine %d got its own encoding", binary, i)
			}
		}
	}
}

func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && cap(a) == cap(b) && (len(a) == 0 || &a[0] == &b[0])
}

func msg(s string) Packet { return Packet{Type: PacketMessage, Data: []byte(s)} }

func bin(b ...byte) Packet { return Packet{Type: PacketMessage, Data: b, Binary: true} }

func packetEqual(a, b Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

func fmtPacket(p Packet) string {
	if len(p.Data) > 40 {
		return fmt.Sprintf("{%v %d bytes binary=%v}", p.Type, len(p.Data), p.Binary)
	}
	return fmt.Sprintf("{%v %q binary=%v}", p.Type, p.Data, p.Binary)
}
