// Package exampletest is what the examples' tests share: the three builds
// of an example, a real host serving the example's own wasmio.toml, a
// settable clock, and assertions on recorded emits and on what clients
// received.
//
// A test runs in its example's folder (examples/<name>), whose go/ and
// rust/ folders hold the handler's two sources.
package exampletest

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/internal/hosttest"
	"github.com/wasmio/wasmio/internal/nodetest"
	"github.com/wasmio/wasmio/wasmiotest"
)

// Build is one way to build an example: a toolchain and the folder of the
// source it builds.
type Build struct {
	Toolchain wasmiotest.Toolchain
	Dir       string
}

// builds are every example's builds: Go and TinyGo from go/, Rust from rust/.
var builds = []Build{{wasmiotest.Go, "go"}, {wasmiotest.TinyGo, "go"}, {wasmiotest.Rust, "rust"}}

// Run runs f as one subtest per build, named after the toolchain.
func Run(t *testing.T, f func(t *testing.T, b Build)) {
	for _, b := range builds {
		t.Run(string(b.Toolchain), func(t *testing.T) { f(t, b) })
	}
}

// Unit is a named test of an example's handler on a kit.
type Unit struct {
	Name string
	Test func(t *testing.T, k *wasmiotest.Kit)
}

// RunUnits runs the units in order as subtests, per build, all on one kit
// made with opts: compiling a module takes seconds (half a minute for a Go
// module under -race), so a test shares one. Units use sockets of their own.
func RunUnits(t *testing.T, opts *wasmiotest.Options, units ...Unit) {
	Run(t, func(t *testing.T, b Build) {
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
	cfg, err := host.Load(filepath.Join(s.dir, "wasmio.toml"))
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

// Silent fails the test if res emitted or acked anything.
func Silent(t testing.TB, res *wasmiotest.Result) {
	t.Helper()
	res.MustSucceed(t)
	if len(res.Emits) != 0 || res.Ack != nil {
		t.Fatalf("emits %v, ack %v; want none", res.Emits, res.Ack)
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

// NoEvents fails the test if c received events it did not wait for. Call
// it after a barrier: an event that every earlier emit to c precedes.
func NoEvents(t testing.TB, c *nodetest.Client) {
	t.Helper()
	if evs := c.Events(); len(evs) != 0 {
		t.Fatalf("client %s received unexpected events: %v", c.ID, evs)
	}
}
