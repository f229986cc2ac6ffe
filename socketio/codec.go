package socketio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wasmio/wasmio/engineio"
)

// This file is the Socket.IO v5 wire format, both ways: DecodePacket and
// the decoder that reassembles binary packets, and the encoders of the
// packets the server sends, each packet encoded once for all its receivers.

// PacketType is a Socket.IO v5 packet type.
type PacketType byte

// The Socket.IO v5 packet types.
const (
	PacketConnect PacketType = iota
	PacketDisconnect
	PacketEvent
	PacketAck
	PacketConnectError
	PacketBinaryEvent
	PacketBinaryAck
)

// maxAckID is the largest id a JavaScript client can represent exactly.
const maxAckID = 1<<53 - 1

// reservedEvents may not be used as event names: the client library gives
// them a meaning of its own.
var reservedEvents = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// IsReservedEvent reports whether name is one of the event names the
// Socket.IO client reserves ("connect", "disconnect", ...): a client may not
// send them and the server may not emit them (ErrReservedEvent).
func IsReservedEvent(name string) bool { return reservedEvents[name] }

// Packet is a decoded Socket.IO packet, without its binary attachments.
type Packet struct {
	Type PacketType
	// Namespace is "/" when the packet names none.
	Namespace string
	// ID is the acknowledgement id; HasID tells whether there is one.
	ID    uint64
	HasID bool
	// Attachments is the number of binary packets that follow a binary packet.
	Attachments int
	// Data is the JSON payload, nil when the packet has none; a view into the
	// decoded buffer.
	Data []byte
}

// DecodePacket decodes a text packet as the reference parser does, and
// rejects what it rejects: an unknown type, a bad attachment count or more
// than maxAttachments, invalid JSON, and a payload of the wrong shape for
// the type (an EVENT needs an array whose first element is a string that is
// not reserved, or a number).
func DecodePacket(b []byte, maxAttachments int) (Packet, error) {
	var p Packet
	if len(b) == 0 || b[0] < '0' || b[0] > '6' {
		return p, fmt.Errorf("%w: unknown packet type", ErrParse)
	}
	p.Type = PacketType(b[0] - '0')
	i := 1
	if p.Type == PacketBinaryEvent || p.Type == PacketBinaryAck {
		j := bytes.IndexByte(b[i:], '-')
		if j <= 0 || j > 6 {
			return p, fmt.Errorf("%w: illegal attachments", ErrParse)
		}
		n, err := strconv.Atoi(string(b[i : i+j]))
		if err != nil || n < 1 {
			return p, fmt.Errorf("%w: illegal attachments", ErrParse)
		}
		if n > maxAttachments {
			return p, fmt.Errorf("%w: too many attachments (%d > %d)", ErrParse, n, maxAttachments)
		}
		p.Attachments = n
		i += j + 1
	}
	p.Namespace = "/"
	if i < len(b) && b[i] == '/' {
		j := bytes.IndexByte(b[i:], ',')
		if j < 0 {
			p.Namespace, i = string(b[i:]), len(b)
		} else {
			p.Namespace, i = string(b[i:i+j]), i+j+1
		}
	}
	if start := i; i < len(b) && isDigit(b[i]) {
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		id, err := strconv.ParseUint(string(b[start:i]), 10, 64)
		if err != nil || id > maxAckID {
			return p, fmt.Errorf("%w: illegal ack id", ErrParse)
		}
		p.ID, p.HasID = id, true
	}
	if i < len(b) {
		p.Data = b[i:]
		if !json.Valid(p.Data) {
			return p, fmt.Errorf("%w: invalid JSON payload", ErrParse)
		}
	}
	if err := checkPayload(p); err != nil {
		return p, err
	}
	return p, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func checkPayload(p Packet) error {
	first := byte(0)
	if d := bytes.TrimLeft(p.Data, " \t\r\n"); len(d) > 0 {
		first = d[0]
	}
	ok := false
	switch p.Type {
	case PacketConnect:
		ok = p.Data == nil || first == '{'
	case PacketDisconnect:
		ok = p.Data == nil
	case PacketConnectError:
		ok = first == '{' || first == '"'
	case PacketEvent, PacketBinaryEvent:
		if first == '[' {
			_, _, err := splitEvent(p.Data)
			return err
		}
	case PacketAck, PacketBinaryAck:
		ok = first == '['
	}
	if !ok {
		return fmt.Errorf("%w: invalid payload for packet type %d", ErrParse, p.Type)
	}
	return nil
}

// splitEvent returns an EVENT payload's name and the offset at which its
// arguments start: data[off:] with data[off] replaced by '[' is the array of
// the remaining elements. off is -1 when there are none. data must be valid
// JSON.
func splitEvent(data []byte) (name string, off int, err error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return "", 0, fmt.Errorf("%w: event payload is not an array", ErrParse)
	}
	i = skipSpace(data, i+1)
	if i >= len(data) {
		return "", 0, fmt.Errorf("%w: truncated event", ErrParse)
	}
	start := i
	switch c := data[i]; {
	case c == '"':
		i++
		escaped := false
		for ; i < len(data) && data[i] != '"'; i++ {
			if data[i] == '\\' {
				escaped = true
				i++
			}
		}
		if i >= len(data) {
			return "", 0, fmt.Errorf("%w: unterminated event name", ErrParse)
		}
		i++ // closing quote
		if escaped {
			if err := json.Unmarshal(data[start:i], &name); err != nil {
				return "", 0, fmt.Errorf("%w: bad event name", ErrParse)
			}
		} else {
			name = string(data[start+1 : i-1])
		}
		if reservedEvents[name] {
			return "", 0, fmt.Errorf("%w: reserved event name %q", ErrParse, name)
		}
	case c == '-' || isDigit(c):
		for i < len(data) && (data[i] == '-' || data[i] == '+' || data[i] == '.' || data[i] == 'e' || data[i] == 'E' || isDigit(data[i])) {
			i++
		}
		name = string(data[start:i])
	default:
		return "", 0, fmt.Errorf("%w: event name must be a string or a number", ErrParse)
	}
	i = skipSpace(data, i)
	if i < len(data) && data[i] == ',' {
		return name, i, nil
	}
	return name, -1, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// appendHeader appends a packet's type, attachment count, namespace and ack id.
func appendHeader(dst []byte, t PacketType, nsp string, attachments int, id uint64, hasID bool) []byte {
	dst = append(dst, byte('0'+t))
	if t == PacketBinaryEvent || t == PacketBinaryAck {
		dst = strconv.AppendInt(dst, int64(attachments), 10)
		dst = append(dst, '-')
	}
	if nsp != "/" {
		dst = append(dst, nsp...)
		dst = append(dst, ',')
	}
	if hasID {
		dst = strconv.AppendUint(dst, id, 10)
	}
	return dst
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(dst, b...)
}

// checkArgs accepts a raw JSON array; the engine trusts its callers to pass
// valid JSON and only checks the shape it splices.
func checkArgs(args []byte) ([]byte, error) {
	args = bytes.TrimSpace(args)
	if len(args) == 0 {
		return []byte("[]"), nil
	}
	if len(args) < 2 || args[0] != '[' || args[len(args)-1] != ']' {
		return nil, fmt.Errorf("%w: arguments must be a JSON array", ErrInvalidArgs)
	}
	return args, nil
}

// appendEvent appends an EVENT (or BINARY_EVENT) packet whose array is the
// event name followed by the elements of args.
func appendEvent(dst []byte, nsp, event string, args []byte, attachments int, id uint64, hasID bool) []byte {
	t := PacketEvent
	if attachments > 0 {
		t = PacketBinaryEvent
	}
	dst = appendHeader(dst, t, nsp, attachments, id, hasID)
	dst = append(dst, '[')
	dst = appendJSONString(dst, event)
	if inner := bytes.TrimSpace(args[1 : len(args)-1]); len(inner) > 0 {
		dst = append(dst, ',')
		dst = append(dst, inner...)
	}
	return append(dst, ']')
}

// appendAck appends an ACK (or BINARY_ACK) packet carrying args.
func appendAck(dst []byte, nsp string, id uint64, args []byte, attachments int) []byte {
	t := PacketAck
	if attachments > 0 {
		t = PacketBinaryAck
	}
	dst = appendHeader(dst, t, nsp, attachments, id, true)
	return append(dst, args...)
}

// decoder turns a session's Engine.IO messages into Socket.IO packets,
// reassembling binary packets from their header and attachments, as the
// reference parser's Decoder does. Its add calls must not overlap.
type decoder struct {
	maxAttachments int // per packet
	maxBytes       int // attachment bytes per packet

	pending *Packet // a binary packet waiting for attachments
	atts    [][]byte
	bytes   int
}

// add consumes one message and returns a complete packet when there is one
// (ok). A packet's Data is a view into data for text packets; attachments
// and a binary packet's Data are copies. After an error the decoder must not
// be used again.
func (d *decoder) add(data []byte, binary bool) (p Packet, atts [][]byte, ok bool, err error) {
	if binary {
		if d.pending == nil {
			return p, nil, false, fmt.Errorf("%w: binary data outside a binary packet", ErrParse)
		}
		d.bytes += len(data)
		if d.bytes > d.maxBytes {
			return p, nil, false, fmt.Errorf("%w: attachments exceed %d bytes", ErrParse, d.maxBytes)
		}
		d.atts = append(d.atts, bytes.Clone(data))
		if len(d.atts) < d.pending.Attachments {
			return p, nil, false, nil
		}
		p, atts = *d.pending, d.atts
		d.pending, d.atts, d.bytes = nil, nil, 0
		return p, atts, true, nil
	}
	if d.pending != nil {
		return p, nil, false, fmt.Errorf("%w: text packet while reassembling a binary packet", ErrParse)
	}
	if p, err = DecodePacket(data, d.maxAttachments); err != nil {
		return p, nil, false, err
	}
	if p.Attachments > 0 {
		pending := p
		pending.Data = bytes.Clone(p.Data) // it outlives data
		d.pending = &pending
		return Packet{}, nil, false, nil
	}
	return p, nil, true, nil
}

// encodeEvent builds an event's Engine.IO messages, encoded once for every
// receiver: the packet, then one binary message per attachment.
func encodeEvent(nsp, event string, args []byte, id uint64, hasID bool, atts [][]byte) ([]*engineio.Message, error) {
	if reservedEvents[event] {
		return nil, ErrReservedEvent
	}
	args, err := checkArgs(args)
	if err != nil {
		return nil, err
	}
	return packetMessages(appendEvent(make([]byte, 0, len(args)+len(event)+len(nsp)+8), nsp, event, args, len(atts), id, hasID), atts), nil
}

func packetMessages(header []byte, atts [][]byte) []*engineio.Message {
	msgs := make([]*engineio.Message, 1, 1+len(atts))
	msgs[0] = engineio.NewMessage(header, false)
	for _, a := range atts {
		msgs = append(msgs, engineio.NewMessage(a, true))
	}
	return msgs
}

func encodeConnect(nsp, sid string) *engineio.Message {
	b := appendHeader(nil, PacketConnect, nsp, 0, 0, false)
	b = append(b, `{"sid":`...)
	b = appendJSONString(b, sid)
	return engineio.NewMessage(append(b, '}'), false)
}

func encodeConnectError(nsp, message string, data []byte) *engineio.Message {
	b := appendHeader(nil, PacketConnectError, nsp, 0, 0, false)
	b = append(b, `{"message":`...)
	b = appendJSONString(b, message)
	if len(data) > 0 {
		b = append(b, `,"data":`...)
		b = append(b, data...)
	}
	return engineio.NewMessage(append(b, '}'), false)
}

func encodeDisconnect(nsp string) *engineio.Message {
	return engineio.NewMessage(appendHeader(nil, PacketDisconnect, nsp, 0, 0, false), false)
}
