package main

import (
	"bytes"
	"testing"

	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/internal/hosttest"
)

// TestBanner checks the endpoints serve lists: a URL a local client can use
// for every namespace, with the Socket.IO path when it is not the default.
func TestBanner(t *testing.T) {
	dir := writeFiles(t, map[string]string{"echo.wasm": module(t, "echo")})
	cfg := &host.Config{Path: "/rt/", Namespaces: []host.Namespace{{Path: "/", Module: "echo.wasm"}, {Path: "/chat", Module: "echo.wasm"}}}
	r := hosttest.Start(t, cfg, dir, nil)
	var out bytes.Buffer
	banner(&out, r.Host, "[::]:3000")
	mustContain(t, out.String(), "serving on http://127.0.0.1:3000 (Socket.IO path /rt/",
		`namespace /            io("http://127.0.0.1:3000", { path: "/rt/" })`,
		`namespace /chat        io("http://127.0.0.1:3000/chat", { path: "/rt/" })`,
		"/chat  $default -> echo.wasm")
}
