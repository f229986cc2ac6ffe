// Package host runs wasmio: it serves Socket.IO with the engine of package
// engineio and answers each namespace's events with WebAssembly handlers run
// by package sandbox, with authentication (package auth) before $connect and
// a bbolt key-value store (package kv) behind them.
package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/host/auth"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/kv"
	"github.com/wasmio/wasmio/socketio"
)

// Options are what a Host needs besides its Config. The zero value is usable.
type Options struct {
	// Logger receives the host's logs. Nil means slog.Default().
	Logger *slog.Logger
	// Fallback answers HTTP requests off the Socket.IO path (a web page, an
	// API). Nil answers 404.
	Fallback fasthttp.RequestHandler
	// Clock is the time handlers and authentication see. Nil means time.Now.
	Clock func() time.Time
}

// Host serves one Config. Create it with New, run it with Serve, stop it
// with Shutdown.
type Host struct {
	opts  Options
	log   *slog.Logger
	clock func() time.Time
	store *kv.Store
	sio   *socketio.Server
	// runner runs every handler event as one transaction on store, with
	// one slot per run allowed in parallel.
	runner *txn.Runner
	jobs   jobCounter // queued and running socket jobs, which Shutdown waits for

	reloading sync.Mutex // serializes Reload and Shutdown
	mu        sync.Mutex // guards the fields below; nsps and closed change under reloading too
	cfg       *Config
	nsps      map[string]*atomic.Pointer[namespace] // by path; the pointer changes on reload
	retired   map[*namespace]bool                   // replaced by a reload, with runs left
	closed    bool
}

// namespace is one served namespace's compiled state: one version of it,
// from one config and set of module files.
type namespace struct {
	path    string
	conf    Namespace
	sums    map[string][sha256.Size]byte // module file contents, by resolved path
	rt      *sandbox.Runtime
	modules map[string]*sandbox.Module // by event, as Namespace.modules maps them
	auth    *auth.Authenticator        // nil when the namespace has no auth

	// refs counts the runs started on this version, plus one while it is
	// the current one; its runtime closes when refs drops to zero.
	refs      atomic.Int64
	closeOnce sync.Once
}

// module returns the module for event, falling back to $default for client
// events, or nil.
func (n *namespace) module(event string) *sandbox.Module {
	if m := n.modules[event]; m != nil {
		return m
	}
	if event == abi.EventConnect || event == abi.EventDisconnect || event == abi.EventAck {
		return nil
	}
	return n.modules[abi.EventDefault]
}

// New opens the store, compiles every module and builds the server. It fails
// as a whole: a bad module or config never gives a half-working host.
func New(ctx context.Context, cfg *Config, opts *Options) (*Host, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := &Host{cfg: cfg, nsps: map[string]*atomic.Pointer[namespace]{}, retired: map[*namespace]bool{}}
	if opts != nil {
		h.opts = *opts
	}
	h.log = h.opts.Logger
	if h.log == nil {
		h.log = slog.Default()
	}
	h.clock = h.opts.Clock
	if h.clock == nil {
		h.clock = time.Now
	}
	if err := os.MkdirAll(cfg.dataDir(), 0o755); err != nil {
		return nil, fmt.Errorf("host: data_dir: %w", err)
	}
	var err error
	if h.store, err = kv.Open(filepath.Join(cfg.dataDir(), "kv.db"), nil); err != nil {
		return nil, fmt.Errorf("host: data_dir: %w", err)
	}
	h.runner = &txn.Runner{Store: h.store, Slots: make(chan struct{}, cfg.workers())}
	if h.sio, err = socketio.NewServer(h.socketioConfig()); err != nil {
		_ = h.store.Close()
		return nil, err
	}
	for i := range cfg.Namespaces {
		nc := &cfg.Namespaces[i]
		wasm, err := readModules(cfg, nc)
		var n *namespace
		if err == nil {
			n, err = h.compile(ctx, cfg, nc, wasm)
		}
		if err == nil {
			err = h.serve(n)
		}
		if err != nil {
			h.closeAll(ctx)
			return nil, err
		}
	}
	return h, nil
}

func (h *Host) socketioConfig() *socketio.Config {
	c := h.cfg
	sc := &socketio.Config{
		ConnectTimeout: time.Duration(c.Engine.ConnectTimeout),
		Engine: engineio.Config{
			Path:         c.Path,
			PingInterval: time.Duration(c.Engine.PingInterval),
			PingTimeout:  time.Duration(c.Engine.PingTimeout),
			MaxPayload:   int(c.Engine.MaxPayload),
			CORS:         engineio.CORS{Origins: c.CORS.Origins, Credentials: c.CORS.Credentials},
			Logger:       h.log,
		},
	}
	if len(c.Engine.Transports) > 0 {
		sc.Engine.DisablePolling, sc.Engine.DisableWebSocket = true, true
		for _, t := range c.Engine.Transports {
			switch t {
			case "polling":
				sc.Engine.DisablePolling = false
			case "websocket":
				sc.Engine.DisableWebSocket = false
			}
		}
	}
	return sc
}

// serve makes the Socket.IO server serve n, a namespace it does not serve yet.
func (h *Host) serve(n *namespace) error {
	p := &atomic.Pointer[namespace]{}
	p.Store(n)
	if _, err := h.sio.Of(n.path, h.hooks(p)); err != nil {
		n.close()
		return err
	}
	h.nsps[n.path] = p
	return nil
}

// readModules reads the module files of nc, by resolved path.
func readModules(cfg *Config, nc *Namespace) (map[string][]byte, error) {
	wasm := map[string][]byte{}
	for ev, file := range nc.modules() {
		path := cfg.Resolve(file)
		if wasm[path] != nil {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("host: namespace %s, event %s: %w", nc.Path, ev, err)
		}
		wasm[path] = b
	}
	return wasm, nil
}

// compile builds a namespace's runtime, modules and authenticator from
// cfg's table nc and the module files' contents.
func (h *Host) compile(ctx context.Context, cfg *Config, nc *Namespace, wasm map[string][]byte) (*namespace, error) {
	rt, err := sandbox.NewRuntime(ctx, &sandbox.Config{
		CacheDir: filepath.Join(cfg.dataDir(), "cache"),
		Limits:   nc.Limits.sandbox(),
		Logger:   h.log,
		Clock:    h.clock,
	})
	if err != nil {
		return nil, fmt.Errorf("host: namespace %s: %w", nc.Path, err)
	}
	n := &namespace{path: nc.Path, conf: *nc, sums: sums(wasm), rt: rt, modules: map[string]*sandbox.Module{}}
	n.refs.Store(1)
	byFile := map[string]*sandbox.Module{}
	for ev, file := range nc.modules() {
		path := cfg.Resolve(file)
		m := byFile[path]
		if m == nil {
			m, err = rt.Compile(ctx, file, wasm[path])
			if err != nil {
				_ = rt.Close(ctx)
				return nil, fmt.Errorf("host: namespace %s, event %s: %w", nc.Path, ev, err)
			}
			byFile[path] = m
			for _, a := range m.Advice() {
				h.log.Warn("slow module", "namespace", nc.Path, "module", file, "advice", a)
			}
		}
		n.modules[ev] = m
	}
	if nc.Auth != nil {
		if n.auth, err = auth.New(*nc.Auth, cfg.Dir()); err != nil {
			_ = rt.Close(ctx)
			return nil, fmt.Errorf("host: namespace %s: auth: %w", nc.Path, err)
		}
	}
	return n, nil
}

func (h *Host) closeAll(ctx context.Context) {
	for _, p := range h.nsps {
		p.Load().close()
	}
	_ = h.store.Close()
}

// close closes n's runtime, once.
func (n *namespace) close() {
	n.closeOnce.Do(func() { _ = n.rt.Close(context.Background()) })
}

// Server returns the Socket.IO server, for inspection (rooms, sockets).
func (h *Host) Server() *socketio.Server { return h.sio }

// Store returns the key-value store.
func (h *Host) Store() *kv.Store { return h.store }

// Config returns the host's configuration, the one last applied by Reload.
func (h *Host) Config() *Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

// Listen opens the configured listen address.
func (h *Host) Listen() (net.Listener, error) { return net.Listen("tcp", h.Config().listen()) }

// Serve serves on ln until Shutdown.
func (h *Host) Serve(ln net.Listener) error {
	err := h.sio.Serve(ln, h.opts.Fallback)
	if errors.Is(err, engineio.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown closes every connection (clients reconnect by themselves, or,
// with Config.Shutdown "disconnect", are told to go away), runs every
// socket's $disconnect once with "server shutting down", waits for running
// handlers and closes the store.
func (h *Host) Shutdown(ctx context.Context) error {
	h.reloading.Lock()
	defer h.reloading.Unlock()
	if h.cfg.Shutdown == ShutdownDisconnect {
		h.sio.DisconnectAll(engineio.ReasonServerShutdown)
	}
	err := h.sio.Shutdown(ctx)
	// Every socket is disconnected now and its $disconnect queued: let the
	// queues drain (handlers, commits, scope cleanups) before the store and
	// the runtimes close under them.
	if werr := h.jobs.wait(ctx); werr != nil {
		return errors.Join(err, fmt.Errorf("host: %d socket jobs still running: %w", h.jobs.count(), werr))
	}
	h.mu.Lock()
	h.closed = true
	for _, p := range h.nsps {
		p.Load().close()
	}
	for n := range h.retired {
		n.close()
	}
	h.mu.Unlock()
	return errors.Join(err, h.store.Close())
}

// Describe lists what the host serves: every namespace with its events and
// modules, sorted, for the startup banner.
func (h *Host) Describe() []string {
	var out []string
	for _, nc := range h.Config().Namespaces {
		mods := nc.modules()
		evs := make([]string, 0, len(mods))
		for ev := range mods {
			evs = append(evs, ev)
		}
		sort.Strings(evs)
		for _, ev := range evs {
			out = append(out, fmt.Sprintf("%s %s -> %s", nc.Path, ev, mods[ev]))
		}
		if nc.Auth != nil {
			out = append(out, fmt.Sprintf("%s auth: %s", nc.Path, describeAuth(nc.Auth)))
		}
	}
	return out
}

// jobCounter counts work the host must finish before it shuts down. Unlike
// a sync.WaitGroup, it may go up while someone waits.
type jobCounter struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to zero
}

func (c *jobCounter) add() {
	c.mu.Lock()
	if c.n == 0 {
		c.zero = make(chan struct{})
	}
	c.n++
	c.mu.Unlock()
}

func (c *jobCounter) done() {
	c.mu.Lock()
	c.n--
	if c.n == 0 {
		close(c.zero)
	}
	c.mu.Unlock()
}

func (c *jobCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// wait returns once no job is left, or ctx's error.
func (c *jobCounter) wait(ctx context.Context) error {
	for {
		c.mu.Lock()
		n, zero := c.n, c.zero
		c.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-zero:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// socketState is the host's per-socket state, attached to the socket.
type socketState struct {
	hs      *sandbox.Handshake
	mailbox mailbox
	pending *sandbox.Effects // $connect's effects, applied once connected
	acks    ackState         // emit_acks awaiting their $ack (acks.go)
}

func state(s *socketio.Socket) *socketState { return s.UserData().(*socketState) }

// mailboxSize bounds a socket's queued events; a client sending faster
// than its handlers run is slowed down by its reader blocking, not by
// unbounded memory.
const mailboxSize = 256

// mailbox runs one socket's jobs in order, one at a time, on a goroutine
// that exists only while jobs are queued.
type mailbox struct {
	mu      sync.Mutex
	notFull sync.Cond
	jobs    []func()
	running bool
}

func (m *mailbox) push(job func()) {
	m.mu.Lock()
	if m.notFull.L == nil {
		m.notFull.L = &m.mu
	}
	for len(m.jobs) >= mailboxSize {
		m.notFull.Wait()
	}
	m.jobs = append(m.jobs, job)
	if !m.running {
		m.running = true
		go m.run()
	}
	m.mu.Unlock()
}

func (m *mailbox) run() {
	for {
		m.mu.Lock()
		if len(m.jobs) == 0 {
			m.running = false
			m.mu.Unlock()
			return
		}
		job := m.jobs[0]
		m.jobs[0] = nil
		m.jobs = m.jobs[1:]
		if m.notFull.L != nil {
			m.notFull.Signal()
		}
		m.mu.Unlock()
		job()
	}
}
