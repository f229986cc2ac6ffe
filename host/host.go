// Package host runs wasmio: it serves Socket.IO with the engine of package
// engineio and answers each namespace's events with WebAssembly handlers run
// by package sandbox, with authentication (package auth) before $connect and
// a bbolt key-value store (package kv) behind them. Package config is its
// configuration.
//
// One event's path, top-down: the Socket.IO server calls the namespace's
// hooks (dispatch.go), which queue the event on the socket's mailbox
// (mailbox.go); the job acquires the namespace's current version
// (namespace.go), runs the handler as one transaction (package txn) and
// applies its effects (dispatch.go), whose emits leave through the
// namespace's adapter (package socketio). Emits with an ack and their
// answers are acks.go's. host.go holds the wiring only.
package host

import (
	"context"
	"encoding/json"
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
	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/host/api"
	"github.com/wasmio/wasmio/host/config"
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
	api   *api.API
	// runner runs every handler event as one transaction on store, with
	// one slot per run allowed in parallel.
	runner *txn.Runner
	jobs   jobCounter // queued and running socket jobs, which Shutdown waits for
	// stopping is set once Shutdown starts: queued events are skipped
	// then, so that $disconnects do not wait behind them; droppedJobs
	// counts jobs that never ran.
	stopping    atomic.Bool
	droppedJobs atomic.Uint64
	// stopRuns ends the ordinary events' runs, running or waiting for a
	// slot, when Shutdown starts; $disconnect runs are not bound to it.
	runs     context.Context
	stopRuns context.CancelFunc

	reloading sync.Mutex // serializes Reload and Shutdown
	mu        sync.Mutex // guards the fields below; nsps and closed change under reloading too
	cfg       *config.Config
	nsps      map[string]*atomic.Pointer[namespace] // by path; the pointer changes on reload
	retired   map[*namespace]bool                   // replaced by a reload, with runs left
	closed    bool
}

// New opens the store, compiles every module and builds the server. It fails
// as a whole: a bad module or config never gives a half-working host.
func New(ctx context.Context, cfg *config.Config, opts *Options) (*Host, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := &Host{cfg: cfg, nsps: map[string]*atomic.Pointer[namespace]{}, retired: map[*namespace]bool{}}
	if opts != nil {
		h.opts = *opts
	}
	h.runs, h.stopRuns = context.WithCancel(context.Background())
	h.log = h.opts.Logger
	if h.log == nil {
		h.log = slog.Default()
	}
	h.clock = h.opts.Clock
	if h.clock == nil {
		h.clock = time.Now
	}
	if err := os.MkdirAll(cfg.DataPath(), 0o755); err != nil {
		return nil, fmt.Errorf("host: data_dir: %w", err)
	}
	var err error
	if h.store, err = kv.Open(filepath.Join(cfg.DataPath(), "kv.db"), nil); err != nil {
		return nil, fmt.Errorf("host: data_dir: %w", err)
	}
	h.runner = &txn.Runner{Store: h.store, Slots: make(chan struct{}, cfg.WorkerCount())}
	if h.sio, err = socketio.NewServer(h.cfg.SocketIO(h.log)); err != nil {
		_ = h.store.Close()
		return nil, err
	}
	if h.api, err = h.newAPI(cfg); err != nil {
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

// newAPI makes the REST API of cfg's [admin] table, answering for this
// process's sockets.
func (h *Host) newAPI(cfg *config.Config) (*api.API, error) {
	tokens, err := cfg.Admin.Tokens()
	if err != nil {
		return nil, err
	}
	return api.New(api.Options{
		Directory: api.NewLocal(h.sio, cfg.Admin.UserField, claims),
		Tokens:    tokens,
		MaxBody:   cfg.Admin.MaxBodyBytes(),
		Ready:     h.Ready,
	})
}

// claims returns the JWT claims verified when s connected, or nil.
func claims(s *socketio.Socket) json.RawMessage {
	if st, ok := s.UserData().(*socketState); ok {
		return st.hs.Claims
	}
	return nil
}

// Ready reports why the host cannot serve events, or nil: the store is
// open and every namespace's modules are loaded from New until Shutdown.
func (h *Host) Ready() error {
	if h.stopping.Load() {
		return errors.New("shutting down")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, nc := range h.cfg.Namespaces {
		if h.nsps[nc.Path] == nil {
			return fmt.Errorf("namespace %s is not loaded", nc.Path)
		}
	}
	return nil
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

func (h *Host) closeAll(ctx context.Context) {
	for _, p := range h.nsps {
		p.Load().close()
	}
	_ = h.store.Close()
}

// API returns the host's REST API.
func (h *Host) API() *api.API { return h.api }

// Server returns the Socket.IO server, for inspection (rooms, sockets).
func (h *Host) Server() *socketio.Server { return h.sio }

// Store returns the key-value store.
func (h *Host) Store() *kv.Store { return h.store }

// Config returns the host's configuration, the one last applied by Reload.
func (h *Host) Config() *config.Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

// Listen opens the configured listen address.
func (h *Host) Listen() (net.Listener, error) { return net.Listen("tcp", h.Config().Address()) }

// Serve serves on ln until Shutdown: Socket.IO on its path, the REST API
// (package api) on its paths, and Options.Fallback the rest.
func (h *Host) Serve(ln net.Listener) error {
	err := h.sio.Serve(ln, h.api.Handler(h.opts.Fallback))
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
	h.stopping.Store(true)
	h.stopRuns()
	before := h.droppedJobs.Load()
	defer func() {
		if n := h.droppedJobs.Load() - before; n > 0 {
			h.log.Info("shutdown dropped queued events so that every socket's $disconnect could run", "dropped", n)
		}
	}()
	if h.cfg.Shutdown == config.ShutdownDisconnect {
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

// QueuedJobs returns the socket jobs (events, acks, $disconnects) queued on
// the sockets' mailboxes or running.
func (h *Host) QueuedJobs() int { return h.jobs.count() }

// Describe lists what the host serves: every namespace with its events and
// modules, sorted, for the startup banner.
func (h *Host) Describe() []string {
	var out []string
	for _, nc := range h.Config().Namespaces {
		mods := nc.Modules()
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
