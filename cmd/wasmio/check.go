package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/host/sandbox"
)

// check validates a config and compiles every module it uses, printing each
// problem with the file, the field and the fix.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "wasmio.toml", "the configuration file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	ctx := context.Background()
	rt, err := sandbox.NewRuntime(ctx, nil)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	defer rt.Close(ctx)
	failed := false
	for _, path := range cfg.Modules() {
		var advice []string
		wasm, err := os.ReadFile(path)
		if err == nil {
			var m *sandbox.Module
			if m, err = rt.Compile(ctx, path, wasm); err == nil {
				advice = m.Advice()
				_ = m.Close(ctx)
			}
		}
		if err != nil {
			failed = true
			fmt.Fprintf(stderr, "wasmio: %s: %v\n", path, err)
			continue
		}
		fmt.Fprintf(stdout, "ok  %s\n", path)
		for _, a := range advice {
			fmt.Fprintf(stdout, "    slow: %s\n", a)
		}
	}
	if failed {
		return 1
	}
	fmt.Fprintf(stdout, "%s is valid: %d namespaces, %d modules\n", *configPath, len(cfg.Namespaces), len(cfg.Modules()))
	return 0
}
