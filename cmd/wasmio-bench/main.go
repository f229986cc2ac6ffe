//go:build linux

// Command wasmio-bench runs wasmio's fanout benchmark and writes
// bench/RESULTS.md (see bench/README.md).
//
//	wasmio-bench [run] [-quick] [-systems a,b] [-scenarios a,b]   run everything (the default)
//	wasmio-bench load -spec JSON                                   the load generator (one scenario)
//	wasmio-bench serve-native|serve-gws|serve-blast -listen ADDR   the comparison servers
//
// Its packages, under internal/, do one job each: driver runs the
// benchmark, loadgen is the load generator, servers the Go comparison
// servers, report writes RESULTS.md; results holds what they hand each
// other, proto the wire protocol and procstat what is read from /proc.
// bench/ holds the benchmark's documents and data: the handler modules,
// the Node reference server, ANALYSIS.md and RESULTS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/driver"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/loadgen"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/report"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/servers"
	"github.com/wasmio/wasmio/socketio"
)

const usage = `wasmio-bench runs wasmio's fanout benchmark and writes bench/RESULTS.md.

Usage:
  wasmio-bench [run] [flags]        run every scenario (see -h of run)
  wasmio-bench load -spec JSON      run one load generator scenario, print JSON
  wasmio-bench serve-native -listen ADDR [-jwt-secret S]
  wasmio-bench serve-gws    -listen ADDR [-jwt-secret S]
  wasmio-bench serve-blast  -listen ADDR
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runAll(args, stderr)
	case "load":
		fs := flag.NewFlagSet("load", flag.ContinueOnError)
		spec := fs.String("spec", "", "the scenario, as JSON (see results.LoadSpec)")
		if fs.Parse(args) != nil || *spec == "" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return loadgen.Main(*spec, stdout, stderr)
	case "serve-native", "serve-gws", "serve-blast":
		return serve(cmd, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "wasmio-bench: unknown command %q\n\n%s", cmd, usage)
	return 2
}

func runAll(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "", "the repository root (default: found from the working directory)")
	out := fs.String("out", "", "the report (default ROOT/bench/RESULTS.md)")
	quick := fs.Bool("quick", false, "a short run for development: N = 1,000 only, fewer and shorter steps")
	systems := fs.String("systems", "", "comma-separated systems to run (node,gws,native,wasm-rust,wasm-rust-min,wasm-tinygo,wasm-go); default all")
	scenarios := fs.String("scenarios", "", "comma-separated scenarios (calibrate,fanout,fanout-goroutines,echo,storm,ceiling,polling,sandbox); default all")
	rewrite := fs.String("rewrite", "", "write the report again from a run's raw results (bench/out/results.json) and the current bench/ANALYSIS.md, without measuring")
	port := fs.Int("port", 29400, "the first port servers listen on, best below the ephemeral range (each start takes the next free one)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *root == "" {
		r, err := findRoot()
		if err != nil {
			fmt.Fprintln(stderr, "wasmio-bench:", err)
			return 2
		}
		*root = r
	}
	if *out == "" {
		*out = filepath.Join(*root, "bench", "RESULTS.md")
	}
	opt := driver.Options{Root: *root, Out: filepath.Join(*root, "bench", "out"), Results: *out, Quick: *quick,
		Systems: split(*systems), Scenarios: split(*scenarios), Port: *port, Log: stderr,
		Command: "go run ./cmd/wasmio-bench " + strings.Join(args, " ")}
	opt.Command = strings.TrimSpace(opt.Command)
	if *rewrite != "" {
		if err := report.Rewrite(*rewrite, opt.AnalysisPath(), opt.Results); err != nil {
			fmt.Fprintln(stderr, "wasmio-bench:", err)
			return 1
		}
		fmt.Fprintln(stderr, "wrote", opt.Results)
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := driver.Run(ctx, opt); err != nil {
		fmt.Fprintln(stderr, "wasmio-bench:", err)
		return 1
	}
	return 0
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// findRoot walks up from the working directory to the folder holding
// go.mod and bench/.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "bench", "node", "server.js")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run it from the wasmio repository (no go.mod with bench/ above %s), or pass -root", dir)
		}
		dir = parent
	}
}

func serve(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:3000", "the address to serve on")
	secret := fs.String("jwt-secret", "", "require an HS256 JWT with this secret in CONNECT auth {token}")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this address (for profiling the server)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pprofAddr != "" {
		go func() { fmt.Fprintln(stderr, "wasmio-bench: pprof:", http.ListenAndServe(*pprofAddr, nil)) }()
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio-bench:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s listening on %s (GOMAXPROCS=%d)\n", cmd, ln.Addr(), runtime.GOMAXPROCS(0))
	switch cmd {
	case "serve-native":
		var srv *socketio.Server
		srv, err = servers.NewNative(*secret, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err == nil {
			err = srv.Serve(ln, nil)
		}
	case "serve-gws":
		err = servers.ServeGWS(ln, *secret)
	case "serve-blast":
		err = servers.ServeBlast(ln)
	}
	if err != nil {
		fmt.Fprintln(stderr, "wasmio-bench:", err)
		return 1
	}
	return 0
}
