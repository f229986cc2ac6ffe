package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wasmio/wasmio/host"
)

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "wasmio.toml", "the configuration file")
	listen := fs.String("listen", "", "override the config's listen address")
	debug := fs.Bool("debug", false, "log at debug level")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := host.Load(*config)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	log := newLogger(stderr, *debug)
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
	banner(stdout, h, ln.Addr().String())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- h.Serve(ln) }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintln(stderr, "wasmio:", err)
			return 1
		}
		return 0
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := h.Shutdown(sctx); err != nil {
		fmt.Fprintln(stderr, "wasmio: shutdown:", err)
		return 1
	}
	<-done
	return 0
}

// banner prints what the host serves, like a local dev server does.
func banner(w io.Writer, h *host.Host, addr string) {
	cfg := h.Config()
	path := cfg.Path
	if path == "" {
		path = "/socket.io/"
	}
	base := "http://" + addr
	fmt.Fprintf(w, "wasmio %s serving on %s (Socket.IO path %s, data in %s)\n", version, base, path, cfg.Resolve(dataDir(cfg)))
	for _, ns := range cfg.Namespaces {
		url := base
		if ns.Path != "/" {
			url += ns.Path
		}
		fmt.Fprintf(w, "  namespace %-12s io(%q)\n", ns.Path, url)
	}
	for _, line := range h.Describe() {
		fmt.Fprintln(w, "   ", strings.Replace(line, " ", "  ", 1))
	}
}

func dataDir(cfg *host.Config) string {
	if cfg.DataDir == "" {
		return "data"
	}
	return cfg.DataDir
}
