// Package exampletest is what the examples' tests share: the builds of an
// example, a real host serving the example's own wasmio.toml, a settable
// clock, end-to-end sessions of real clients on each transport, and
// assertions on recorded emits and on what clients received.
//
// A test runs in its example's folder (examples/<name> or
// examples/seed/<name>), whose go/ and rust/ folders hold the handler's two
// sources.
package exampletest

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

// Build is one way to build an example: a toolchain and the folder of the
// source it builds.
type Build struct {
	Toolchain wasmiotest.Toolchain
	Dir       string
}

// Builds is a list of builds an example's tests run on.
type Builds []Build

// All are the builds of the examples in examples/: Go and TinyGo from go/,
// Rust from rust/.
var All = Builds{{wasmiotest.Go, "go"}, {wasmiotest.TinyGo, "go"}, {wasmiotest.Rust, "rust"}}

// Small are the builds that make small modules, TinyGo from go/ and Rust
// from rust/: the seed examples (examples/seed) test only these, since the
// examples in examples/ cover standard Go and its builds are the slow ones.
var Small = Builds{{wasmiotest.TinyGo, "go"}, {wasmiotest.Rust, "rust"}}

// Run runs f as one subtest per build of All, named after the toolchain.
func Run(t *testing.T, f func(t *testing.T, b Build)) { All.Run(t, f) }

// Run runs f as one subtest per build, named after the toolchain.
func (bs Builds) Run(t *testing.T, f func(t *testing.T, b Build)) {
	for _, b := range bs {
		t.Run(string(b.Toolchain), func(t *testing.T) { f(t, b) })
	}
}

// Unit is a named test of an example's handler on a kit.
type Unit struct {
	Name string
	Test func(t *testing.T, k *wasmiotest.Kit)
}

// RunUnits runs the units in order as subtests, per build of All, all on
// one kit made with opts: compiling a module takes seconds (half a minute
// for a Go module under -race), so a test shares one. Units use sockets of
// their own.
func RunUnits(t *testing.T, opts *wasmiotest.Options, units ...Unit) {
	All.RunUnits(t, opts, units...)
}

// RunUnits is RunUnits on the builds bs.
func (bs Builds) RunUnits(t *testing.T, opts *wasmiotest.Options, units ...Unit) {
	bs.Run(t, func(t *testing.T, b Build) {
		k := wasmiotest.New(t, b.module(t), opts)
		for _, u := range units {
			t.Run(u.Name, func(t *testing.T) { u.Test(t, k) })
		}
	})
}

// module builds the example's module (once per test process). A missing
// TinyGo skips the test.
func (b Build) module(t testing.TB) []byte {
	t.Helper()
	return wasmiotest.Build(t, b.Toolchain, b.Dir)
}

// Server is a real host serving the example's wasmio.toml.
type Server struct {
	*hosttest.Running
	t    testing.TB
	dir  string
	opts *host.Options
}

// Serve copies the example's wasmio.toml into a temporary folder, builds
// the module into the build/<example>.wasm the config names, and serves the
// config as `wasmio serve` would (on a free loopback port).
func Serve(t testing.TB, b Build, opts *host.Options) *Server {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "build", filepath.Base(wd)+".wasm"), b.module(t), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("wasmio.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wasmio.toml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, dir: dir, opts: opts}
	s.start()
	return s
}

func (s *Server) start() {
	s.t.Helper()
	cfg, err := config.Load(filepath.Join(s.dir, "wasmio.toml"))
	if err != nil {
		s.t.Fatal(err)
	}
	s.Running = hosttest.Start(s.t, cfg, s.dir, s.opts)
}

// Restart shuts the host down gracefully (every socket's $disconnect runs)
// and starts a new one on the same data, on a new port (see URL).
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Clock is a settable clock for host.Options.Clock: tests assert exact
// timestamps and expire leases without waiting.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Emitted returns the only emit of event in res after checking its
// receivers: mode ("self", "broadcast" or "namespace") and the to and
// except rooms.
func Emitted(t testing.TB, res *wasmiotest.Result, event, mode string, to, except []string) wasmiotest.Emit {
	t.Helper()
	emits := res.Emitted(event)
	if len(emits) != 1 {
		t.Fatalf("%d %q emits, want 1; all emits: %v", len(emits), event, res.Emits)
	}
	e := emits[0]
	if e.Mode != mode || !slices.Equal(e.To, to) || !slices.Equal(e.Except, except) {
		t.Fatalf("emit %v, want mode %s to=%v except=%v", e, mode, to, except)
	}
	return e
}

// Silent fails the test unless res succeeded without an effect: no emit,
// ack, join, leave or disconnect.
func Silent(t testing.TB, res *wasmiotest.Result) {
	t.Helper()
	res.MustSucceed(t)
	if len(res.Emits) != 0 || res.Ack != nil || len(res.Joined)+len(res.Left) != 0 || res.Disconnected {
		t.Fatalf("emits %v, ack %v, joined %v, left %v, disconnected %v; want none", res.Emits, res.Ack, res.Joined, res.Left, res.Disconnected)
	}
}

// Transport returns the i-th of a cycle of client transports: WebSocket
// only, long-polling only, and polling upgraded to WebSocket.
func Transport(i int) []string {
	return [][]string{{"websocket"}, {"polling"}, {"polling", "websocket"}}[i%3]
}

// Connect opens client i of a test to url with auth (nil for none), on
// Transport(i), and waits until it is connected.
func Connect(t testing.TB, d *nodetest.Driver, url string, i int, auth map[string]any) (*nodetest.Client, string) {
	t.Helper()
	opts := map[string]any{"transports": Transport(i)}
	if auth != nil {
		opts["auth"] = auth
	}
	c := d.Connect(url, opts)
	return c, c.Connected().Sid
}

// NoEvents fails the test if any of clients received events it did not
// wait for. Call it after a barrier: an event that every earlier emit to
// the client precedes.
func NoEvents(t testing.TB, clients ...*nodetest.Client) {
	t.Helper()
	for _, c := range clients {
		if evs := c.Events(); len(evs) != 0 {
			t.Fatalf("client %s received unexpected events: %v", c.ID, evs)
		}
	}
}

// Received waits until each of clients receives event and checks that its
// arguments are the one argument arg (JSON, compared as values).
func Received(t testing.TB, event, arg string, clients ...*nodetest.Client) {
	t.Helper()
	for _, c := range clients {
		nodetest.JSONEq(t, c.Event(event).Args, "["+arg+"]")
	}
}

// Transports are the transports an end-to-end Session runs on, by name:
// WebSocket only, and long-polling only.
var Transports = []struct {
	Name string
	List []string
}{{"websocket", []string{"websocket"}}, {"polling", []string{"polling"}}}

// SessionTime is where a Session's clock starts.
var SessionTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// Session is one end-to-end run of an example: a real host of its own
// serving the example's wasmio.toml with a settable clock, a client driver,
// and the transport every client of the run uses.
type Session struct {
	// Server is the host; Clock its clock, stopped at SessionTime.
	Server *Server
	Clock  *Clock
	// Driver runs the clients.
	Driver    *nodetest.Driver
	t         testing.TB
	url       string
	transport []string
}

// EndToEnd runs f once per build of bs and per transport (see Transports),
// each run on a fresh host and driver, its clients connecting to the
// namespace ns. A run has a host of its own so that the clients of one run
// never see the $disconnect effects of another's.
func (bs Builds) EndToEnd(t *testing.T, ns string, f func(t *testing.T, s *Session)) {
	bs.Run(t, func(t *testing.T, b Build) {
		for _, tr := range Transports {
			t.Run(tr.Name, func(t *testing.T) {
				clock := NewClock(SessionTime)
				srv := Serve(t, b, &host.Options{Clock: clock.Now})
				f(t, &Session{Server: srv, Clock: clock, Driver: nodetest.Start(t), t: t, url: srv.URL + ns, transport: tr.List})
			})
		}
	})
}

// Now returns the session clock's time in Unix milliseconds, as handlers
// see it in Event.Time.
func (s *Session) Now() int64 { return s.Clock.Now().UnixMilli() }

// Connect opens a client with auth (nil for none) on the session's
// transport, waits until it is connected, and returns it and its socket id.
func (s *Session) Connect(auth map[string]any) (*nodetest.Client, string) {
	s.t.Helper()
	c := s.Driver.Connect(s.url, s.options(auth))
	return c, c.Connected().Sid
}

// Refused opens a client with auth that the handler must refuse, and
// returns the message its connect_error received.
func (s *Session) Refused(auth map[string]any) string {
	s.t.Helper()
	m := s.Driver.Connect(s.url, s.options(auth)).Outcome()
	if m.Ev != "connect_error" {
		s.t.Fatalf("connected with auth %v, want a refusal", auth)
	}
	return m.Message
}

func (s *Session) options(auth map[string]any) map[string]any {
	opts := map[string]any{"transports": s.transport}
	if auth != nil {
		opts["auth"] = auth
	}
	return opts
}

// Log records what a handler logs, each line reduced to its level and its
// message, the part the handler writes: give Logger to
// wasmiotest.Options.Logger. The zero value is ready to use.
type Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger returns a logger writing to l.
func (l *Log) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key != slog.LevelKey && a.Key != slog.MessageKey {
			return slog.Attr{}
		}
		return a
	}}))
}

// Write appends a log line.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Take returns what was logged since the last Take, like
// "level=INFO msg=\"Connected: socket-1\"\n".
func (l *Log) Take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.buf.Reset()
	return l.buf.String()
}
