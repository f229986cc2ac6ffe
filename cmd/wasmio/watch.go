package main

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/config"
)

// watchInterval is how often `serve --watch` looks at its files. A change
// is applied once the files stayed the same for one more interval, so that
// a module being written is not loaded half-written.
const watchInterval = 300 * time.Millisecond

// watcher reloads a host when its config file or the module files it uses
// change. It polls sizes and modification times: no dependency, and it works
// on every file system and editor's way of saving; Host.Reload compares
// contents, so a touched but unchanged file reloads nothing.
type watcher struct {
	h    *host.Host
	path string
	load func() (*config.Config, error) // reads the config file as serve does
	log  *slog.Logger

	seen    map[string]stamp
	cfg     *config.Config // the config file's last readable version
	pending []string       // files changed since the last reload
	lastErr string         // the config file's last error, logged once
}

// stamp is what the watcher compares of a file; the zero value means absent.
type stamp struct {
	size, mod int64
}

func newWatcher(h *host.Host, path string, load func() (*config.Config, error), log *slog.Logger) *watcher {
	return &watcher{h: h, path: path, load: load, log: log, seen: map[string]stamp{}, cfg: h.Config()}
}

// files returns the watched files: the config file and the modules of both
// the served config and the file's last version, whose new modules may not
// be built yet.
func (w *watcher) files() []string {
	files := append([]string{w.path}, w.h.Config().Modules()...)
	files = append(files, w.cfg.Modules()...)
	slices.Sort(files)
	return slices.Compact(files)
}

// run polls until ctx is done.
func (w *watcher) run(ctx context.Context) {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.poll(ctx)
		}
	}
}

// poll looks at the files once, and reloads when they changed before the
// previous poll and not since.
func (w *watcher) poll(ctx context.Context) {
	quiet := true
	seen := map[string]stamp{}
	for _, f := range w.files() {
		var st stamp
		if fi, err := os.Stat(f); err == nil {
			st = stamp{fi.Size(), fi.ModTime().UnixNano()}
		}
		seen[f] = st
		if prev, ok := w.seen[f]; !ok || prev != st {
			quiet = false
			if !slices.Contains(w.pending, f) {
				w.pending = append(w.pending, f)
			}
		}
	}
	w.seen = seen
	if !quiet || len(w.pending) == 0 {
		return
	}
	cfg, err := w.load()
	if err != nil {
		// Retried at every poll, since a module it names may just not be
		// built yet; said once.
		if err.Error() != w.lastErr {
			w.lastErr = err.Error()
			w.log.Error("the config file has a problem: still serving the previous configuration", "reason", err)
		}
		return
	}
	w.cfg, w.lastErr = cfg, ""
	changed := w.pending
	w.pending = nil
	paths, err := w.h.Reload(ctx, cfg)
	switch {
	case err != nil:
		w.log.Error("reload failed: still serving the previous version", "changed", changed, "reason", err)
	case len(paths) > 0:
		w.log.Info("reloaded", "namespaces", paths, "changed", changed)
	}
}
