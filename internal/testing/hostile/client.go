package hostile

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// Target is the server under attack: a Socket.IO server, over plain
// HTTP, whose namespace "/" accepts clients that send no auth.
type Target struct {
	// URL is the server's base URL, like "http://127.0.0.1:3000".
	URL string
	// Path is the Socket.IO path. Zero means "/socket.io/".
	Path string
	// Conns is how many clients the bulk attacks open at once; keep it
	// under the server's per-address connection cap. Zero means 100.
	Conns int
}

func (t Target) addr() string { return strings.TrimSuffix(strings.TrimPrefix(t.URL, "http://"), "/") }

func (t Target) path() string {
	if t.Path == "" {
		return "/socket.io/"
	}
	return t.Path
}

func (t Target) conns() int {
	if t.Conns <= 0 {
		return 100
	}
	return t.Conns
}

// request returns the bytes of an HTTP/1.1 request for the Socket.IO path
// with query, carrying the extra header lines hdr, up to the blank line
// that ends the header.
func (t Target) request(method, query string, hdr ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s?%s HTTP/1.1\r\nHost: %s\r\n", method, t.path(), query, t.addr())
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// wsHeaders are a valid WebSocket handshake's header lines.
var wsHeaders = []string{"Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="}

// Client speaks Engine.IO to a target without a client library: polling
// over net/http, WebSocket over raw TCP (DialWS), so that the server sees
// exactly the bytes the caller chose.
type Client struct {
	t    Target
	http *http.Client
}

// NewClient returns a client of t; Close it when done.
func NewClient(t Target) *Client {
	return &Client{t: t, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}}
}

// Close closes the client's idle HTTP connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Response is a server's answer to a polling request.
type Response struct {
	Status int
	Body   string
}

// Do sends a request with method and query to the Socket.IO path; a
// contentType of "" means text/plain, as Engine.IO clients send.
func (c *Client) Do(ctx context.Context, method, query, contentType string, body []byte) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.t.URL+c.t.path()+"?"+query, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	if contentType == "" {
		contentType = "text/plain;charset=UTF-8"
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return Response{resp.StatusCode, string(b)}, err
}

// Poll sends a polling GET for session sid.
func (c *Client) Poll(ctx context.Context, sid string) (Response, error) {
	return c.Do(ctx, http.MethodGet, pollQuery(sid), "", nil)
}

// Post sends a polling POST of payload for session sid.
func (c *Client) Post(ctx context.Context, sid, payload string) (Response, error) {
	return c.Do(ctx, http.MethodPost, pollQuery(sid), "", []byte(payload))
}

func pollQuery(sid string) string { return "EIO=4&transport=polling&sid=" + sid }

// Open is a handshake's open packet.
type Open struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

func parseOpen(packet string) (Open, error) {
	var o Open
	if !strings.HasPrefix(packet, "0{") {
		return o, fmt.Errorf("not an open packet: %.100q", packet)
	}
	if err := json.Unmarshal([]byte(packet[1:]), &o); err != nil || o.SID == "" {
		return o, fmt.Errorf("bad open packet %.100q: %v", packet, err)
	}
	return o, nil
}

// Handshake opens a polling session.
func (c *Client) Handshake(ctx context.Context) (Open, error) {
	r, err := c.Do(ctx, http.MethodGet, "EIO=4&transport=polling", "", nil)
	if err != nil {
		return Open{}, fmt.Errorf("polling handshake: %w", err)
	}
	if r.Status != http.StatusOK {
		return Open{}, fmt.Errorf("polling handshake: %d %.100q", r.Status, r.Body)
	}
	return parseOpen(r.Body)
}

// nspPart is how a Socket.IO packet names nsp: not at all for "/".
func nspPart(nsp string) string {
	if nsp == "/" {
		return ""
	}
	return nsp + ","
}

// connectAnswer tells whether an Engine.IO message is the server's answer
// to a CONNECT to nsp, and whether it accepted it.
func connectAnswer(packet, nsp string) (answered, ok bool) {
	switch {
	case strings.HasPrefix(packet, "40"+nspPart(nsp)+"{"):
		return true, true
	case strings.HasPrefix(packet, "44"+nspPart(nsp)+"{"):
		return true, false
	}
	return false, false
}

// ConnectPolling opens a polling session and connects it to the
// Socket.IO namespace nsp, answering the server's pings meanwhile.
func (c *Client) ConnectPolling(ctx context.Context, nsp string) (Open, error) {
	o, err := c.Handshake(ctx)
	if err != nil {
		return o, err
	}
	if r, err := c.Post(ctx, o.SID, "40"+nspPart(nsp)); err != nil || r.Status != http.StatusOK {
		return o, fmt.Errorf("posting a CONNECT: %d %.100q %v", r.Status, r.Body, err)
	}
	for {
		r, err := c.Poll(ctx, o.SID)
		if err != nil || r.Status != http.StatusOK {
			return o, fmt.Errorf("polling for the CONNECT answer: %d %.100q %v", r.Status, r.Body, err)
		}
		for _, p := range strings.Split(r.Body, "\x1e") {
			switch p {
			case "1":
				return o, errors.New("the session closed before the CONNECT answer")
			case "2":
				// A slow CONNECT answer must not cost the session.
				if _, err := c.Post(ctx, o.SID, "3"); err != nil {
					return o, err
				}
			}
			if answered, ok := connectAnswer(p, nsp); answered && !ok {
				return o, fmt.Errorf("CONNECT refused: %.100q", p)
			} else if ok {
				return o, nil
			}
		}
	}
}

// ConnectWS opens a WebSocket session and connects it to the Socket.IO
// namespace nsp.
func (c *Client) ConnectWS(ctx context.Context, nsp string) (*WS, Open, error) {
	ws, o, err := c.OpenWS(ctx)
	if err != nil {
		return nil, o, err
	}
	if err := ws.Connect(nsp); err != nil {
		ws.Close()
		return nil, o, err
	}
	return ws, o, nil
}

// Connect connects the WebSocket's session to the Socket.IO namespace
// nsp, answering the server's pings meanwhile.
func (w *WS) Connect(nsp string) error {
	if err := w.Text("40" + nspPart(nsp)); err != nil {
		return err
	}
	for {
		op, p, err := w.ReadFrame()
		if err != nil {
			return fmt.Errorf("waiting for the CONNECT answer: %w", err)
		}
		if op == OpText && string(p) == "2" {
			if err := w.Text("3"); err != nil {
				return err
			}
		}
		if op == OpText {
			if answered, ok := connectAnswer(string(p), nsp); answered && !ok {
				return fmt.Errorf("CONNECT refused: %.100q", p)
			} else if ok {
				return nil
			}
		}
	}
}

// OpenWS opens a WebSocket session and returns it with its open packet.
// Like every connection of a Client, it closes when ctx ends.
func (c *Client) OpenWS(ctx context.Context) (*WS, Open, error) {
	ws, err := c.DialWS(ctx, "EIO=4&transport=websocket")
	if err != nil {
		return nil, Open{}, err
	}
	_, p, err := ws.ReadFrame()
	if err != nil {
		ws.Close()
		return nil, Open{}, fmt.Errorf("waiting for the open packet: %w", err)
	}
	o, err := parseOpen(string(p))
	if err != nil {
		ws.Close()
	}
	return ws, o, err
}

// dial opens a TCP connection to the target that ends with ctx.
func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.t.addr())
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return &ctxConn{Conn: conn, stop: stop}, nil
}

// ctxConn is a connection closed when its context ends.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// DialWS opens a WebSocket to the Socket.IO path with query; it fails
// unless the server switches protocols. The connection closes when ctx
// ends.
func (c *Client) DialWS(ctx context.Context, query string) (*WS, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	ws := &WS{Conn: conn, br: bufio.NewReader(conn)}
	if _, err := io.WriteString(conn, c.t.request(http.MethodGet, query, wsHeaders...)); err != nil {
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(ws.br, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		conn.Close()
		return nil, &StatusError{resp.StatusCode, string(b)}
	}
	return ws, nil
}

// StatusError is a WebSocket handshake the server answered with an HTTP
// status instead of switching protocols.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("websocket handshake answered %d %.100q", e.Status, e.Body)
}

// WebSocket opcodes (RFC 6455 5.2).
const (
	OpText         = 0x1
	OpBinary       = 0x2
	opContinuation = 0x0
	opClose        = 0x8
	opPing         = 0x9
)

// WS is a raw WebSocket connection: it writes the frames it is given,
// well-formed or not, and reads the server's.
type WS struct {
	net.Conn
	br *bufio.Reader
}

// frame is a client frame as written; the zero value of each flag is
// the valid choice.
type frame struct {
	op       byte
	more     bool   // FIN clear
	rsv      byte   // RSV1-3 bits, in place (0x70)
	unmasked bool   // a client must mask
	length   uint64 // the announced payload length, when not len(payload)
	payload  []byte
}

func (f frame) bytes() []byte {
	b := []byte{f.op | f.rsv}
	if !f.more {
		b[0] |= 0x80
	}
	n := uint64(len(f.payload))
	if f.length != 0 {
		n = f.length
	}
	mask := byte(0x80)
	if f.unmasked {
		mask = 0
	}
	switch {
	case n < 126:
		b = append(b, mask|byte(n))
	case n <= 0xffff:
		b = append(b, mask|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, mask|127)
		b = binary.BigEndian.AppendUint64(b, n)
	}
	if f.unmasked {
		return append(b, f.payload...)
	}
	var key [4]byte
	_, _ = rand.Read(key[:])
	b = append(b, key[:]...)
	for i, c := range f.payload {
		b = append(b, c^key[i%4])
	}
	return b
}

// WriteFrame writes one final, masked frame with opcode op.
func (w *WS) WriteFrame(op byte, payload []byte) error {
	_, err := w.Write(frame{op: op, payload: payload}.bytes())
	return err
}

// Text writes s as a text frame.
func (w *WS) Text(s string) error { return w.WriteFrame(OpText, []byte(s)) }

// Binary writes b as a binary frame.
func (w *WS) Binary(b []byte) error { return w.WriteFrame(OpBinary, b) }

// maxFrame caps what ReadFrame accepts from the server.
const maxFrame = 64 << 20

// ReadFrame reads the server's next frame: its opcode and payload.
func (w *WS) ReadFrame() (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(w.br, l[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(w.br, l[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if h[1]&0x80 != 0 || n > maxFrame {
		return 0, nil, fmt.Errorf("bad server frame header %x, length %d", h, n)
	}
	p := make([]byte, n)
	_, err := io.ReadFull(w.br, p)
	return h[0] & 0x0f, p, err
}

// waitClosed reads and discards what the server sends until it closes
// the connection; it fails when ctx ends first. With pong, it answers
// Engine.IO pings (a WebSocket's "2" text frame) so that the server's
// heartbeat does not close an idle client that is alive.
func (w *WS) waitClosed(ctx context.Context, pong bool) error {
	return readUntilClosed(ctx, w.Conn, func() error {
		op, p, err := w.ReadFrame()
		if err == nil && pong && op == OpText && string(p) == "2" {
			err = w.Text("3")
		}
		return err
	})
}

// hungUp tells an error of a client whose connection the server closed,
// as it may close a hostile client's before it sent everything.
func hungUp(ctx context.Context, err error) bool {
	return ctx.Err() == nil && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed))
}

// errHeld reports a connection the server kept open past the attack's
// deadline although it had to close it.
var errHeld = errors.New("the server kept the connection open")

// readUntilClosed calls read until it fails, and reports whether the
// failure was the server closing (nil) or ctx ending (errHeld).
func readUntilClosed(ctx context.Context, conn net.Conn, read func() error) error {
	if ctx.Err() != nil {
		return errHeld
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Hour)
	}
	_ = conn.SetReadDeadline(deadline)
	for {
		if err := read(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || ctx.Err() != nil {
				return errHeld
			}
			return nil
		}
	}
}

// waitClosedConn is waitClosed for a raw connection.
func waitClosedConn(ctx context.Context, conn net.Conn) error {
	buf := make([]byte, 4096)
	return readUntilClosed(ctx, conn, func() error { _, err := conn.Read(buf); return err })
}

// waitGone polls session sid until the server ends it; it fails when ctx
// ends first. With pong, it answers the server's pings, as a live client
// does.
func (c *Client) waitGone(ctx context.Context, sid string, pong bool) error {
	for {
		r, err := c.Poll(ctx, sid)
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("session %s: %w", sid, errHeld)
		case err != nil:
			return err
		case r.Status >= 500:
			return fmt.Errorf("poll answered %d %.100q", r.Status, r.Body)
		case r.Status != http.StatusOK:
			return nil // the session is unknown now
		}
		for _, p := range strings.Split(r.Body, "\x1e") {
			switch {
			case p == "1":
				return nil
			case p == "2" && pong:
				if _, err := c.Post(ctx, sid, "3"); err != nil && ctx.Err() == nil {
					return err
				}
			}
		}
	}
}
