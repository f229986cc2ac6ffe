package main

import (
	"bytes"
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/valyala/fasthttp"
	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/config"
)

// The demo's assets: the documentation's Complete Example (the Rust port in
// examples/seed/complete) built for the binary, its page, and the Socket.IO
// client from the npm package. demo_test.go checks that they match their
// sources and says how to rebuild them.
//
//go:embed demo/index.html demo/socket.io.min.js demo/chat.wasm
var demoAssets embed.FS

// demo serves the Complete Example's group chat on /chat, from a module
// built into the binary, and a page speaking its protocol: what `wasmio`
// with no arguments does.
func demo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wasmio", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", config.DefaultListen, "address to serve the demo on")
	data := fs.String("data", "wasmio-demo-data", "folder for the demo's key-value store and module")
	debug := fs.Bool("debug", false, "log at debug level")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := newLogger(stderr, *debug)
	ctx := context.Background()
	h, ln, err := startDemo(ctx, *listen, *data, log)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	url := "http://" + browsable(ln.Addr().String()) + "/"
	fmt.Fprintf(stdout, "wasmio demo: a group chat (the documentation's Complete Example) whose every event runs in a WebAssembly sandbox.\n")
	sigs := catchSignals()
	banner(stdout, h, ln.Addr().String())
	fmt.Fprintf(stdout, "\n  Open %s in two browser tabs and chat between them.\n  (wasmio --help for the other commands; Ctrl-C stops the demo.)\n\n", url)
	return runUntilSignal(h, ln, log, stderr, sigs, func() {})
}

// demoNamespace is the Complete Example's: new RealtimeNamespace('/chat').
const demoNamespace = "/chat"

// startDemo builds the demo host and opens its listener.
func startDemo(ctx context.Context, listen, dataDir string, log *slog.Logger) (*host.Host, net.Listener, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	wasm, _ := demoAssets.ReadFile("demo/chat.wasm")
	module := filepath.Join(dir, "chat.wasm")
	if old, err := os.ReadFile(module); err != nil || !bytes.Equal(old, wasm) {
		if err := os.WriteFile(module, wasm, 0o644); err != nil {
			return nil, nil, err
		}
	}
	cfg := &config.Config{Listen: listen, DataDir: ".", Namespaces: []config.Namespace{{Path: demoNamespace, Module: "chat.wasm"}}}
	cfg.SetDir(dir)
	h, err := host.New(ctx, cfg, &host.Options{Logger: log, Fallback: demoPage})
	if err != nil {
		return nil, nil, err
	}
	ln, err := h.Listen()
	if err != nil {
		_ = h.Shutdown(ctx)
		return nil, nil, err
	}
	return h, ln, nil
}

// demoPage serves the chat page and the Socket.IO client.
func demoPage(ctx *fasthttp.RequestCtx) {
	var name, contentType string
	switch string(ctx.Path()) {
	case "/", "/index.html":
		name, contentType = "demo/index.html", "text/html; charset=utf-8"
	case "/static/socket.io.min.js":
		name, contentType = "demo/socket.io.min.js", "text/javascript; charset=utf-8"
	default:
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	b, _ := demoAssets.ReadFile(name)
	ctx.SetContentType(contentType)
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.SetBody(b)
}
