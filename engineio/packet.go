package engineio

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// PacketType is an Engine.IO v4 packet type. On the wire it is the ASCII digit
// that starts a text packet.
type PacketType byte

// The Engine.IO v4 packet types.
const (
	PacketOpen    PacketType = '0'
	PacketClose   PacketType = '1'
	PacketPing    PacketType = '2'
	PacketPong    PacketType = '3'
	PacketMessage PacketType = '4'
	PacketUpgrade PacketType = '5'
	PacketNoop    PacketType = '6'
)

// recordSeparator joins packets in a long-polling payload.
const recordSeparator = '\x1e'

func (t PacketType) valid() bool { return t >= PacketOpen && t <= PacketNoop }

func (t PacketType) String() string {
	switch t {
	case PacketOpen:
		return "open"
	case PacketClose:
		return "close"
	case PacketPing:
		return "ping"
	case PacketPong:
		return "pong"
	case PacketMessage:
		return "message"
	case PacketUpgrade:
		return "upgrade"
	case PacketNoop:
		return "noop"
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// Packet is one decoded Engine.IO packet. Binary is set only for message
// packets that carried raw bytes (a binary WebSocket frame, or a "b"-prefixed
// base64 record in a polling payload).
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

// DecodePacket decodes one packet as carried by a WebSocket frame. A binary
// frame is always a message packet holding the frame's bytes. Data is a view
// into frame, not a copy.
func DecodePacket(frame []byte, binary bool) (Packet, error) {
	if binary {
		return Packet{Type: PacketMessage, Data: frame, Binary: true}, nil
	}
	if len(frame) == 0 {
		return Packet{}, fmt.Errorf("%w: empty packet", ErrParse)
	}
	t := PacketType(frame[0])
	if !t.valid() {
		return Packet{}, fmt.Errorf("%w: unknown packet type %q", ErrParse, frame[0])
	}
	return Packet{Type: t, Data: frame[1:]}, nil
}

// DecodePayload splits a long-polling payload into packets and calls fn for
// each, stopping at the first error. Text packets' Data are views into payload;
// base64 records are decoded in place, so payload is overwritten. A payload
// must hold at least one packet.
func DecodePayload(payload []byte, fn func(Packet) error) error {
	if len(payload) == 0 {
		return fmt.Errorf("%w: empty payload", ErrParse)
	}
	for len(payload) > 0 {
		var rec []byte
		if i := bytes.IndexByte(payload, recordSeparator); i >= 0 {
			rec, payload = payload[:i], payload[i+1:]
			if len(payload) == 0 {
				return fmt.Errorf("%w: payload ends with a separator", ErrParse)
			}
		} else {
			rec, payload = payload, nil
		}
		var p Packet
		if len(rec) > 0 && rec[0] == 'b' {
			n, err := base64.StdEncoding.Decode(rec[1:], rec[1:])
			if err != nil {
				return fmt.Errorf("%w: bad base64 record: %v", ErrParse, err)
			}
			p = Packet{Type: PacketMessage, Data: rec[1 : 1+n], Binary: true}
		} else {
			var err error
			if p, err = DecodePacket(rec, false); err != nil {
				return err
			}
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// AppendPacket appends p in its long-polling form: the type digit and the
// data, or "b" and the base64 of the data for a binary message.
func AppendPacket(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, byte(p.Type))
	return append(dst, p.Data...)
}

// appendWSFrame appends an unmasked, final server-to-client WebSocket frame
// holding p: a binary frame with the raw data for a binary message, otherwise
// a text frame with the type digit and the data.
func appendWSFrame(dst []byte, p Packet) []byte {
	opcode, n := byte(0x1), len(p.Data)+1
	if p.Binary {
		opcode, n = 0x2, len(p.Data)
	}
	dst = append(dst, 0x80|opcode)
	switch {
	case n < 126:
		dst = append(dst, byte(n))
	case n <= 0xffff:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127, byte(uint64(n)>>56), byte(uint64(n)>>48), byte(uint64(n)>>40),
			byte(uint64(n)>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	if !p.Binary {
		dst = append(dst, byte(p.Type))
	}
	return append(dst, p.Data...)
}
