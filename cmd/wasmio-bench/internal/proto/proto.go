// Package proto is the wire protocol the benchmark's load generator and its
// comparison servers speak: WebSocket framing, the few Engine.IO v4 /
// Socket.IO v5 packets they exchange, and the HTTP of long-polling.
//
// It parses only what the load generator needs: the WebSocket frame header,
// the Engine.IO packet type, the Socket.IO packet type and, in an event, the
// timestamp and sequence number the sender put at the start of the first
// argument ("<ts>:<seq>", ts in nanoseconds of the load generator's
// monotonic clock). Nothing it does on a message allocates.
package proto

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"strconv"
)

// WebSocket opcodes.
const (
	opCont  = 0x0
	OpText  = 0x1
	OpClose = 0x8
	OpPing  = 0x9
	OpPong  = 0xA
)

var (
	errFrame     = errors.New("bench: malformed WebSocket frame")
	errFragment  = errors.New("bench: fragmented WebSocket frames are not supported")
	errHandshake = errors.New("bench: WebSocket handshake refused")
)

// FrameHeader parses the header of a server-to-client frame at the start of
// b. It returns the opcode, the header length and the payload length; hdr == 0
// means b does not yet hold the whole header. Masked server frames are
// refused, as RFC 6455 requires.
func FrameHeader(b []byte) (op byte, hdr, plen int, err error) {
	if len(b) < 2 {
		return 0, 0, 0, nil
	}
	if b[0]&0x70 != 0 {
		return 0, 0, 0, errFrame // reserved bits: no extension was negotiated
	}
	op = b[0] & 0x0F
	fin := b[0]&0x80 != 0
	if b[1]&0x80 != 0 {
		return 0, 0, 0, errFrame
	}
	switch n := int(b[1] & 0x7F); {
	case n < 126:
		hdr, plen = 2, n
	case n == 126:
		if len(b) < 4 {
			return 0, 0, 0, nil
		}
		hdr, plen = 4, int(b[2])<<8|int(b[3])
	default:
		if len(b) < 10 {
			return 0, 0, 0, nil
		}
		var v uint64
		for _, c := range b[2:10] {
			v = v<<8 | uint64(c)
		}
		if v > 1<<31 {
			return 0, 0, 0, errFrame
		}
		hdr, plen = 10, int(v)
	}
	if !fin || op == opCont {
		return 0, 0, 0, errFragment
	}
	return op, hdr, plen, nil
}

// AppendFrame appends a masked client-to-server frame (final, no extension).
func AppendFrame(dst []byte, op byte, payload []byte, mask uint32) []byte {
	dst = appendHeader(dst, op, len(payload), 0x80)
	key := [4]byte{byte(mask >> 24), byte(mask >> 16), byte(mask >> 8), byte(mask)}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	for i := range payload {
		dst[start+i] ^= key[i&3]
	}
	return dst
}

// AppendServerFrame appends an unmasked server-to-client text frame.
func AppendServerFrame(dst, payload []byte) []byte {
	return append(appendHeader(dst, OpText, len(payload), 0), payload...)
}

// appendHeader appends a final frame's header for an n-byte payload;
// masked is 0x80 for a client's frame (the key follows), 0 for a server's.
func appendHeader(dst []byte, op byte, n int, masked byte) []byte {
	dst = append(dst, 0x80|op)
	switch {
	case n < 126:
		return append(dst, masked|byte(n))
	case n <= 0xFFFF:
		return append(dst, masked|126, byte(n>>8), byte(n))
	}
	return append(dst, masked|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// AppendEvent appends the Engine.IO message carrying the Socket.IO event
// 42[<ackID>]["<event>","<ts>:<seq>[:<pad>]"]; ackID < 0 asks for no
// acknowledgement. Frame it with AppendFrame (WebSocket) or send it as a
// polling record.
func AppendEvent(dst []byte, event string, ackID int, ts int64, seq uint64, pad int) []byte {
	dst = append(dst, '4', '2')
	if ackID >= 0 {
		dst = strconv.AppendInt(dst, int64(ackID), 10)
	}
	dst = append(dst, `["`...)
	dst = append(dst, event...)
	dst = append(dst, `","`...)
	dst = strconv.AppendInt(dst, ts, 10)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, seq, 10)
	if pad > 0 {
		dst = append(dst, ':')
		for i := 0; i < pad; i++ {
			dst = append(dst, 'x')
		}
	}
	return append(dst, `"]`...)
}

// ParseEvent reads a Socket.IO EVENT packet as the load generator sends and
// receives them: after the type digit (already consumed), an optional
// "/ns," and ack id, then ["<event>","<ts>:<seq>...". It returns the
// timestamp and sequence number; ok is false for anything else.
func ParseEvent(p []byte) (ts int64, seq uint64, ok bool) {
	i := bytes.IndexByte(p, '[')
	if i < 0 || i+1 >= len(p) || p[i+1] != '"' {
		return 0, 0, false
	}
	// Skip the event name (the load generator's names have no escapes).
	j := bytes.IndexByte(p[i+2:], '"')
	if j < 0 {
		return 0, 0, false
	}
	k := i + 2 + j + 1 // after the name's closing quote
	if k+2 > len(p) || p[k] != ',' || p[k+1] != '"' {
		return 0, 0, false
	}
	k += 2
	var n int
	ts, n = ParseDigits(p[k:])
	if n == 0 || k+n >= len(p) || p[k+n] != ':' {
		return 0, 0, false
	}
	k += n + 1
	s, n := ParseDigits(p[k:])
	if n == 0 || k+n >= len(p) || (p[k+n] != '"' && p[k+n] != ':') {
		return 0, 0, false
	}
	return ts, uint64(s), true
}

// ParseDigits parses leading decimal digits (at most 19) of b.
func ParseDigits(b []byte) (int64, int) {
	var v int64
	n := 0
	for n < len(b) && n < 19 && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + int64(b[n]-'0')
		n++
	}
	return v, n
}

// wsKey is the Sec-WebSocket-Key every load generator connection sends, and
// wsAccept the answer RFC 6455 requires for it.
const wsKey = "d2FzbWlvLWJlbmNoLWtleQ=="

var wsAccept = acceptFor(wsKey)

// acceptFor returns the Sec-WebSocket-Accept RFC 6455 requires for key.
func acceptFor(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// UpgradeRequest is the HTTP request that opens an Engine.IO WebSocket
// without polling first.
func UpgradeRequest(host, path string) []byte {
	return []byte("GET " + path + "?EIO=4&transport=websocket HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + wsKey + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n")
}

// ParseUpgradeResponse checks the server's answer to UpgradeRequest at the
// start of b. It returns the length of the response head, 0 if b does not
// hold all of it yet.
func ParseUpgradeResponse(b []byte) (int, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > 8192 {
			return 0, errHandshake
		}
		return 0, nil
	}
	head := b[:end]
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101")) {
		line, _, _ := bytes.Cut(head, []byte("\r\n"))
		return 0, errors.New("bench: WebSocket handshake refused: " + string(line))
	}
	accept := headerValue(head, "sec-websocket-accept")
	if accept != nil && string(accept) != wsAccept {
		return 0, errors.New("bench: WebSocket handshake: wrong Sec-WebSocket-Accept")
	}
	return end + 4, nil
}

// headerValue returns the value of header name (lower case) in an HTTP
// response head, or nil.
func headerValue(head []byte, name string) []byte {
	for len(head) > 0 {
		var line []byte
		line, head, _ = bytes.Cut(head, []byte("\r\n"))
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && len(k) == len(name) && bytes.EqualFold(k, []byte(name)) {
			return bytes.TrimSpace(v)
		}
	}
	return nil
}

// ParseHTTPResponse parses one HTTP/1.1 response with a Content-Length body
// at the start of b (as Engine.IO polling servers send them). It returns the
// status, the body (a view into b) and the total length; total == 0 means b
// does not hold the whole response yet.
func ParseHTTPResponse(b []byte) (status int, body []byte, total int, err error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > 16384 {
			return 0, nil, 0, errors.New("bench: HTTP response head too large")
		}
		return 0, nil, 0, nil
	}
	head := b[:end]
	if len(head) < 12 || !bytes.HasPrefix(head, []byte("HTTP/1.")) {
		return 0, nil, 0, errors.New("bench: not an HTTP response")
	}
	st, n := ParseDigits(head[9:])
	if n != 3 {
		return 0, nil, 0, errors.New("bench: bad HTTP status line")
	}
	if te := headerValue(head, "transfer-encoding"); te != nil {
		return 0, nil, 0, errors.New("bench: chunked HTTP responses are not supported")
	}
	cl := headerValue(head, "content-length")
	if cl == nil {
		return 0, nil, 0, errors.New("bench: HTTP response without Content-Length")
	}
	length, n := ParseDigits(cl)
	if n == 0 || n != len(cl) {
		return 0, nil, 0, errors.New("bench: bad Content-Length")
	}
	total = end + 4 + int(length)
	if len(b) < total {
		return 0, nil, 0, nil
	}
	return int(st), b[end+4 : total], total, nil
}

// AppendPollingRequest appends an Engine.IO long-polling request: a GET when body
// is nil, otherwise a POST of body. sid is empty for the handshake.
func AppendPollingRequest(dst []byte, host, path, sid string, body []byte) []byte {
	if body == nil {
		dst = append(dst, "GET "...)
	} else {
		dst = append(dst, "POST "...)
	}
	dst = append(dst, path...)
	dst = append(dst, "?EIO=4&transport=polling"...)
	if sid != "" {
		dst = append(dst, "&sid="...)
		dst = append(dst, sid...)
	}
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, host...)
	dst = append(dst, "\r\n"...)
	if body != nil {
		dst = append(dst, "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, "\r\n\r\n"...)
		return append(dst, body...)
	}
	return append(dst, "\r\n"...)
}

// OpenSID extracts the session id from an Engine.IO open packet's JSON.
func OpenSID(p []byte) string {
	const key = `"sid":"`
	i := bytes.Index(p, []byte(key))
	if i < 0 {
		return ""
	}
	rest := p[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
