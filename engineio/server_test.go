package engineio_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/wasmio/wasmio/engineio"
)

// waitTimeout bounds every wait for an outcome; tests never assert on how
// long something took.
const waitTimeout = 10 * time.Second

// message is what the recorder saw of one OnMessage call.
type message struct {
	data   string
	binary bool
}

func text(s string) message { return message{data: s} }

func (m message) String() string {
	if m.binary {
		return fmt.Sprintf("binary %x", m.data)
	}
	return fmt.Sprintf("%q", m.data)
}

// recorder is the Handler of the test servers: it records every event and
// echoes every message back to its session.
type recorder struct {
	mu     sync.Mutex
	opened []*engineio.Session
	msgs   map[string][]message
	closes map[string][]string
}

func newRecorder() *recorder {
	return &recorder{msgs: map[string][]message{}, closes: map[string][]string{}}
}

func (r *recorder) OnOpen(s *engineio.Session) {
	r.mu.Lock()
	r.opened = append(r.opened, s)
	r.mu.Unlock()
}

func (r *recorder) OnMessage(s *engineio.Session, data []byte, binary bool) {
	r.mu.Lock()
	r.msgs[s.ID()] = append(r.msgs[s.ID()], message{string(data), binary})
	r.mu.Unlock()
	_ = s.Send(engineio.NewMessage(bytes.Clone(data), binary))
}

func (r *recorder) OnClose(s *engineio.Session, reason string) {
	r.mu.Lock()
	r.closes[s.ID()] = append(r.closes[s.ID()], reason)
	r.mu.Unlock()
}

func (r *recorder) messages(sid string) []message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs[sid])
}

// closeReasons returns the reasons OnClose was called with for sid.
func (r *recorder) closeReasons(sid string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.closes[sid])
}

func (r *recorder) openedIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for _, s := range r.opened {
		ids = append(ids, s.ID())
	}
	return ids
}

// eventually waits until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type testServer struct {
	srv    *engineio.Server
	rec    *recorder
	addr   string // host:port
	path   string
	url    string // http://host:port/path
	client *http.Client

	shutdownOnce sync.Once
	shutdownErr  error
	served       chan error
}

func startServer(t *testing.T, cfg *engineio.Config) *testServer {
	t.Helper()
	var c engineio.Config
	if cfg != nil {
		c = *cfg
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	rec := newRecorder()
	srv, err := engineio.NewServer(&c, rec)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	path := srv.Config().Path
	ts := &testServer{
		srv: srv, rec: rec, addr: ln.Addr().String(), path: path,
		url:    "http://" + ln.Addr().String() + path,
		client: &http.Client{Timeout: waitTimeout, Transport: &http.Transport{}},
		served: make(chan error, 1),
	}
	go func() { ts.served <- srv.Serve(ln, nil) }()
	t.Cleanup(func() {
		// A polling session the test left behind drains only when its
		// client polls again, or after PingTimeout: drop it instead.
		srv.Range(func(s *engineio.Session) bool {
			if s.Transport() == "polling" {
				s.Abort("test over")
			}
			return true
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ts.shutdown(ctx)
		if err := <-ts.served; !errors.Is(err, engineio.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
		ts.client.CloseIdleConnections()
	})
	return ts
}

func (ts *testServer) shutdown(ctx context.Context) error {
	ts.shutdownOnce.Do(func() { ts.shutdownErr = ts.srv.Shutdown(ctx) })
	return ts.shutdownErr
}

type response struct {
	status int
	body   string
	header http.Header
	err    error
}

// do sends a request to the server's path (or to path when it starts with
// "/") and reads the whole response.
func (ts *testServer) do(method, target, body string, hdr http.Header) response {
	u := ts.url + target
	if strings.HasPrefix(target, "/") {
		u = "http://" + ts.addr + target
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return response{err: err}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if method == http.MethodPost && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		return response{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(b), header: resp.Header, err: err}
}

func (ts *testServer) mustDo(t *testing.T, method, target, body string, hdr http.Header) response {
	t.Helper()
	r := ts.do(method, target, body, hdr)
	if r.err != nil {
		t.Fatalf("%s %s: %v", method, target, r.err)
	}
	return r
}

func pollQuery(sid string) string { return "?EIO=4&transport=polling&sid=" + sid }

// get polls sid once and returns the status and body.
func (ts *testServer) get(t *testing.T, sid string) (int, string) {
	t.Helper()
	r := ts.mustDo(t, http.MethodGet, pollQuery(sid), "", nil)
	return r.status, r.body
}

// goGet starts a poll and returns where its response will arrive.
func (ts *testServer) goGet(sid string) <-chan response {
	ch := make(chan response, 1)
	go func() { ch <- ts.do(http.MethodGet, pollQuery(sid), "", nil) }()
	return ch
}

func (ts *testServer) post(t *testing.T, sid, body string) (int, string) {
	t.Helper()
	r := ts.mustDo(t, http.MethodPost, pollQuery(sid), body, nil)
	return r.status, r.body
}

type openPacket struct {
	Sid          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

func parseOpen(t *testing.T, body string) openPacket {
	t.Helper()
	var o openPacket
	if !strings.HasPrefix(body, "0{") {
		t.Fatalf("not an open packet: %q", body)
	}
	dec := json.NewDecoder(strings.NewReader(body[1:]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("open packet %q: %v", body, err)
	}
	if o.Sid == "" {
		t.Fatalf("open packet %q has no sid", body)
	}
	return o
}

// handshake opens a polling session and returns its id.
func (ts *testServer) handshake(t *testing.T) string {
	t.Helper()
	r := ts.mustDo(t, http.MethodGet, "?EIO=4&transport=polling", "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("handshake: %d %q", r.status, r.body)
	}
	return parseOpen(t, r.body).Sid
}

// session returns the open session sid.
func (ts *testServer) session(t *testing.T, sid string) *engineio.Session {
	t.Helper()
	s := ts.srv.Session(sid)
	if s == nil {
		t.Fatalf("session %s is not open", sid)
	}
	return s
}

// closeReason waits for the session's OnClose and returns its reason; it
// fails the test when OnClose ran more than once.
func (ts *testServer) closeReason(t *testing.T, sid string) string {
	t.Helper()
	var rs []string
	eventually(t, "OnClose of "+sid, func() bool { rs = ts.rec.closeReasons(sid); return len(rs) > 0 })
	if len(rs) != 1 {
		t.Fatalf("OnClose ran %d times: %v", len(rs), rs)
	}
	return rs[0]
}

// waitMessages waits until sid received n messages and returns them.
func (ts *testServer) waitMessages(t *testing.T, sid string, n int) []message {
	t.Helper()
	var ms []message
	eventually(t, fmt.Sprintf("%d messages", n), func() bool { ms = ts.rec.messages(sid); return len(ms) >= n })
	return ms
}

// expectGone checks that sid is unknown to the server: not listed, and
// answered "Session ID unknown".
func (ts *testServer) expectGone(t *testing.T, sid string) {
	t.Helper()
	eventually(t, "session removal", func() bool { return ts.srv.Session(sid) == nil })
	r := ts.mustDo(t, http.MethodGet, pollQuery(sid), "", nil)
	if r.status != 400 || r.body != `{"code":1,"message":"Session ID unknown"}` {
		t.Fatalf("GET for a closed session: %d %q", r.status, r.body)
	}
}

// wsClient is a raw Engine.IO WebSocket client.
type wsClient struct {
	conn     *gws.Conn
	frames   chan message
	closed   chan struct{}
	closeErr error
}

func (c *wsClient) OnOpen(*gws.Conn)         {}
func (c *wsClient) OnPing(*gws.Conn, []byte) {}
func (c *wsClient) OnPong(*gws.Conn, []byte) {}
func (c *wsClient) OnClose(_ *gws.Conn, err error) {
	c.closeErr = err
	close(c.closed)
}

func (c *wsClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	select {
	case c.frames <- message{string(m.Bytes()), m.Opcode == gws.OpcodeBinary}:
	default: // a test that floods the server does not read its echoes
	}
	m.Close()
}

type quietLogger struct{}

func (quietLogger) Error(...any) {}

// dialWS opens a WebSocket with the given query (after "?") and headers.
func (ts *testServer) dialWS(t *testing.T, query string, hdr http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	c := &wsClient{frames: make(chan message, 4096), closed: make(chan struct{})}
	conn, resp, err := gws.NewClient(c, &gws.ClientOption{
		Addr:             "ws://" + ts.addr + ts.path + "?" + query,
		RequestHeader:    hdr,
		HandshakeTimeout: waitTimeout,
		Logger:           quietLogger{},
	})
	if err != nil {
		return nil, resp, err
	}
	c.conn = conn
	go conn.ReadLoop()
	t.Cleanup(func() { _ = conn.NetConn().Close() })
	return c, resp, nil
}

func (ts *testServer) mustDialWS(t *testing.T, query string, hdr http.Header) *wsClient {
	t.Helper()
	c, _, err := ts.dialWS(t, query, hdr)
	if err != nil {
		t.Fatalf("dial %s: %v", query, err)
	}
	return c
}

// openWS opens a WebSocket session and returns it with its id.
func (ts *testServer) openWS(t *testing.T, hdr http.Header) (*wsClient, string) {
	t.Helper()
	c := ts.mustDialWS(t, "EIO=4&transport=websocket", hdr)
	f := c.next(t)
	if f.binary {
		t.Fatal("the open packet came as a binary frame")
	}
	o := parseOpen(t, f.data)
	if len(o.Upgrades) != 0 {
		t.Fatalf("a WebSocket session was offered upgrades %v", o.Upgrades)
	}
	return c, o.Sid
}

// next returns the next frame the server sent.
func (c *wsClient) next(t *testing.T) message {
	t.Helper()
	select {
	case f := <-c.frames:
		return f
	case <-c.closed:
		// Frames that arrived before the close still count.
		select {
		case f := <-c.frames:
			return f
		default:
		}
		t.Fatalf("connection closed while waiting for a frame: %v", c.closeErr)
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for a frame")
	}
	return message{}
}

func (c *wsClient) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if f := c.next(t); f.binary || f.data != w {
			t.Fatalf("got frame %q (binary %v), want %q", f.data, f.binary, w)
		}
	}
}

func (c *wsClient) send(t *testing.T, s string) {
	t.Helper()
	if err := c.conn.WriteString(s); err != nil {
		t.Fatalf("write %q: %v", s, err)
	}
}

func (c *wsClient) waitClosed(t *testing.T) error {
	t.Helper()
	select {
	case <-c.closed:
		return c.closeErr
	case <-time.After(waitTimeout):
		t.Fatal("the server did not close the connection")
	}
	return nil
}

// rawUpgrade sends a WebSocket handshake with net/http and returns the
// response when it is not a 101.
func (ts *testServer) rawUpgrade(t *testing.T, query string, hdr http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.url+"?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return resp.StatusCode, ""
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHandshake(t *testing.T) {
	tests := []struct {
		name string
		cfg  *engineio.Config
		want openPacket
	}{
		{"defaults", nil, openPacket{Upgrades: []string{"websocket"}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}},
		{"custom", &engineio.Config{PingInterval: 1500 * time.Millisecond, PingTimeout: 2500 * time.Millisecond, MaxPayload: 12345},
			openPacket{Upgrades: []string{"websocket"}, PingInterval: 1500, PingTimeout: 2500, MaxPayload: 12345}},
		{"websocket disabled", &engineio.Config{DisableWebSocket: true},
			openPacket{Upgrades: []string{}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.cfg)
			r := ts.mustDo(t, http.MethodGet, "?EIO=4&transport=polling&foo=bar", "", http.Header{"X-Test": {"yes"}})
			if r.status != http.StatusOK {
				t.Fatalf("status %d %q", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
				t.Errorf("Content-Type %q", ct)
			}
			o := parseOpen(t, r.body)
			sid := o.Sid
			o.Sid = ""
			if !slices.Equal(o.Upgrades, tt.want.Upgrades) || o.PingInterval != tt.want.PingInterval ||
				o.PingTimeout != tt.want.PingTimeout || o.MaxPayload != tt.want.MaxPayload {
				t.Fatalf("open packet %+v, want %+v", o, tt.want)
			}
			if !strings.HasPrefix(r.body, `0{"sid":"`+sid+`","upgrades":[`) {
				t.Errorf("open packet %q", r.body)
			}
			// The session exists, with the handshake request attached.
			if ids := ts.rec.openedIDs(); len(ids) != 1 || ids[0] != sid {
				t.Fatalf("OnOpen for %v, want [%s]", ids, sid)
			}
			s := ts.session(t, sid)
			if s.ID() != sid || s.Transport() != "polling" || !s.Open() || ts.srv.Len() != 1 {
				t.Fatalf("session %s transport %s open %v, %d sessions", s.ID(), s.Transport(), s.Open(), ts.srv.Len())
			}
			req := s.Request()
			if req.Query.Get("EIO") != "4" || req.Query.Get("foo") != "bar" || req.Header.Get("X-Test") != "yes" ||
				!strings.HasPrefix(req.RemoteAddr, "127.0.0.1:") || !strings.Contains(req.URL, "foo=bar") || req.Secure {
				t.Errorf("request %+v", req)
			}
			// The path without its trailing slash works too, and ids differ.
			r = ts.mustDo(t, http.MethodGet, strings.TrimSuffix(ts.path, "/")+"?EIO=4&transport=polling", "", nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d %q", r.status, r.body)
			}
			if o2 := parseOpen(t, r.body); o2.Sid == sid {
				t.Fatal("two handshakes got the same sid")
			}
		})
	}
}

func TestProtocolErrors(t *testing.T) {
	const (
		transportUnknown = `{"code":0,"message":"Transport unknown"}`
		sidUnknown       = `{"code":1,"message":"Session ID unknown"}`
		badMethod        = `{"code":2,"message":"Bad handshake method"}`
		badRequest       = `{"code":3,"message":"Bad request"}`
		badVersion       = `{"code":5,"message":"Unsupported protocol version"}`
	)
	tests := []struct {
		name           string
		cfg            *engineio.Config
		method, target string
		body           string
		status         int
		want           string // exact body; "" means not checked
	}{
		{name: "unknown sid", method: "GET", target: "?EIO=4&transport=polling&sid=nope", status: 400, want: sidUnknown},
		{name: "unknown sid on POST", method: "POST", target: "?EIO=4&transport=polling&sid=nope", body: "4x", status: 400, want: sidUnknown},
		{name: "unknown sid on websocket", method: "WS", target: "EIO=4&transport=websocket&sid=nope", status: 400, want: sidUnknown},
		{name: "unknown transport", method: "GET", target: "?EIO=4&transport=foo", status: 400, want: transportUnknown},
		{name: "no transport", method: "GET", target: "?EIO=4", status: 400, want: transportUnknown},
		{name: "EIO 3", method: "GET", target: "?EIO=3&transport=polling", status: 400, want: badVersion},
		{name: "EIO 5", method: "GET", target: "?EIO=5&transport=polling", status: 400, want: badVersion},
		{name: "no EIO", method: "GET", target: "?transport=polling", status: 400, want: badVersion},
		{name: "POST handshake", method: "POST", target: "?EIO=4&transport=polling", body: "4x", status: 400, want: badMethod},
		{name: "PUT handshake", method: "PUT", target: "?EIO=4&transport=polling", body: "4x", status: 400, want: badMethod},
		{name: "websocket without Upgrade", method: "GET", target: "?EIO=4&transport=websocket", status: 400, want: badRequest},
		{name: "websocket POST", method: "POST", target: "?EIO=4&transport=websocket", body: "x", status: 400, want: badRequest},
		{name: "polling disabled", cfg: &engineio.Config{DisablePolling: true}, method: "GET", target: "?EIO=4&transport=polling", status: 400, want: transportUnknown},
		{name: "websocket disabled", cfg: &engineio.Config{DisableWebSocket: true}, method: "WS", target: "EIO=4&transport=websocket", status: 400, want: transportUnknown},
		{name: "other path", method: "GET", target: "/other?EIO=4&transport=polling", status: 404},
		{name: "root", method: "GET", target: "/", status: 404},
		{name: "below the path", method: "GET", target: "/socket.io/x?EIO=4&transport=polling", status: 404},
		{name: "path prefix", method: "GET", target: "/socket.i?EIO=4&transport=polling", status: 404},
		{name: "custom path", cfg: &engineio.Config{Path: "/engine"}, method: "GET", target: "/engine/?EIO=4&transport=polling", status: 200},
		{name: "custom path without slash", cfg: &engineio.Config{Path: "/engine"}, method: "GET", target: "/engine?EIO=4&transport=polling", status: 200},
		{name: "default path with a custom one", cfg: &engineio.Config{Path: "/engine/"}, method: "GET", target: "/socket.io/?EIO=4&transport=polling", status: 404},
		{name: "custom path errors", cfg: &engineio.Config{Path: "/engine"}, method: "GET", target: "/engine/?EIO=4&transport=polling&sid=x", status: 400, want: sidUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.cfg)
			var r response
			if tt.method == "WS" {
				r.status, r.body = ts.rawUpgrade(t, tt.target, nil)
			} else {
				r = ts.mustDo(t, tt.method, tt.target, tt.body, nil)
			}
			if r.status != tt.status {
				t.Fatalf("status %d %q, want %d", r.status, r.body, tt.status)
			}
			if tt.want != "" {
				if r.body != tt.want {
					t.Fatalf("body %q, want %q", r.body, tt.want)
				}
				if ct := r.header.Get("Content-Type"); tt.method != "WS" && ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
			}
			if tt.status == 200 {
				parseOpen(t, r.body)
			} else if n := ts.srv.Len(); n != 0 {
				t.Fatalf("a rejected request left %d sessions", n)
			}
		})
	}
}

func TestPollingMessages(t *testing.T) {
	ts := startServer(t, nil)
	sid := ts.handshake(t)

	// Two packets in one POST arrive in order.
	r := ts.mustDo(t, http.MethodPost, pollQuery(sid), "4hello\x1e4world", nil)
	if r.status != 200 || r.body != "ok" {
		t.Fatalf("POST: %d %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("POST Content-Type %q", ct)
	}
	if got := ts.rec.messages(sid); !slices.Equal(got, []message{text("hello"), text("world")}) {
		t.Fatalf("messages %v", got)
	}
	// The echoes come back in one GET, joined by the record separator.
	if status, body := ts.get(t, sid); status != 200 || body != "4hello\x1e4world" {
		t.Fatalf("GET: %d %q", status, body)
	}

	// Binary both ways, as base64 records.
	if status, body := ts.post(t, sid, "bAQID\x1e4x\x1eb"); status != 200 || body != "ok" {
		t.Fatalf("POST: %d %q", status, body)
	}
	want := []message{text("hello"), text("world"), {"\x01\x02\x03", true}, text("x"), {"", true}}
	if got := ts.rec.messages(sid); !slices.Equal(got, want) {
		t.Fatalf("messages %v", got)
	}
	if status, body := ts.get(t, sid); status != 200 || body != "bAQID\x1e4x\x1eb" {
		t.Fatalf("GET: %d %q", status, body)
	}

	// Messages the server sends queue until the next GET.
	s := ts.session(t, sid)
	if err := s.Send(engineio.NewMessage([]byte("a"), false), engineio.NewMessage([]byte{0xff, 0x1e}, true)); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(engineio.NewMessage([]byte("é"), false)); err != nil {
		t.Fatal(err)
	}
	r = ts.mustDo(t, http.MethodGet, pollQuery(sid), "", nil)
	if r.status != 200 || r.body != "4a\x1eb/x4=\x1e4é" {
		t.Fatalf("GET: %d %q", r.status, r.body)
	}
	if ct, cc := r.header.Get("Content-Type"), r.header.Get("Cache-Control"); ct != "text/plain; charset=UTF-8" || cc != "no-store" {
		t.Errorf("GET headers: Content-Type %q, Cache-Control %q", ct, cc)
	}

	// A GET waits for the next message.
	ch := ts.goGet(sid)
	time.Sleep(20 * time.Millisecond) // let it start waiting; the outcome is the same either way
	if err := s.Send(engineio.NewMessage([]byte("late"), false)); err != nil {
		t.Fatal(err)
	}
	if r := <-ch; r.err != nil || r.status != 200 || r.body != "4late" {
		t.Fatalf("waiting GET: %+v", r)
	}
	if got := ts.rec.closeReasons(sid); len(got) != 0 {
		t.Fatalf("closed: %v", got)
	}
}

func TestPollingOverlappingGET(t *testing.T) {
	ts := startServer(t, nil)
	sid := ts.handshake(t)
	// Whichever arrives second is refused, and the session closes, which
	// releases the first with a close packet.
	a, b := ts.goGet(sid), ts.goGet(sid)
	ra, rb := <-a, <-b
	if ra.err != nil || rb.err != nil {
		t.Fatal(ra.err, rb.err)
	}
	if ra.status == 400 {
		ra, rb = rb, ra
	}
	if ra.status != 200 || ra.body != "1" || rb.status != 400 {
		t.Fatalf("responses %d %q and %d %q; want a 200 close packet and a 400", ra.status, ra.body, rb.status, rb.body)
	}
	if r := ts.closeReason(t, sid); r != engineio.ReasonTransportError {
		t.Fatalf("reason %q", r)
	}
	ts.expectGone(t, sid)
}

func TestPollingPOSTCloses(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		contentType string
		status      int
		respBody    string
		reason      string
		msgs        []message
	}{
		{name: "close packet", body: "1", status: 200, respBody: "ok", reason: engineio.ReasonTransportClose},
		{name: "close packet after a message", body: "4a\x1e1\x1e4b", status: 200, respBody: "ok", reason: engineio.ReasonTransportClose, msgs: []message{text("a")}},
		{name: "client ping", body: "2", status: 200, respBody: "ok", reason: engineio.ReasonTransportError},
		{name: "unknown packet type", body: "4a\x1e9", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonParseError, msgs: []message{text("a")}},
		{name: "trailing separator", body: "4a\x1e", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonParseError},
		{name: "empty body", body: "", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonParseError},
		{name: "bad base64", body: "b!!!", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonParseError},
		{name: "upgrade packet over polling", body: "5", status: 200, respBody: "ok", reason: engineio.ReasonParseError},
		{name: "raw binary body", body: "\x01\x02", contentType: "application/octet-stream", status: 400, respBody: `{"code":3,"message":"Bad request"}`, reason: engineio.ReasonTransportError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, nil)
			sid := ts.handshake(t)
			var hdr http.Header
			if tt.contentType != "" {
				hdr = http.Header{"Content-Type": {tt.contentType}}
			}
			r := ts.mustDo(t, http.MethodPost, pollQuery(sid), tt.body, hdr)
			if r.status != tt.status || r.body != tt.respBody {
				t.Fatalf("POST: %d %q, want %d %q", r.status, r.body, tt.status, tt.respBody)
			}
			if r := ts.closeReason(t, sid); r != tt.reason {
				t.Fatalf("reason %q, want %q", r, tt.reason)
			}
			if got := ts.rec.messages(sid); !slices.Equal(got, tt.msgs) {
				t.Fatalf("messages %v, want %v", got, tt.msgs)
			}
			ts.expectGone(t, sid)
		})
	}
}

func TestPollingPayloadLimit(t *testing.T) {
	const limit = 100
	tests := []struct {
		name    string
		size    int
		chunked bool
		ok      bool
	}{
		{"at the limit", limit, false, true},
		{"over the limit", limit + 1, false, false},
		{"far over the limit", 100 * limit, false, false},
		{"chunked at the limit", limit, true, true},
		{"chunked over the limit", limit + 1, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &engineio.Config{MaxPayload: limit})
			sid := ts.handshake(t)
			body := "4" + strings.Repeat("x", tt.size-1)
			var rd io.Reader = strings.NewReader(body)
			if tt.chunked {
				rd = io.MultiReader(strings.NewReader(body[:10]), strings.NewReader(body[10:])) // no length known
			}
			req, err := http.NewRequest(http.MethodPost, ts.url+pollQuery(sid), rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.ok {
				if resp.StatusCode != 200 || string(b) != "ok" {
					t.Fatalf("POST: %d %q", resp.StatusCode, b)
				}
				if got := ts.rec.messages(sid); len(got) != 1 || got[0].data != body[1:] {
					t.Fatalf("messages %v", got)
				}
				if !ts.session(t, sid).Open() {
					t.Fatal("the session closed")
				}
				return
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("POST: %d %q, want 413", resp.StatusCode, b)
			}
			if r := ts.closeReason(t, sid); r != engineio.ReasonTransportError {
				t.Fatalf("reason %q", r)
			}
			if got := ts.rec.messages(sid); len(got) != 0 {
				t.Fatalf("an oversized payload delivered %d messages", len(got))
			}
			ts.expectGone(t, sid)
		})
	}
}

func TestCORS(t *testing.T) {
	listed := engineio.CORS{Origins: []string{"https://a.example"}, Credentials: true}
	tests := []struct {
		name      string
		cors      engineio.CORS
		method    string
		target    string
		origin    string
		reqHeader string // Access-Control-Request-Headers
		status    int
		allow     string // expected Access-Control-Allow-Origin
		creds     bool
		preflight bool // expect Allow-Methods (and Allow-Headers when reqHeader is set)
	}{
		{name: "allowed origin", cors: listed, method: "GET", target: "?EIO=4&transport=polling", origin: "https://a.example", status: 200, allow: "https://a.example", creds: true},
		{name: "disallowed origin", cors: listed, method: "GET", target: "?EIO=4&transport=polling", origin: "https://b.example", status: 200},
		{name: "no origin", cors: listed, method: "GET", target: "?EIO=4&transport=polling", status: 200},
		{name: "allowed origin on an error", cors: listed, method: "GET", target: "?EIO=4&transport=polling&sid=x", origin: "https://a.example", status: 400, allow: "https://a.example", creds: true},
		{name: "preflight", cors: listed, method: "OPTIONS", target: "?EIO=4&transport=polling", origin: "https://a.example", reqHeader: "content-type, x-custom", status: 204, allow: "https://a.example", creds: true, preflight: true},
		{name: "preflight without request headers", cors: listed, method: "OPTIONS", target: "", origin: "https://a.example", status: 204, allow: "https://a.example", creds: true, preflight: true},
		{name: "preflight from a disallowed origin", cors: listed, method: "OPTIONS", target: "?EIO=4&transport=polling", origin: "https://b.example", reqHeader: "content-type", status: 204},
		{name: "wildcard", cors: engineio.CORS{Origins: []string{"*"}}, method: "GET", target: "?EIO=4&transport=polling", origin: "https://z.example", status: 200, allow: "*"},
		{name: "wildcard with credentials", cors: engineio.CORS{Origins: []string{"*"}, Credentials: true}, method: "GET", target: "?EIO=4&transport=polling", origin: "https://z.example", status: 200, allow: "https://z.example", creds: true},
		{name: "wildcard preflight", cors: engineio.CORS{Origins: []string{"*"}}, method: "OPTIONS", target: "", origin: "https://z.example", reqHeader: "x-a", status: 204, allow: "*", preflight: true},
		{name: "several origins", cors: engineio.CORS{Origins: []string{"https://a.example", "https://c.example"}}, method: "GET", target: "?EIO=4&transport=polling", origin: "https://c.example", status: 200, allow: "https://c.example"},
		{name: "no policy", method: "GET", target: "?EIO=4&transport=polling", origin: "https://a.example", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &engineio.Config{CORS: tt.cors})
			hdr := http.Header{}
			if tt.origin != "" {
				hdr.Set("Origin", tt.origin)
			}
			if tt.reqHeader != "" {
				hdr.Set("Access-Control-Request-Method", "POST")
				hdr.Set("Access-Control-Request-Headers", tt.reqHeader)
			}
			r := ts.mustDo(t, tt.method, tt.target, "", hdr)
			if r.status != tt.status {
				t.Fatalf("status %d %q, want %d", r.status, r.body, tt.status)
			}
			h := r.header
			if got := h.Get("Access-Control-Allow-Origin"); got != tt.allow {
				t.Errorf("Allow-Origin %q, want %q", got, tt.allow)
			}
			if got := h.Get("Access-Control-Allow-Credentials"); (got == "true") != tt.creds || (got != "" && got != "true") {
				t.Errorf("Allow-Credentials %q", got)
			}
			if len(tt.cors.Origins) > 0 && !slices.Contains(h.Values("Vary"), "Origin") {
				t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
			}
			methods, headers := h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Allow-Headers")
			if !tt.preflight {
				if methods != "" || headers != "" {
					t.Errorf("Allow-Methods %q, Allow-Headers %q on a non-preflight answer", methods, headers)
				}
				return
			}
			if methods != "GET,HEAD,PUT,PATCH,POST,DELETE" {
				t.Errorf("Allow-Methods %q", methods)
			}
			if headers != tt.reqHeader {
				t.Errorf("Allow-Headers %q, want %q", headers, tt.reqHeader)
			}
		})
	}
}

func TestWebSocketOrigin(t *testing.T) {
	ts := startServer(t, &engineio.Config{CORS: engineio.CORS{Origins: []string{"https://a.example"}}})
	const forbidden = `{"code":4,"message":"Forbidden"}`
	// Refused before the handshake, with the protocol error.
	if status, body := ts.rawUpgrade(t, "EIO=4&transport=websocket", http.Header{"Origin": {"https://b.example"}}); status != 403 || body != forbidden {
		t.Fatalf("disallowed origin: %d %q", status, body)
	}
	if _, resp, err := ts.dialWS(t, "EIO=4&transport=websocket", http.Header{"Origin": {"http://evil.example"}}); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("gws client from a disallowed origin: %v", err)
	}
	// An upgrade of a polling session is refused too, and the session survives.
	sid := ts.handshake(t)
	if status, body := ts.rawUpgrade(t, "EIO=4&transport=websocket&sid="+sid, http.Header{"Origin": {"https://b.example"}}); status != 403 || body != forbidden {
		t.Fatalf("disallowed origin upgrade: %d %q", status, body)
	}
	if status, body := ts.post(t, sid, "4still"); status != 200 || body != "ok" {
		t.Fatalf("POST after a refused upgrade: %d %q", status, body)
	}
	if n := len(ts.rec.openedIDs()); n != 1 {
		t.Fatalf("%d sessions opened", n)
	}
	// Allowed: a listed origin, the server's own origin, and no origin.
	for _, origin := range []string{"https://a.example", "HTTPS://A.EXAMPLE", "http://" + ts.addr, ""} {
		hdr := http.Header{}
		if origin != "" {
			hdr.Set("Origin", origin)
		}
		c, sid := ts.openWS(t, hdr)
		c.send(t, "4hi")
		c.expect(t, "4hi")
		if got := ts.session(t, sid).Request().Header.Get("Origin"); got != origin {
			t.Errorf("request origin %q, want %q", got, origin)
		}
	}
}

func TestWebSocketDirect(t *testing.T) {
	ts := startServer(t, nil)
	c, sid := ts.openWS(t, nil)
	s := ts.session(t, sid)
	if s.Transport() != "websocket" {
		t.Fatalf("transport %q", s.Transport())
	}
	if q := s.Request().Query; q.Get("transport") != "websocket" || q.Get("EIO") != "4" {
		t.Fatalf("query %v", q)
	}
	s.SetUserData(42)
	if s.UserData() != 42 {
		t.Fatal("user data lost")
	}
	c.send(t, "4x")
	c.expect(t, "4x") // the echo
	if err := c.conn.WriteMessage(gws.OpcodeBinary, []byte{0, 1, 0xff}); err != nil {
		t.Fatal(err)
	}
	if f := c.next(t); !f.binary || f.data != "\x00\x01\xff" {
		t.Fatalf("binary echo %q binary %v", f.data, f.binary)
	}
	c.send(t, "4")
	c.expect(t, "4")
	c.send(t, "6") // a noop is ignored
	want := []message{text("x"), {"\x00\x01\xff", true}, text("")}
	if got := ts.waitMessages(t, sid, 3); !slices.Equal(got, want) {
		t.Fatalf("messages %v", got)
	}
	// Several sends reach the client in order.
	for i := range 50 {
		if err := s.Send(engineio.NewMessage(fmt.Appendf(nil, "m%d", i), false)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		c.expect(t, fmt.Sprintf("4m%d", i))
	}
	// A large message both ways.
	big := strings.Repeat("z", 70000)
	c.send(t, "4"+big)
	c.expect(t, "4"+big)
	if got := ts.rec.closeReasons(sid); len(got) != 0 {
		t.Fatalf("closed: %v", got)
	}
}

func TestWebSocketCloses(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name   string
		act    func(t *testing.T, c *wsClient)
		reason string
	}{
		{"unknown packet type", func(t *testing.T, c *wsClient) { c.send(t, "9x") }, engineio.ReasonParseError},
		{"empty text frame", func(t *testing.T, c *wsClient) { c.send(t, "") }, engineio.ReasonParseError},
		{"upgrade packet on a direct session", func(t *testing.T, c *wsClient) { c.send(t, "5") }, engineio.ReasonParseError},
		{"client ping", func(t *testing.T, c *wsClient) { c.send(t, "2") }, engineio.ReasonTransportError},
		{"close packet", func(t *testing.T, c *wsClient) { c.send(t, "1") }, engineio.ReasonTransportClose},
		{"close frame", func(t *testing.T, c *wsClient) { _ = c.conn.WriteClose(1000, nil) }, engineio.ReasonTransportClose},
		{"connection dropped", func(t *testing.T, c *wsClient) { _ = c.conn.NetConn().Close() }, engineio.ReasonTransportClose},
		{"text over MaxPayload", func(t *testing.T, c *wsClient) { c.send(t, "4"+strings.Repeat("x", limit)) }, engineio.ReasonTransportError},
		{"binary over MaxPayload", func(t *testing.T, c *wsClient) {
			_ = c.conn.WriteMessage(gws.OpcodeBinary, make([]byte, limit+1))
		}, engineio.ReasonTransportError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &engineio.Config{MaxPayload: limit})
			c, sid := ts.openWS(t, nil)
			// A message exactly at the limit is fine.
			c.send(t, "4"+strings.Repeat("y", limit-1))
			c.expect(t, "4"+strings.Repeat("y", limit-1))
			tt.act(t, c)
			if r := ts.closeReason(t, sid); r != tt.reason {
				t.Fatalf("reason %q, want %q", r, tt.reason)
			}
			c.waitClosed(t)
			ts.expectGone(t, sid)
			if got := ts.rec.messages(sid); len(got) != 1 {
				t.Fatalf("%d messages delivered", len(got))
			}
		})
	}
}

func TestHeartbeat(t *testing.T) {
	cfg := &engineio.Config{PingInterval: 100 * time.Millisecond, PingTimeout: 300 * time.Millisecond}
	t.Run("websocket", func(t *testing.T) {
		ts := startServer(t, cfg)
		c, sid := ts.openWS(t, nil)
		// A client that answers keeps its session over several pings.
		for range 3 {
			c.expect(t, "2")
			c.send(t, "3")
		}
		if got := ts.rec.closeReasons(sid); len(got) != 0 {
			t.Fatalf("closed while answering pings: %v", got)
		}
		ts.session(t, sid)
		// One that stops answering is dropped.
		c.expect(t, "2")
		if r := ts.closeReason(t, sid); r != engineio.ReasonPingTimeout {
			t.Fatalf("reason %q", r)
		}
		c.waitClosed(t)
		ts.expectGone(t, sid)
	})
	t.Run("polling", func(t *testing.T) {
		ts := startServer(t, cfg)
		sid := ts.handshake(t)
		for range 3 {
			if status, body := ts.get(t, sid); status != 200 || body != "2" {
				t.Fatalf("GET: %d %q, want a ping", status, body)
			}
			if status, body := ts.post(t, sid, "3"); status != 200 || body != "ok" {
				t.Fatalf("POST pong: %d %q", status, body)
			}
		}
		if got := ts.rec.closeReasons(sid); len(got) != 0 {
			t.Fatalf("closed while answering pings: %v", got)
		}
		if status, body := ts.get(t, sid); status != 200 || body != "2" {
			t.Fatalf("GET: %d %q, want a ping", status, body)
		}
		// The client keeps polling but never answers.
		ch := ts.goGet(sid)
		if r := ts.closeReason(t, sid); r != engineio.ReasonPingTimeout {
			t.Fatalf("reason %q", r)
		}
		if r := <-ch; r.err != nil || r.status != 200 || r.body != "1" {
			t.Fatalf("pending GET: %+v", r)
		}
		ts.expectGone(t, sid)
	})
}

func TestUpgrade(t *testing.T) {
	ts := startServer(t, nil)
	sid := ts.handshake(t)
	s := ts.session(t, sid)
	pending := ts.goGet(sid)

	c := ts.mustDialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
	if s.Transport() != "polling" {
		t.Fatal("upgraded before the probe")
	}
	c.send(t, "2probe")
	c.expect(t, "3probe")
	// The waiting poll is released with a noop.
	if r := <-pending; r.err != nil || r.status != 200 || r.body != "6" {
		t.Fatalf("pending GET: %+v", r)
	}
	// A second upgrade while one is in progress is refused.
	expectRefusedWS(t, ts, sid)
	// Messages queued now go out on the WebSocket once the upgrade completes.
	for _, m := range []string{"m1", "m2"} {
		if err := s.Send(engineio.NewMessage([]byte(m), false)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Send(engineio.NewMessage([]byte{7}, true)); err != nil {
		t.Fatal(err)
	}
	c.send(t, "5")
	c.expect(t, "4m1", "4m2")
	if f := c.next(t); !f.binary || f.data != "\x07" {
		t.Fatalf("binary after upgrade: %q %v", f.data, f.binary)
	}
	if tr := s.Transport(); tr != "websocket" {
		t.Fatalf("transport %q", tr)
	}
	c.send(t, "4after")
	c.expect(t, "4after")
	if got := ts.waitMessages(t, sid, 1); !slices.Equal(got, []message{text("after")}) {
		t.Fatalf("messages %v", got)
	}
	// Polling is over for this session, and so are further upgrades.
	const badRequest = `{"code":3,"message":"Bad request"}`
	if status, body := ts.get(t, sid); status != 400 || body != badRequest {
		t.Fatalf("GET after upgrade: %d %q", status, body)
	}
	if status, body := ts.post(t, sid, "4x"); status != 400 || body != badRequest {
		t.Fatalf("POST after upgrade: %d %q", status, body)
	}
	expectRefusedWS(t, ts, sid)
	c.send(t, "4still")
	c.expect(t, "4still")
	if got := ts.rec.closeReasons(sid); len(got) != 0 {
		t.Fatalf("closed: %v", got)
	}
	_ = c.conn.NetConn().Close()
	if r := ts.closeReason(t, sid); r != engineio.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	ts.expectGone(t, sid)
}

func TestUpgradeAbandoned(t *testing.T) {
	tests := []struct {
		name string
		act  func(t *testing.T, c *wsClient)
	}{
		{"probe times out", func(t *testing.T, c *wsClient) {
			c.send(t, "2probe")
			c.expect(t, "3probe")
		}},
		{"no probe at all", func(t *testing.T, c *wsClient) {}},
		{"message instead of probe", func(t *testing.T, c *wsClient) { c.send(t, "4x") }},
		{"wrong probe", func(t *testing.T, c *wsClient) { c.send(t, "2prob") }},
		{"binary during probe", func(t *testing.T, c *wsClient) {
			c.send(t, "2probe")
			c.expect(t, "3probe")
			_ = c.conn.WriteMessage(gws.OpcodeBinary, []byte("5"))
		}},
		{"probe connection dropped", func(t *testing.T, c *wsClient) {
			c.send(t, "2probe")
			c.expect(t, "3probe")
			_ = c.conn.NetConn().Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &engineio.Config{UpgradeTimeout: 200 * time.Millisecond})
			sid := ts.handshake(t)
			c := ts.mustDialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
			tt.act(t, c)
			// The server drops the probe; the session goes on polling.
			c.waitClosed(t)
			s := ts.session(t, sid)
			if s.Transport() != "polling" || !s.Open() {
				t.Fatalf("transport %q, open %v", s.Transport(), s.Open())
			}
			if status, body := ts.post(t, sid, "4still"); status != 200 || body != "ok" {
				t.Fatalf("POST: %d %q", status, body)
			}
			// The probe left nothing queued: the echo comes alone.
			if status, body := ts.get(t, sid); status != 200 || body != "4still" {
				t.Fatalf("GET: %d %q", status, body)
			}
			// A new upgrade succeeds, once the server noticed that the
			// client dropped the probe (when it was the client).
			eventually(t, "a new upgrade", func() bool {
				var err error
				c, _, err = ts.dialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
				return err == nil
			})
			c.send(t, "2probe")
			c.expect(t, "3probe")
			c.send(t, "5")
			eventually(t, "the upgrade", func() bool { return s.Transport() == "websocket" })
			c.send(t, "4ws")
			c.expect(t, "4ws")
			if got := ts.rec.closeReasons(sid); len(got) != 0 {
				t.Fatalf("closed: %v", got)
			}
		})
	}
}

func TestCloseGraceful(t *testing.T) {
	t.Run("polling", func(t *testing.T) {
		ts := startServer(t, nil)
		sid := ts.handshake(t)
		s := ts.session(t, sid)
		_ = s.Send(engineio.NewMessage([]byte("a"), false))
		_ = s.Send(engineio.NewMessage([]byte("b"), false))
		s.Close()
		if got := ts.rec.closeReasons(sid); !slices.Equal(got, []string{engineio.ReasonForcedClose}) {
			t.Fatalf("OnClose %v", got)
		}
		if s.Open() {
			t.Fatal("open after Close")
		}
		if err := s.Send(engineio.NewMessage([]byte("c"), false)); !errors.Is(err, engineio.ErrClosed) {
			t.Fatalf("Send after Close: %v", err)
		}
		// The queued messages first, then the close packet on its own.
		if status, body := ts.get(t, sid); status != 200 || body != "4a\x1e4b" {
			t.Fatalf("first GET: %d %q", status, body)
		}
		if status, body := ts.get(t, sid); status != 200 || body != "1" {
			t.Fatalf("second GET: %d %q", status, body)
		}
		ts.expectGone(t, sid)
		s.Close() // again: nothing happens
		if got := ts.rec.closeReasons(sid); len(got) != 1 {
			t.Fatalf("OnClose %v", got)
		}
	})
	t.Run("polling with nothing queued", func(t *testing.T) {
		ts := startServer(t, nil)
		sid := ts.handshake(t)
		pending := ts.goGet(sid)
		ts.session(t, sid).Close()
		if r := <-pending; r.err != nil || r.status != 200 || r.body != "1" {
			t.Fatalf("pending GET: %+v", r)
		}
		ts.expectGone(t, sid)
	})
	t.Run("polling client that never comes back", func(t *testing.T) {
		ts := startServer(t, &engineio.Config{PingInterval: time.Minute, PingTimeout: 100 * time.Millisecond})
		sid := ts.handshake(t)
		ts.session(t, sid).Close()
		eventually(t, "the session to be dropped", func() bool { return ts.srv.Len() == 0 })
		ts.expectGone(t, sid)
	})
	t.Run("websocket", func(t *testing.T) {
		ts := startServer(t, nil)
		c, sid := ts.openWS(t, nil)
		s := ts.session(t, sid)
		_ = s.Send(engineio.NewMessage([]byte("a"), false), engineio.NewMessage([]byte("b"), false))
		s.Close()
		c.expect(t, "4a", "4b")
		err := c.waitClosed(t)
		var ce *gws.CloseError
		if !errors.As(err, &ce) || ce.Code != 1000 {
			t.Fatalf("client saw %v, want a 1000 close frame", err)
		}
		if r := ts.closeReason(t, sid); r != engineio.ReasonForcedClose {
			t.Fatalf("reason %q", r)
		}
		ts.expectGone(t, sid)
	})
	// A client that already sent "5" has stopped polling: the session closing
	// between the probe and the "5" must still deliver what it queued, on
	// the WebSocket (a socket.io-client otherwise sees "transport close"
	// instead of the server's DISCONNECT).
	t.Run("during an upgrade", func(t *testing.T) {
		for _, queued := range []bool{true, false} {
			ts := startServer(t, nil)
			sid := ts.handshake(t)
			s := ts.session(t, sid)
			pending := ts.goGet(sid)
			c := ts.mustDialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
			c.send(t, "2probe")
			c.expect(t, "3probe")
			if r := <-pending; r.body != "6" {
				t.Fatalf("pending GET: %+v", r)
			}
			if queued {
				_ = s.Send(engineio.NewMessage([]byte("bye"), false))
			}
			s.Close()
			c.send(t, "5")
			if queued {
				c.expect(t, "4bye")
			}
			err := c.waitClosed(t)
			var ce *gws.CloseError
			if !errors.As(err, &ce) || ce.Code != 1000 {
				t.Fatalf("queued %v: client saw %v, want a 1000 close frame", queued, err)
			}
			if r := ts.closeReason(t, sid); r != engineio.ReasonForcedClose {
				t.Fatalf("reason %q", r)
			}
			ts.expectGone(t, sid)
		}
	})
	t.Run("abort", func(t *testing.T) {
		ts := startServer(t, nil)
		sid := ts.handshake(t)
		s := ts.session(t, sid)
		_ = s.Send(engineio.NewMessage([]byte("dropped"), false))
		s.Abort("custom")
		if r := ts.closeReason(t, sid); r != "custom" {
			t.Fatalf("reason %q", r)
		}
		ts.expectGone(t, sid)
	})
}

func TestShutdown(t *testing.T) {
	t.Run("drains", func(t *testing.T) {
		ts := startServer(t, nil)
		sid := ts.handshake(t)
		pending := ts.goGet(sid)
		c, wsid := ts.openWS(t, nil)
		_ = ts.session(t, wsid).Send(engineio.NewMessage([]byte("last"), false))
		time.Sleep(20 * time.Millisecond) // let the GET start waiting; either way it gets the close packet
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := ts.shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if r := <-pending; r.err != nil || r.status != 200 || r.body != "1" {
			t.Fatalf("pending GET: %+v", r)
		}
		c.expect(t, "4last")
		c.waitClosed(t)
		for _, id := range []string{sid, wsid} {
			if r := ts.closeReason(t, id); r != engineio.ReasonServerShutdown {
				t.Fatalf("reason %q", r)
			}
		}
		if n := ts.srv.Len(); n != 0 {
			t.Fatalf("%d sessions left", n)
		}
		if err := <-ts.served; !errors.Is(err, engineio.ErrServerClosed) {
			t.Fatalf("Serve returned %v", err)
		}
		ts.served <- engineio.ErrServerClosed // for the cleanup
	})
	// A polling client that is gone (it never polls again) does not hold the
	// shutdown up for PingTimeout: it is dropped after a short grace.
	t.Run("gone polling client", func(t *testing.T) {
		ts := startServer(t, &engineio.Config{PingTimeout: time.Minute})
		sid := ts.handshake(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := ts.shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if r := ts.closeReason(t, sid); r != engineio.ReasonServerShutdown {
			t.Fatalf("reason %q", r)
		}
	})
	t.Run("context expires", func(t *testing.T) {
		ts := startServer(t, &engineio.Config{PingTimeout: time.Minute})
		sid := ts.handshake(t) // never polls again: it cannot drain
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := ts.shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown: %v", err)
		}
		if n := ts.srv.Len(); n != 0 {
			t.Fatalf("%d sessions left", n)
		}
		if r := ts.closeReason(t, sid); r != engineio.ReasonServerShutdown {
			t.Fatalf("reason %q", r)
		}
	})
}

// noise returns random bytes biased towards the protocol's own characters.
func noise(rng *rand.Rand, max int) []byte {
	const alphabet = "0123456789b\x1e/+=[]{}\",:AQID-probe"
	b := make([]byte, rng.IntN(max+1))
	for i := range b {
		if rng.IntN(2) == 0 {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		} else {
			b[i] = byte(rng.Uint32())
		}
	}
	return b
}

func TestBadInputNeverCrashes(t *testing.T) {
	ts := startServer(t, &engineio.Config{MaxPayload: 1000})
	rng := rand.New(rand.NewPCG(1, 2))

	// Polling: random POST bodies, a new session whenever one closes.
	sid := ""
	for range 300 {
		if sid == "" || ts.srv.Session(sid) == nil {
			sid = ts.handshake(t)
		}
		ct := "text/plain;charset=UTF-8"
		if rng.IntN(20) == 0 {
			ct = "application/octet-stream"
		}
		r := ts.mustDo(t, http.MethodPost, pollQuery(sid), string(noise(rng, 1200)), http.Header{"Content-Type": {ct}})
		if r.status != 200 && r.status != 400 && r.status != 413 {
			t.Fatalf("POST: %d %q", r.status, r.body)
		}
	}
	// Random queries.
	for range 100 {
		q := fmt.Sprintf("?EIO=%s&transport=%s&sid=%s", noise(rng, 3), noise(rng, 10), noise(rng, 20))
		req, err := http.NewRequest(http.MethodGet, ts.url+"?x=1", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = strings.ReplaceAll(q[1:], " ", "%20")
		if resp, err := ts.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}

	// WebSocket: random frames, redialling whenever the server hangs up.
	var c *wsClient
	for range 300 {
		if c == nil {
			c, _ = ts.openWS(t, nil)
		}
		op := gws.OpcodeText
		if rng.IntN(4) == 0 {
			op = gws.OpcodeBinary
		}
		err := c.conn.WriteMessage(op, noise(rng, 1200))
		select {
		case <-c.closed:
			c = nil
		default:
			if err != nil {
				_ = c.conn.NetConn().Close()
				c = nil
			}
		}
	}

	// Raw bytes: a WebSocket handshake followed by garbage frames, and
	// garbage instead of HTTP.
	for i := range 60 {
		conn, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		var b []byte
		if i%3 != 0 {
			b = fmt.Appendf(nil, "GET %s?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\n"+
				"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", ts.path, ts.addr)
		}
		b = append(b, noise(rng, 300)...)
		_, _ = conn.Write(b)
		_ = conn.(*net.TCPConn).CloseWrite()
		_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
		if _, err := io.Copy(io.Discard, bufio.NewReader(conn)); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept connection %d open after EOF", i)
			}
		}
		conn.Close()
	}

	// The server still works, both ways.
	sid = ts.handshake(t)
	if status, body := ts.post(t, sid, "4fine"); status != 200 || body != "ok" {
		t.Fatalf("POST: %d %q", status, body)
	}
	if status, body := ts.get(t, sid); status != 200 || body != "4fine" {
		t.Fatalf("GET: %d %q", status, body)
	}
	c, _ = ts.openWS(t, nil)
	c.send(t, "4fine")
	c.expect(t, "4fine")
}

func TestUpgradeHandshakeFails(t *testing.T) {
	ts := startServer(t, nil)
	sid := ts.handshake(t)
	noKey := func(query string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, ts.url+"?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The WebSocket library refuses a handshake without a key.
	if status, body := noKey("EIO=4&transport=websocket&sid=" + sid); status != 400 {
		t.Fatalf("upgrade without a key: %d %q", status, body)
	}
	if status, body := noKey("EIO=4&transport=websocket"); status != 400 {
		t.Fatalf("handshake without a key: %d %q", status, body)
	}
	if ids := ts.rec.openedIDs(); len(ids) != 1 {
		t.Fatalf("sessions opened: %v", ids)
	}
	// The session is unharmed and its upgrade slot free again.
	s := ts.session(t, sid)
	if status, body := ts.post(t, sid, "4x"); status != 200 || body != "ok" {
		t.Fatalf("POST: %d %q", status, body)
	}
	var c *wsClient
	eventually(t, "an upgrade", func() bool {
		var err error
		c, _, err = ts.dialWS(t, "EIO=4&transport=websocket&sid="+sid, nil)
		return err == nil
	})
	c.send(t, "2probe")
	c.expect(t, "3probe")
	c.send(t, "5")
	c.expect(t, "4x") // the echo of the POST, still queued
	if s.Transport() != "websocket" {
		t.Fatalf("transport %q", s.Transport())
	}
}

func TestSlowConsumer(t *testing.T) {
	ts := startServer(t, &engineio.Config{MaxBufferedBytes: 100})
	sid := ts.handshake(t)
	s := ts.session(t, sid)
	// A message larger than the cap is accepted into an empty queue.
	if err := s.Send(engineio.NewMessage(make([]byte, 150), false)); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	if status, body := ts.get(t, sid); status != 200 || len(body) != 151 {
		t.Fatalf("GET: %d, %d bytes", status, len(body))
	}
	if err := s.Send(engineio.NewMessage(make([]byte, 60), false)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := s.Send(engineio.NewMessage(make([]byte, 40), true)); err != nil {
		t.Fatalf("Send up to the cap: %v", err)
	}
	if err := s.Send(engineio.NewMessage([]byte("x"), false)); !errors.Is(err, engineio.ErrSlowConsumer) {
		t.Fatalf("Send over the cap: %v", err)
	}
	if r := ts.closeReason(t, sid); r != engineio.ReasonSlowConsumer {
		t.Fatalf("reason %q", r)
	}
	if err := s.Send(engineio.NewMessage([]byte("x"), false)); !errors.Is(err, engineio.ErrClosed) {
		t.Fatalf("Send after close: %v", err)
	}
	ts.expectGone(t, sid)
}

func TestNewServerConfig(t *testing.T) {
	bad := []struct {
		cfg   engineio.Config
		field string
	}{
		{engineio.Config{Path: "socket.io"}, "Path"},
		{engineio.Config{PingInterval: -1}, "PingInterval"},
		{engineio.Config{PingTimeout: -1}, "PingTimeout"},
		{engineio.Config{UpgradeTimeout: -1}, "UpgradeTimeout"},
		{engineio.Config{WriteTimeout: -1}, "WriteTimeout"},
		{engineio.Config{MaxPayload: -1}, "MaxPayload"},
		{engineio.Config{MaxBufferedBytes: -1}, "MaxBufferedBytes"},
		{engineio.Config{MaxHeaderBytes: -1}, "MaxHeaderBytes"},
		{engineio.Config{DisablePolling: true, DisableWebSocket: true}, "DisableWebSocket"},
		{engineio.Config{CORS: engineio.CORS{Origins: []string{"a.example"}}}, "CORS.Origins"},
	}
	for _, tt := range bad {
		_, err := engineio.NewServer(&tt.cfg, newRecorder())
		if !errors.Is(err, engineio.ErrConfig) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%+v: %v, want ErrConfig naming %s", tt.cfg, err, tt.field)
		}
	}
	if _, err := engineio.NewServer(nil, nil); !errors.Is(err, engineio.ErrConfig) {
		t.Errorf("nil handler: %v", err)
	}
	srv, err := engineio.NewServer(nil, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Config()
	if c.Path != "/socket.io/" || c.PingInterval != 25*time.Second || c.PingTimeout != 20*time.Second ||
		c.UpgradeTimeout != 10*time.Second || c.MaxPayload != 1_000_000 || c.MaxBufferedBytes != 4<<20 ||
		c.WriteTimeout != 10*time.Second || c.MaxHeaderBytes != 16<<10 || c.Logger == nil {
		t.Errorf("defaults %+v", c)
	}
	srv, err = engineio.NewServer(&engineio.Config{Path: "/eio"}, newRecorder())
	if err != nil || srv.Config().Path != "/eio/" {
		t.Errorf("path %q, %v", srv.Config().Path, err)
	}
	// Serve after Shutdown refuses to start.
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := srv.Serve(ln, nil); !errors.Is(err, engineio.ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}
