// The test harness of the package's tests: a real server on a loopback
// port, a recorder of its Handler calls, raw HTTP and WebSocket clients.

package engineio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/internal/testing/hostile"
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
// echoes every message back to its session, except "panic", which panics.
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
	if string(data) == "panic" {
		panic("the test handler panics")
	}
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startServerOn(t, cfg, ln)
}

// startServerOn is startServer on the listener ln.
func startServerOn(t *testing.T, cfg *engineio.Config, ln net.Listener) *testServer {
	t.Helper()
	var c engineio.Config
	if cfg != nil {
		c = *cfg
	}
	// The servers' log fails the test with every panic they recover
	// from, which would otherwise only be logged.
	logs := &hostile.ErrorLog{}
	if c.Logger == nil {
		c.Logger = logs.Logger()
	}
	rec := newRecorder()
	srv, err := engineio.NewServer(&c, rec)
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
		for _, l := range logs.Take() {
			if strings.Contains(l, "panic=") {
				t.Errorf("the server recovered from a panic: %s", l)
			}
		}
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
	pongs    chan string
	closed   chan struct{}
	closeErr error
}

func (c *wsClient) OnOpen(*gws.Conn)         {}
func (c *wsClient) OnPing(*gws.Conn, []byte) {}
func (c *wsClient) OnPong(_ *gws.Conn, p []byte) {
	select {
	case c.pongs <- string(p):
	default:
	}
}
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
	c := &wsClient{frames: make(chan message, 4096), pongs: make(chan string, 16), closed: make(chan struct{})}
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
