package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wasmio/wasmio/internal/guestbuild"
)

// build compiles the handler project in DIR (default ".") to a module.
func build(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: wasmio build [-o FILE] [--toolchain go|tinygo|rust] [DIR]\n\n"+
			"Builds the Go or Rust handler in DIR (default \".\") into DIR/build/NAME.wasm.\n"+
			"Go handlers build with TinyGo when it is installed, else with standard Go.\n\n")
		fs.PrintDefaults()
	}
	out := fs.String("o", "", "the module file to write (default DIR/build/NAME.wasm)")
	toolchain := fs.String("toolchain", "", "go, tinygo or rust (default: tinygo for Go when installed, else go; rust for Rust)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 1 {
		fs.Usage()
		return 2
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	p, err := guestbuild.Detect(dir)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	tc, note := p.Default()
	switch guestbuild.Toolchain(*toolchain) {
	case "":
	case guestbuild.Go, guestbuild.TinyGo, guestbuild.Rust:
		tc, note = guestbuild.Toolchain(*toolchain), ""
	default:
		fmt.Fprintf(stderr, "wasmio: unknown toolchain %q: use go, tinygo or rust\n", *toolchain)
		return 2
	}
	if note != "" {
		fmt.Fprintln(stderr, "wasmio:", note)
	}
	if *out == "" {
		*out = filepath.Join(p.Dir, "build", p.Name+".wasm")
	}
	cmd, err := p.Command(tc, *out)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 2
	}
	fmt.Fprintf(stdout, "building %s (%s) with %s in %s\n  %s\n", p.Name, p.Lang, tc, p.Dir, cmd)
	if err := cmd.Run(stderr); err != nil {
		fmt.Fprintf(stderr, "wasmio: build failed: %v\n", err)
		return 1
	}
	st, err := os.Stat(cmd.Out)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	fmt.Fprintf(stdout, "built %s (%s)\n", relPath(cmd.Out), size(st.Size()))
	return 0
}

// parseArgs parses flags placed before, between or after positional
// arguments (`wasmio build . -o x.wasm`), which package flag alone does not.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// relPath returns p relative to the current folder when it is inside it.
func relPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return p
}

func size(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d bytes, %.1f MiB", n, float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes, %.1f KiB", n, float64(n)/(1<<10))
}
