package engineio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// clientFrame encodes a frame as a client sends it: masked, with the
// shortest length encoding unless long is set.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	b := []byte{op}
	if fin {
		b[0] |= 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	mask := [4]byte{0x11, 0x22, 0x33, 0x44}
	b = append(b, mask[:]...)
	for i, c := range payload {
		b = append(b, c^mask[i&3])
	}
	return b
}

// readLog records what a wsReader hands on, as wsConn would answer it.
type readLog []string

func (l *readLog) onFrame(data []byte, binary bool) {
	kind := "text"
	if binary {
		kind = "binary"
	}
	*l = append(*l, kind+":"+string(data))
}

func (l *readLog) onControl(op byte, payload []byte) error {
	switch op {
	case wsOpClose:
		code, err := closePayload(payload)
		if err != nil {
			return err
		}
		*l = append(*l, fmt.Sprint("close:", code))
		return errPeerClosed
	case wsOpPing:
		*l = append(*l, "ping:"+string(payload))
	default:
		*l = append(*l, "pong:"+string(payload))
	}
	return nil
}

// parse feeds in to a new reader in chunks of at most step bytes (all at
// once for 0) and returns what it handed on and the close code of its
// error: 0 for none, -1 for a close by the client.
func parse(in []byte, step, max int) (readLog, int) {
	r := wsReader{max: max}
	var log readLog
	in = bytes.Clone(in) // feed unmasks in place
	for len(in) > 0 {
		k := len(in)
		if step > 0 {
			k = min(k, step)
		}
		if err := r.feed(in[:k], &log); err != nil {
			var we *wsError
			switch {
			case errors.As(err, &we):
				return log, int(we.code)
			case errors.Is(err, errPeerClosed):
				return log, -1
			}
			panic(err)
		}
		in = in[k:]
	}
	return log, 0
}

func TestWSReader(t *testing.T) {
	const max = 100_000
	f := clientFrame
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	big := strings.Repeat("x", 70_000)
	tests := []struct {
		name string
		in   []byte
		want []string
		code int
	}{
		{"text", f(true, wsOpText, []byte("4hello")), []string{"text:4hello"}, 0},
		{"binary", f(true, wsOpBinary, []byte{0, 1, 2}), []string{"binary:\x00\x01\x02"}, 0},
		{"empty text", f(true, wsOpText, nil), []string{"text:"}, 0},
		{"two messages", cat(f(true, wsOpText, []byte("4a")), f(true, wsOpText, []byte("4b"))), []string{"text:4a", "text:4b"}, 0},
		{"16-bit length", f(true, wsOpText, []byte(big[:200])), []string{"text:" + big[:200]}, 0},
		{"64-bit length", f(true, wsOpText, []byte(big)), []string{"text:" + big}, 0},
		{"fragments with a ping between", cat(f(false, wsOpText, []byte("4a")), f(true, wsOpPing, []byte("p")),
			f(false, wsOpContinuation, nil), f(true, wsOpContinuation, []byte("bc"))), []string{"ping:p", "text:4abc"}, 0},
		{"empty fragments", cat(f(false, wsOpBinary, nil), f(true, wsOpContinuation, nil)), []string{"binary:"}, 0},
		{"UTF-8 split across fragments", cat(f(false, wsOpText, []byte("4\xc3")), f(true, wsOpContinuation, []byte("\xa9"))), []string{"text:4é"}, 0},
		{"pong", f(true, wsOpPong, []byte("x")), []string{"pong:x"}, 0},
		{"close with a code", cat(f(true, wsOpClose, []byte{0x03, 0xe8, 'o', 'k'}), f(true, wsOpText, []byte("4late"))), []string{"close:1000"}, -1},
		{"close without a code", f(true, wsOpClose, nil), []string{"close:1000"}, -1},
		{"close with 4000", f(true, wsOpClose, []byte{0x0f, 0xa0}), []string{"close:4000"}, -1},
		{"at the limit", f(true, wsOpBinary, make([]byte, max)), []string{"binary:" + string(make([]byte, max))}, 0},
		{"over the limit", f(true, wsOpBinary, make([]byte, max+1)), nil, closeTooLarge},
		{"fragments over the limit", cat(f(false, wsOpBinary, make([]byte, max)), f(true, wsOpContinuation, []byte{1})), nil, closeTooLarge},
		{"not masked", []byte{0x81, 0x01, '4'}, nil, closeProtocolError},
		{"reserved bit", append([]byte{0xc1}, f(true, wsOpText, []byte("4"))[1:]...), nil, closeProtocolError},
		{"unknown opcode", f(true, 0x3, nil), nil, closeProtocolError},
		{"unknown control opcode", f(true, 0xb, nil), nil, closeProtocolError},
		{"continuation outside a message", f(true, wsOpContinuation, []byte("x")), nil, closeProtocolError},
		{"a message inside a message", cat(f(false, wsOpText, []byte("4")), f(true, wsOpText, []byte("4"))), nil, closeProtocolError},
		{"fragmented ping", f(false, wsOpPing, nil), nil, closeProtocolError},
		{"ping over 125 bytes", f(true, wsOpPing, make([]byte, 126)), nil, closeProtocolError},
		{"length with its top bit set", []byte("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x00mask"), nil, closeProtocolError},
		{"text not UTF-8", f(true, wsOpText, []byte("4bad \xff")), nil, closeInvalidData},
		{"close with one byte", f(true, wsOpClose, []byte{3}), nil, closeProtocolError},
		{"close with 1005", f(true, wsOpClose, []byte{0x03, 0xed}), nil, closeProtocolError},
		{"close reason not UTF-8", f(true, wsOpClose, []byte{0x03, 0xe8, 0xff}), nil, closeInvalidData},
	}
	for _, tt := range tests {
		for _, step := range []int{0, 1, 3, 127, 4096} {
			t.Run(fmt.Sprintf("%s/step %d", tt.name, step), func(t *testing.T) {
				got, code := parse(tt.in, step, max)
				if !slices.Equal(got, tt.want) || code != tt.code {
					t.Fatalf("got %.80q (close %d), want %.80q (close %d)", got, code, tt.want, tt.code)
				}
			})
		}
	}
}

// FuzzWSReader checks that the parser never panics and that how the bytes
// are split across reads changes nothing.
func FuzzWSReader(f *testing.F) {
	f.Add(clientFrame(true, wsOpText, []byte("4hello")), uint8(1))
	f.Add(append(clientFrame(false, wsOpBinary, []byte{1}), clientFrame(true, wsOpContinuation, []byte{2})...), uint8(2))
	f.Add(clientFrame(true, wsOpClose, []byte{3, 0xe8}), uint8(3))
	f.Add([]byte("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x00mask"), uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		whole, wcode := parse(in, 0, 1000)
		split, scode := parse(in, int(step%64)+1, 1000)
		if !slices.Equal(whole, split) || wcode != scode {
			t.Fatalf("whole: %q (close %d); in steps of %d: %q (close %d)", whole, wcode, step%64+1, split, scode)
		}
	})
}
