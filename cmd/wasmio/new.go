package main

import (
	"bytes"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
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

// scaffold is what the templates see.
type scaffold struct {
	Name string // the folder, Go module and Rust package name
	Lang string // guestbuild.LangGo or guestbuild.LangRust
	Src  string // the wasmio checkout the SDKs and the test kit come from
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// newProject creates a handler project that builds and passes its test as is.
func newProject(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: wasmio new go|rust [--sdk DIR] NAME\n\n"+
			"Creates the folder NAME with a handler, its test, a wasmio.toml and a README.\n\n")
		fs.PrintDefaults()
	}
	sdk := fs.String("sdk", "", "the wasmio checkout whose SDKs and test kit the project uses (default $WASMIO_SRC, else the source this wasmio was built from)")
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
	if sc.Src, err = checkout(*sdk); err != nil {
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
	// The test module's requirements and go.sum follow the checkout's, so
	// go computes them rather than the templates.
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = filepath.Join(dir, "test")
	fmt.Fprintf(stdout, "  go mod tidy (in %s)\n", tidy.Dir)
	if out, err := tidy.CombinedOutput(); err != nil {
		fmt.Fprintf(stderr, "%s\nwasmio: go mod tidy in %s failed: %v\n", out, tidy.Dir, err)
		return 1
	}
	kind := "a Go handler (built with TinyGo, or standard Go where TinyGo is not installed)"
	if sc.Lang == guestbuild.LangRust {
		kind = "a Rust handler"
	}
	fmt.Fprintf(stdout, "\nCreated %s, %s. Next:\n\n  cd %s\n  wasmio build          # writes build/%s.wasm\n"+
		"  wasmio test           # runs test/ on the real runtime\n  wasmio serve --watch  # serves wasmio.toml, reloading rebuilt modules\n",
		dir, kind, dir, sc.Name)
	return 0
}

// write renders the templates of sc's language into dir and returns the
// files it wrote, relative to dir.
func (sc scaffold) write(dir string) ([]string, error) {
	funcs := template.FuncMap{
		// go.mod paths need quotes when they hold spaces.
		"gomod": func(s string) string {
			if strings.ContainsAny(s, " \t\"'`") {
				return strconv.Quote(s)
			}
			return s
		},
		"toml": strconv.Quote, // TOML basic strings escape like Go's
	}
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
			t, err := template.New(name).Funcs(funcs).Parse(string(src))
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

// checkout finds the wasmio checkout new projects take their SDK and test
// kit from: the --sdk flag, else $WASMIO_SRC, else the source this binary
// was built from (absent when it was built with -trimpath).
func checkout(flagDir string) (string, error) {
	dir, from := flagDir, "--sdk"
	if dir == "" {
		dir, from = os.Getenv("WASMIO_SRC"), "WASMIO_SRC"
	}
	if dir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok || !filepath.IsAbs(file) {
			return "", errors.New("cannot find the wasmio source checkout, whose SDKs and test kit projects use (this wasmio was built with -trimpath): " +
				"pass --sdk DIR or set WASMIO_SRC to a checkout of github.com/wasmio/wasmio")
		}
		dir, from = filepath.Join(filepath.Dir(file), "..", ".."), "the source this wasmio was built from"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for _, f := range []string{"go.mod", "guest-sdk/go/go.mod", "guest-sdk/rust/Cargo.toml", "wasmiotest"} {
		if _, err := os.Stat(filepath.Join(abs, f)); err != nil {
			return "", fmt.Errorf("%s (from %s) is not a wasmio checkout: it has no %s; pass --sdk DIR or set WASMIO_SRC to a checkout of github.com/wasmio/wasmio", abs, from, f)
		}
	}
	return abs, nil
}
