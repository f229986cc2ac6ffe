package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/auth"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/host/sandbox"
)

// namespace is one served namespace's compiled state: one version of it,
// from one config and set of module files.
type namespace struct {
	path    string
	conf    config.Namespace
	sums    map[string][sha256.Size]byte // module file contents, by resolved path
	rt      *sandbox.Runtime
	modules map[string]*sandbox.Module // by event, as config.Namespace.Modules maps them
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

// readModules reads the module files of nc, by resolved path.
func readModules(cfg *config.Config, nc *config.Namespace) (map[string][]byte, error) {
	wasm := map[string][]byte{}
	for ev, file := range nc.Modules() {
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
func (h *Host) compile(ctx context.Context, cfg *config.Config, nc *config.Namespace, wasm map[string][]byte) (*namespace, error) {
	rt, err := sandbox.NewRuntime(ctx, &sandbox.Config{
		CacheDir: filepath.Join(cfg.DataPath(), "cache"),
		Limits:   nc.Limits.Sandbox(),
		Logger:   h.log,
		Clock:    h.clock,
	})
	if err != nil {
		return nil, fmt.Errorf("host: namespace %s: %w", nc.Path, err)
	}
	n := &namespace{path: nc.Path, conf: *nc, sums: sums(wasm), rt: rt, modules: map[string]*sandbox.Module{}}
	n.refs.Store(1)
	byFile := map[string]*sandbox.Module{}
	for ev, file := range nc.Modules() {
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

// close closes n's runtime, once.
func (n *namespace) close() {
	n.closeOnce.Do(func() { _ = n.rt.Close(context.Background()) })
}

// ErrRestart reports a configuration change that Reload cannot apply to a
// running host: only a restart can.
var ErrRestart = errors.New("host: restart wasmio to apply this change")

// Reload applies cfg, a new version of the host's configuration, without a
// restart; passing Config() again picks up rebuilt module files. Every
// namespace whose table or module files changed is compiled anew and
// swapped in, and new namespaces are served. Connected sockets stay
// connected, each event runs on the version current when it starts, and a
// replaced version's runtime closes when its last run ends.
//
// Reload is all or nothing: when a module fails to load, or cfg changes
// what only a restart can (the settings outside [[namespace]] tables, or a
// removed namespace), it returns why and the host keeps serving what it
// served. It returns the paths of the namespaces it reloaded or added.
func (h *Host) Reload(ctx context.Context, cfg *config.Config) ([]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h.reloading.Lock()
	defer h.reloading.Unlock()
	if h.closed {
		return nil, errors.New("host: reload after shutdown")
	}
	if err := restartNeeded(h.Config(), cfg); err != nil {
		return nil, err
	}
	var fresh []*namespace
	discard := func() {
		for _, n := range fresh {
			n.close()
		}
	}
	for i := range cfg.Namespaces {
		nc := &cfg.Namespaces[i]
		wasm, err := readModules(cfg, nc)
		if err != nil {
			discard()
			return nil, err
		}
		if p := h.nsps[nc.Path]; p != nil && p.Load().same(nc, wasm) {
			continue
		}
		n, err := h.compile(ctx, cfg, nc, wasm)
		if err != nil {
			discard()
			return nil, err
		}
		fresh = append(fresh, n)
	}

	h.mu.Lock()
	var old []*namespace
	paths := make([]string, len(fresh))
	for i, n := range fresh {
		paths[i] = n.path
		if p := h.nsps[n.path]; p != nil {
			o := p.Swap(n)
			h.retired[o] = true
			old = append(old, o)
		} else if err := h.serve(n); err != nil {
			// Unreachable after Validate; the namespaces swapped so far
			// stay, which is still a consistent state.
			h.log.Error("serving a new namespace failed", "namespace", n.path, "reason", err)
		}
	}
	h.cfg = cfg
	h.mu.Unlock()
	for _, o := range old {
		h.release(o)
	}
	return paths, nil
}

// same reports whether n was compiled from nc and the module files wasm.
func (n *namespace) same(nc *config.Namespace, wasm map[string][]byte) bool {
	return reflect.DeepEqual(n.conf, *nc) && maps.Equal(n.sums, sums(wasm))
}

// sums returns the checksums of module files' contents.
func sums(wasm map[string][]byte) map[string][sha256.Size]byte {
	out := make(map[string][sha256.Size]byte, len(wasm))
	for path, b := range wasm {
		out[path] = sha256.Sum256(b)
	}
	return out
}

// restartNeeded tells why going from old to cfg needs a restart, if it does.
func restartNeeded(old, cfg *config.Config) error {
	var changed, why []string
	a, b := reflect.ValueOf(old).Elem(), reflect.ValueOf(cfg).Elem()
	for i := 0; i < a.NumField(); i++ {
		f := a.Type().Field(i)
		if f.IsExported() && f.Name != "Namespaces" && !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			changed = append(changed, f.Tag.Get("toml"))
		}
	}
	if len(changed) > 0 {
		why = append(why, strings.Join(changed, ", ")+" changed")
	}
	if old.Dir() != cfg.Dir() {
		why = append(why, "the config file moved")
	}
	for _, ns := range old.Namespaces {
		if !slices.ContainsFunc(cfg.Namespaces, func(n config.Namespace) bool { return n.Path == ns.Path }) {
			why = append(why, "namespace "+ns.Path+" was removed")
		}
	}
	if len(why) > 0 {
		return fmt.Errorf("%w: %s; the host keeps serving the previous configuration", ErrRestart, strings.Join(why, "; "))
	}
	return nil
}

// acquire returns p's current version, counting a run on it so that its
// runtime stays open until release.
func (h *Host) acquire(p *atomic.Pointer[namespace]) *namespace {
	for {
		n := p.Load()
		for r := n.refs.Load(); r > 0; r = n.refs.Load() {
			if n.refs.CompareAndSwap(r, r+1) {
				return n
			}
		}
		// n was replaced and its last run ended: p already holds the
		// next version, since Reload swaps before it releases.
	}
}

// release ends a run acquired on n, or the host's own reference when a
// reload replaced n; the last one closes n's runtime.
func (h *Host) release(n *namespace) {
	if n.refs.Add(-1) > 0 {
		return
	}
	h.mu.Lock()
	delete(h.retired, n)
	h.mu.Unlock()
	n.close()
	h.log.Debug("the previous version of a namespace is unloaded: its last run ended", "namespace", n.path)
}
