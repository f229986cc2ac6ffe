package main

import (
	"bytes"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/wasmio/wasmio/internal/guestbuild"
)

// templates holds the project files: common/ for every language, then one
// folder per language. A path element "dot-x" becomes ".x" (embed skips
// dot files) and ".tmpl" is dropped (the files are not Go or Cargo files of
// this repository).
//
//go:embed templates
var templates embed.FS

// scaffold is what the templates see. It holds no path: a project names no
// folder of the machine that created it.
type scaffold struct {
	Name string // the folder, Go module and Rust package name
	Lang string // guestbuild.LangGo or guestbuild.LangRust
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// newProject creates a handler project that builds and passes its test as
// is. Its go.mod files and Cargo.toml require the SDKs as if they were
// published; `wasmio build` and `wasmio test` supply them from the wasmio
// checkout (guestbuild.Checkout), which newProject checks is there.
func newProject(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: wasmio new go|rust [--sdk DIR] NAME\n\n"+
			"Creates the folder NAME with a handler, its test, a wasmio.toml and a README.\n\n")
		fs.PrintDefaults()
	}
	sdk := fs.String("sdk", "", "the wasmio checkout whose SDKs and test kit `wasmio build` and `wasmio test` supply, through $WASMIO_SRC (default $WASMIO_SRC, else the source this wasmio was built from)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 || pos[0] != guestbuild.LangGo && pos[0] != guestbuild.LangRust {
		fs.Usage()
		return 2
	}
	dir := pos[1]
	sc := scaffold{Lang: pos[0], Name: filepath.Base(dir)}
	if !validName.MatchString(sc.Name) {
		fmt.Fprintf(stderr, "wasmio: %q is not a project name: use lower-case letters, digits, - and _, starting with a letter (it names the Go module or Rust crate)\n", sc.Name)
		return 2
	}
	src, err := guestbuild.Checkout(*sdk)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		fmt.Fprintf(stderr, "wasmio: %s already exists and is not empty: pick another name\n", dir)
		return 1
	}
	files, err := sc.write(dir)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	for _, f := range files {
		fmt.Fprintln(stdout, "  created", filepath.Join(dir, f))
	}
	kind := "a Go handler (built with TinyGo, or standard Go where TinyGo is not installed)"
	if sc.Lang == guestbuild.LangRust {
		kind = "a Rust handler"
	}
	fmt.Fprintf(stdout, "\nCreated %s, %s. Next:\n\n", dir, kind)
	if *sdk != "" {
		fmt.Fprintf(stdout, "  export WASMIO_SRC=%s  # build and test take the SDKs from it\n", src)
	}
	fmt.Fprintf(stdout, "  cd %s\n  wasmio build          # writes build/%s.wasm\n"+
		"  wasmio test           # runs test/ on the real runtime\n  wasmio serve --watch  # serves wasmio.toml, reloading rebuilt modules\n",
		dir, sc.Name)
	return 0
}

// write renders the templates of sc's language into dir and returns the
// files it wrote, relative to dir.
func (sc scaffold) write(dir string) ([]string, error) {
	var written []string
	for _, root := range []string{"templates/common", "templates/" + sc.Lang} {
		err := fs.WalkDir(templates, root, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			src, err := templates.ReadFile(name)
			if err != nil {
				return err
			}
			t, err := template.New(name).Parse(string(src))
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := t.Execute(&b, sc); err != nil {
				return err
			}
			rel := outputPath(strings.TrimPrefix(name, root+"/"))
			dst := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			written = append(written, rel)
			return os.WriteFile(dst, b.Bytes(), 0o644)
		})
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// outputPath maps a template's path to the file it renders.
func outputPath(name string) string {
	parts := strings.Split(strings.TrimSuffix(name, ".tmpl"), "/")
	for i, p := range parts {
		if rest, ok := strings.CutPrefix(p, "dot-"); ok {
			parts[i] = "." + rest
		}
	}
	return path.Join(parts...)
}
