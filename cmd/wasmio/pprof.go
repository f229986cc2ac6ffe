package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// errPprofAddr reports a --pprof address that is not a loopback one:
// profiles show the process's memory, so they are never served to the
// network.
var errPprofAddr = errors.New("wasmio: --pprof needs a loopback address, such as 127.0.0.1:6060")

// startPprof serves Go's profiles (net/http/pprof) under /debug/pprof/ on
// addr, a loopback address, and returns the address it listens on and the
// function that stops it.
func startPprof(addr string) (string, func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", nil, fmt.Errorf("%w (got %q)", errPprofAddr, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("wasmio: --pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // and every named profile under it
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}
