package engineio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// WebSocket opcodes (RFC 6455 5.2).
const (
	wsOpContinuation = 0x0
	wsOpText         = 0x1
	wsOpBinary       = 0x2
	wsOpClose        = 0x8
	wsOpPing         = 0x9
	wsOpPong         = 0xa
)

// Close codes the server sends (RFC 6455 7.4.1).
const (
	closeNormal        = 1000
	closeProtocolError = 1002
	closeInvalidData   = 1007
	closeTooLarge      = 1009
)

// maxControlPayload is the payload limit of a control frame.
const maxControlPayload = 125

// errPeerClosed reports a close frame from the client.
var errPeerClosed = errors.New("engineio: the client closed the WebSocket")

// wsError is a violation of RFC 6455 by the client: the server answers it
// with a close frame carrying code, then closes the connection.
type wsError struct {
	code uint16
	msg  string
}

func (e *wsError) Error() string {
	return fmt.Sprintf("engineio: websocket: %s (close %d)", e.msg, e.code)
}

// errFrameLength reports a frame whose 64-bit length has its top bit set.
var errFrameLength = &wsError{closeProtocolError, "a frame's length has its most significant bit set"}

func protocolErr(msg string) error { return &wsError{closeProtocolError, msg} }

// wsReader parses the frames a client sends, from bytes pushed to it as
// they arrive: it keeps nothing between reads but a partial header and,
// for a message that spans reads or frames, the part read so far. Its zero
// value, with max set, is ready. A wsReader is used by one goroutine at a
// time; a connection between frames gives its wsReader back to a pool
// (wsConn.releaseReader).
type wsReader struct {
	max int // the largest message, in bytes

	hdr [14]byte // the current frame's header, while incomplete
	nh  int      // bytes of hdr read; 0 once the frame's payload is being read

	inFrame bool
	fin     bool
	op      byte
	mask    [4]byte
	maskAt  int    // mask offset of the next payload byte
	left    uint64 // payload bytes of the current frame still to come

	msgOp byte   // the opcode of the data message being assembled; 0 for none
	msg   []byte // its payload so far, when it spans frames or reads
	ctl   []byte // a control frame's payload so far, when it spans reads
}

// wsHandler receives what a wsReader parses. Payloads are only valid
// during the call: they point into the read buffer.
type wsHandler interface {
	onFrame(data []byte, binary bool)
	onControl(op byte, payload []byte) error
}

// feed parses b, calling h for every complete message and control frame.
// It unmasks b in place. An error ends the connection.
func (r *wsReader) feed(b []byte, h wsHandler) error {
	for len(b) > 0 {
		if !r.inFrame {
			for {
				need := r.headerLen()
				if r.nh == need {
					break
				}
				if len(b) == 0 {
					return nil
				}
				k := copy(r.hdr[r.nh:need], b)
				r.nh, b = r.nh+k, b[k:]
			}
			if err := r.startFrame(h); err != nil {
				return err
			}
			if !r.inFrame {
				continue // an empty frame
			}
		}
		k := min(uint64(len(b)), r.left)
		p := b[:k]
		b = b[k:]
		r.unmask(p)
		r.left -= k
		if err := r.payload(p, h); err != nil {
			return err
		}
	}
	return nil
}

// headerLen is the length of the current frame's header, as far as the
// bytes read so far tell.
func (r *wsReader) headerLen() int {
	if r.nh < 2 {
		return 2
	}
	n := 2
	switch r.hdr[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if r.hdr[1]&0x80 != 0 {
		n += 4
	}
	return n
}

// startFrame checks the complete header in r.hdr and starts its payload;
// an empty frame ends at once.
func (r *wsReader) startFrame(h wsHandler) error {
	hd := r.hdr[:r.nh]
	r.nh = 0
	if hd[0]&0x70 != 0 {
		return protocolErr("reserved bits set without an extension")
	}
	if hd[1]&0x80 == 0 {
		return protocolErr("a client frame is not masked")
	}
	fin, op := hd[0]&0x80 != 0, hd[0]&0x0f
	length := uint64(hd[1] & 0x7f)
	rest := hd[2:]
	switch length {
	case 126:
		length, rest = uint64(binary.BigEndian.Uint16(rest)), rest[2:]
	case 127:
		if length, rest = binary.BigEndian.Uint64(rest), rest[8:]; length >= 1<<63 {
			return errFrameLength
		}
	}
	copy(r.mask[:], rest)
	switch op {
	case wsOpClose, wsOpPing, wsOpPong:
		if !fin || length > maxControlPayload {
			return protocolErr("a fragmented or oversized control frame")
		}
	case wsOpText, wsOpBinary:
		if r.msgOp != 0 {
			return protocolErr("a new message before the last one's final frame")
		}
	case wsOpContinuation:
		if r.msgOp == 0 {
			return protocolErr("a continuation frame outside a message")
		}
	default:
		return protocolErr(fmt.Sprintf("opcode %#x", op))
	}
	if op < wsOpClose && uint64(len(r.msg))+length > uint64(r.max) {
		return &wsError{closeTooLarge, fmt.Sprintf("a message over %d bytes", r.max)}
	}
	if op == wsOpText || op == wsOpBinary {
		r.msgOp = op
	}
	r.inFrame, r.fin, r.op, r.maskAt, r.left = true, fin, op, 0, length
	if length == 0 {
		return r.endFrame(nil, h)
	}
	return nil
}

func (r *wsReader) unmask(p []byte) {
	at := r.maskAt
	for i := range p {
		p[i] ^= r.mask[(at+i)&3]
	}
	r.maskAt = (at + len(p)) & 3
}

// payload takes the next part p of the current frame's payload.
func (r *wsReader) payload(p []byte, h wsHandler) error {
	buf := &r.msg
	if r.op >= wsOpClose {
		buf = &r.ctl
	}
	if r.left > 0 {
		// The frame continues in the next read. Its buffer grows with what
		// arrives, not to the length the header claims: a client that
		// declares large frames and sends them slowly gets no more memory
		// than it sent.
		*buf = append(*buf, p...)
		return nil
	}
	if *buf != nil || !r.fin {
		*buf = append(*buf, p...)
		p = *buf
	}
	return r.endFrame(p, h)
}

// endFrame completes the current frame, whose whole payload is p.
func (r *wsReader) endFrame(p []byte, h wsHandler) error {
	r.inFrame = false
	if r.op >= wsOpClose {
		r.ctl = nil
		return h.onControl(r.op, p)
	}
	if !r.fin {
		if r.msg == nil {
			r.msg = []byte{} // a message of empty frames so far
		}
		return nil
	}
	op := r.msgOp
	r.msgOp, r.msg = 0, nil
	if op == wsOpText && !utf8.Valid(p) {
		return &wsError{closeInvalidData, "a text message that is not UTF-8"}
	}
	h.onFrame(p, op == wsOpBinary)
	return nil
}

// closePayload checks a close frame's payload (RFC 6455 5.5.1, 7.4) and
// returns the code to echo: the client's, or 1000 when it sent none.
func closePayload(p []byte) (uint16, error) {
	switch {
	case len(p) == 0:
		return closeNormal, nil
	case len(p) == 1:
		return 0, protocolErr("a close frame with a one-byte payload")
	}
	code := binary.BigEndian.Uint16(p)
	if !validCloseCode(code) {
		return 0, protocolErr(fmt.Sprintf("close code %d", code))
	}
	if !utf8.Valid(p[2:]) {
		return 0, &wsError{closeInvalidData, "a close reason that is not UTF-8"}
	}
	return code, nil
}

func validCloseCode(c uint16) bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1011, c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// controlFrame encodes an unmasked server control frame; payload is at
// most maxControlPayload bytes.
func controlFrame(op byte, payload []byte) []byte {
	return append([]byte{0x80 | op, byte(len(payload))}, payload...)
}

// closeFrame encodes a close frame with code and no reason.
func closeFrame(code uint16) []byte {
	return controlFrame(wsOpClose, binary.BigEndian.AppendUint16(nil, code))
}
