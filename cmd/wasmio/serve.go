package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/api"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/gcfloor"
)

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "wasmio.toml", "the configuration file")
	listen := fs.String("listen", "", "override the config's listen address")
	debug := fs.Bool("debug", false, "log at debug level")
	watch := fs.Bool("watch", false, "reload the config and the modules it uses when they change, keeping connections")
	pprofAddr := fs.String("pprof", "", "serve Go's profiles under /debug/pprof/ on this loopback address (e.g. 127.0.0.1:6060)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	load := func() (*config.Config, error) {
		cfg, err := config.Load(*configPath)
		if err == nil && *listen != "" {
			cfg.Listen = *listen
		}
		return cfg, err
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	log := newLogger(stderr, *debug)
	if *pprofAddr != "" {
		addr, stop, err := startPprof(*pprofAddr)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer stop()
		fmt.Fprintf(stdout, "profiles on http://%s/debug/pprof/\n", addr)
	}
	ctx := context.Background()
	h, err := host.New(ctx, cfg, &host.Options{Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	ln, err := h.Listen()
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		_ = h.Shutdown(ctx)
		return 1
	}
	sigs := catchSignals()
	banner(stdout, h, ln.Addr().String())
	// The watcher stops before the host shuts down, so that no reload
	// fails against a closing host.
	stopWatch := func() {}
	if *watch {
		wctx, cancel := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() { newWatcher(h, *configPath, load, log).run(wctx); close(watched) }()
		stopWatch = func() { cancel(); <-watched }
		fmt.Fprintf(stdout, "watching %s and its modules: changes are applied without dropping connections\n", *configPath)
	}

	return runUntilSignal(h, ln, log, stderr, sigs, stopWatch)
}

// runUntilSignal serves until SIGINT or SIGTERM, then runs beforeShutdown
// and shuts the host down gracefully (at most 10 seconds). SIGUSR1 logs the
// goroutine count, which no other counter shows leaking (the soak test
// samples it).
func runUntilSignal(h *host.Host, ln net.Listener, log *slog.Logger, stderr io.Writer, sigs signals, beforeShutdown func()) int {
	defer startHeapFloor(h.Config(), log)()
	sig, stats := sigs.stop, sigs.stats
	defer signal.Stop(sig)
	defer signal.Stop(stats)
	done := make(chan error, 1)
	go func() { done <- h.Serve(ln) }()
	code := 0
	for serving := true; serving; {
		select {
		case err := <-done:
			// The listener failed for good: the connected sockets still
			// get a graceful stop, with their $disconnect.
			if err != nil {
				fmt.Fprintln(stderr, "wasmio:", err)
				code = 1
			}
			done, serving = nil, false
		case s := <-sig:
			log.Info("shutting down", "signal", s.String())
			serving = false
		case <-stats:
			log.Info("runtime", "goroutines", runtime.NumGoroutine())
		}
	}
	beforeShutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		fmt.Fprintln(stderr, "wasmio: shutdown:", err)
		return 1
	}
	if done != nil {
		<-done
	}
	return code
}

// signals are the signals `wasmio serve` answers, caught from before its
// banner: a client that reads the banner may signal at once, and an
// uncaught SIGUSR1 would end the process.
type signals struct{ stop, stats chan os.Signal }

func catchSignals() signals {
	s := signals{make(chan os.Signal, 1), make(chan os.Signal, 1)}
	signal.Notify(s.stop, os.Interrupt, syscall.SIGTERM)
	signal.Notify(s.stats, syscall.SIGUSR1)
	return s
}

// startHeapFloor applies the config's heap floor for as long as the host
// serves, unless the operator set GOGC; it returns the function that stops it.
func startHeapFloor(cfg *config.Config, log *slog.Logger) (stop func()) {
	if v, ok := os.LookupEnv("GOGC"); ok {
		log.Info("GOGC is set: no heap floor", "GOGC", v)
		return func() {}
	}
	floor := cfg.HeapFloorBytes()
	log.Debug("heap floor", "bytes", floor)
	return gcfloor.Start(floor)
}

// banner prints what the host serves, like a local dev server does: the
// URL of each namespace as the Socket.IO client takes it, then its handlers.
func banner(w io.Writer, h *host.Host, addr string) {
	cfg := h.Config()
	path := cfg.SocketIOPath()
	base := "http://" + browsable(addr)
	fmt.Fprintf(w, "wasmio %s serving on %s (Socket.IO path %s, data in %s)\n", version, base, path, cfg.DataPath())
	opts := ""
	if path != config.DefaultPath {
		opts = fmt.Sprintf(", { path: %q }", path)
	}
	for _, ns := range cfg.Namespaces {
		url := base
		if ns.Path != "/" {
			url += ns.Path
		}
		fmt.Fprintf(w, "  namespace %-12s io(%q%s)\n", ns.Path, url, opts)
	}
	for _, line := range h.Describe() {
		fmt.Fprintln(w, "   ", strings.Replace(line, " ", "  ", 1))
	}
	access := "no API token is configured ([admin] tokens_env): it answers loopback clients only"
	if h.API().Protected() {
		access = "bearer tokens from $" + cfg.Admin.TokensEnv
	}
	fmt.Fprintf(w, "  REST API     %s%s/ (%s)\n", base, api.Prefix, access)
}

// browsable turns a listener's address into one a client on this machine
// can connect to: a wildcard address ("[::]:3000") becomes the loopback one.
func browsable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err == nil && ip != nil && ip.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}
