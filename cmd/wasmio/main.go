// Command wasmio runs WebAssembly handlers behind a Socket.IO server.
//
//	wasmio                              serve the built-in chat demo
//	wasmio serve --config wasmio.toml   serve a configuration
//	wasmio check --config wasmio.toml   validate a configuration and its modules
//	wasmio new go|rust NAME             create a handler project
//	wasmio build [DIR]                  build a handler project's module
//	wasmio test [DIR]                   run a handler project's tests
//	wasmio publish --channel NAME ...   emit an event to a channel over the REST API
//	wasmio version                      print the version
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
)

const version = "0.1.0"

const usage = `wasmio runs WebAssembly handlers behind a Socket.IO server.

Usage:
  wasmio [--listen ADDR]        serve the built-in chat demo (http://127.0.0.1:3000)
  wasmio serve --config FILE    serve the namespaces of a wasmio.toml
                                (--watch: reload modules and config on change)
  wasmio check --config FILE    validate a config and every module it uses
  wasmio new go|rust NAME       create a handler project: handler, test, config
  wasmio build [DIR]            build the Go or Rust handler in DIR
  wasmio test [DIR]             run the handler's tests (DIR/test)
  wasmio publish --channel NAME [--event NAME] [--data JSON]
                                emit an event to a channel's members over a
                                server's REST API (--url, --token)
  wasmio version                print the version

Run "wasmio COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || len(args[0]) > 1 && args[0][0] == '-' && args[0] != "-h" && args[0] != "--help" && args[0] != "-v" && args[0] != "--version" {
		return demo(args, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "new":
		return newProject(args[1:], stdout, stderr)
	case "build":
		return build(args[1:], stdout, stderr)
	case "test":
		return testProject(args[1:], stdout, stderr)
	case "publish":
		return publish(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "wasmio", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "wasmio: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func newLogger(w io.Writer, debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
