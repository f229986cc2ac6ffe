// Package guestbuild is the one definition of how wasmio builds handler
// modules from source, with standard Go, TinyGo or Rust: `wasmio build`
// runs its commands, and tests build their modules with
// internal/testing/buildtest. A project
// that requires an SDK as if it were published, as the projects `wasmio
// new` writes do, gets it from the wasmio checkout (Checkout) through its
// build command, since the SDKs are not published.
package guestbuild

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Toolchain names a way to build a module.
type Toolchain string

// The toolchains.
const (
	Go     Toolchain = "go"
	TinyGo Toolchain = "tinygo"
	Rust   Toolchain = "rust"
)

// Languages of handler projects.
const (
	LangGo   = "go"
	LangRust = "rust"
)

// Project is a handler's source folder.
type Project struct {
	// Dir is the folder, absolute.
	Dir string
	// Lang is LangGo (a main package with a go.mod) or LangRust (a cdylib
	// crate).
	Lang string
	// Name is the last element of the Go module path, or the Rust package
	// name: `wasmio build` writes build/<Name>.wasm.
	Name string
	// crate is the Rust library's name, which names cargo's artifact.
	crate string
	// goMod is the Go module's go.mod, and goModDir its folder (p.Dir or
	// one above it).
	goMod    *goMod
	goModDir string
	// rustSDK is set when Cargo.toml takes the SDK from crates.io, where it
	// is not published, so the build supplies it from the checkout.
	rustSDK bool
}

// Detect reads the handler project in dir: a Go main package (in a module
// of its own or inside a larger one) or a Rust crate. Its errors say what is
// missing and how to fix it.
func Detect(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	p := &Project{Dir: abs}
	_, rustErr := os.Stat(filepath.Join(abs, "Cargo.toml"))
	isRust := rustErr == nil
	isGo, err := p.hasMain()
	if err != nil {
		return nil, err
	}
	switch {
	case isGo && isRust:
		return nil, fmt.Errorf("%s has both Go files and a Cargo.toml: keep a Go handler and a Rust handler in separate folders", dir)
	case isGo:
		p.Lang = LangGo
		err = p.readGo()
	case isRust:
		p.Lang = LangRust
		err = p.readRust()
	default:
		return nil, fmt.Errorf("%s is not a handler project: it has no Go main package and no Cargo.toml; create one with `wasmio new go NAME` or `wasmio new rust NAME`", dir)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// hasMain reports whether the folder holds a Go main package; Go files of
// another package are an error, since a handler must be a main package.
func (p *Project) hasMain() (bool, error) {
	files, _ := filepath.Glob(filepath.Join(p.Dir, "*.go"))
	other := ""
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err != nil {
			return false, err
		}
		if ast.Name.Name == "main" {
			return true, nil
		}
		other = ast.Name.Name
	}
	if other != "" {
		return false, fmt.Errorf("%s holds package %s: a handler is a `package main` with `func main() {}` whose init registers its handlers (see `wasmio new go NAME`)", p.Dir, other)
	}
	return false, nil
}

// readGo names the project after its import path, as the go tool names
// binaries, and reads its go.mod.
func (p *Project) readGo() error {
	for dir := p.Dir; ; dir = filepath.Dir(dir) {
		file := filepath.Join(dir, "go.mod")
		if _, err := os.Stat(file); err == nil {
			m, err := readGoMod(file)
			if err != nil {
				return err
			}
			p.goMod, p.goModDir = m, dir
			p.Name = filepath.Base(p.Dir)
			if dir == p.Dir {
				p.Name = path.Base(m.Module.Path)
			}
			return nil
		}
		if filepath.Dir(dir) == dir {
			return fmt.Errorf("%s has no go.mod (nor any folder above it): run `go mod init NAME` there, or create a project with `wasmio new go NAME`", p.Dir)
		}
	}
}

// cargoManifest is the part of Cargo.toml that Detect reads.
type cargoManifest struct {
	Package struct {
		Name string `toml:"name"`
	} `toml:"package"`
	Lib struct {
		Name      string   `toml:"name"`
		CrateType []string `toml:"crate-type"`
	} `toml:"lib"`
	Dependencies map[string]any `toml:"dependencies"`
}

func (p *Project) readRust() error {
	file := filepath.Join(p.Dir, "Cargo.toml")
	var m cargoManifest
	if _, err := toml.DecodeFile(file, &m); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	if m.Package.Name == "" {
		return fmt.Errorf("%s has no [package] name", file)
	}
	if !slices.Contains(m.Lib.CrateType, "cdylib") {
		return fmt.Errorf("%s: a handler crate needs crate-type = [\"cdylib\"] in its [lib] section, or cargo builds no .wasm", file)
	}
	p.Name = m.Package.Name
	p.rustSDK = rustUnpublished(m.Dependencies["wasmio"])
	p.crate = m.Lib.Name
	if p.crate == "" {
		p.crate = strings.ReplaceAll(p.Name, "-", "_")
	}
	return nil
}

// Default returns the toolchain `wasmio build` uses for p: Rust for a Rust
// crate; for Go, TinyGo when it is installed, else standard Go, with a note
// saying why that is worse.
func (p *Project) Default() (tc Toolchain, note string) {
	if p.Lang == LangRust {
		return Rust, ""
	}
	if _, err := exec.LookPath("tinygo"); err == nil {
		return TinyGo, ""
	}
	return Go, "TinyGo is not installed (no tinygo on PATH): building with standard Go instead. " +
		"Its modules are about 3 MB instead of about 250 KB, and an event costs about ten times the CPU (0.35 ms against 35 µs for an echo handler); " +
		"install TinyGo 0.39 or later (https://tinygo.org/getting-started/install/) to build what you should ship"
}

// Accepts reports whether tc builds p's language.
func (p *Project) Accepts(tc Toolchain) bool {
	if p.Lang == LangRust {
		return tc == Rust
	}
	return tc == Go || tc == TinyGo
}

// Cmd is the command that builds one module.
type Cmd struct {
	// Dir is the folder it runs in: the project.
	Dir string
	// Env lists the variables it adds to the environment.
	Env []string
	// Args are the program and its arguments.
	Args []string
	// Out is where Run leaves the module.
	Out string
	// artifact is where cargo writes the module, which Run copies to Out;
	// empty when the toolchain writes Out itself.
	artifact string
}

// Command returns the command that builds p with tc into out. When p
// requires an SDK as if it were published, as the projects `wasmio new`
// writes do, the command supplies it from the wasmio checkout (Checkout):
// Go builds get a GOWORK (see Workspace), cargo a --config patch. The
// setting is part of the command, so that its printed form can be pasted.
func (p *Project) Command(tc Toolchain, out string) (*Cmd, error) {
	if !p.Accepts(tc) {
		return nil, fmt.Errorf("%s is a %s project: toolchain %q cannot build it", p.Dir, p.Lang, tc)
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	c := &Cmd{Dir: p.Dir, Out: out}
	// Relative to the project when inside it, so that the printed command
	// can be pasted there.
	outArg := out
	if rel, err := filepath.Rel(p.Dir, out); err == nil && filepath.IsLocal(rel) {
		outArg = rel
	}
	if p.Lang == LangGo {
		work, err := workspace(p.goModDir, p.goMod, SDKModule)
		if err != nil {
			return nil, err
		}
		if work != "" {
			// Set even when the environment has a GOWORK: a handler's
			// test runs under the GOWORK of its test module.
			c.Env = []string{"GOWORK=" + work}
		}
	}
	switch tc {
	case Go:
		c.Env = append(c.Env, "GOOS=wasip1", "GOARCH=wasm")
		c.Args = []string{"go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", outArg, "."}
	case TinyGo:
		c.Args = []string{"tinygo", "build", "-target=wasip1", "-buildmode=c-shared", "-no-debug", "-scheduler=none", "-o", outArg, "."}
	case Rust:
		cargo := "cargo"
		// Debian's rustc has the wasm32 standard library; a rustup
		// toolchain usually lacks the target.
		if _, err := os.Stat("/usr/bin/rustc"); err == nil {
			c.Env = []string{"RUSTC=/usr/bin/rustc"}
			if _, err := os.Stat("/usr/bin/cargo"); err == nil {
				cargo = "/usr/bin/cargo"
			}
		}
		c.Args = []string{cargo, "build", "--release", "--offline", "--target", "wasm32-unknown-unknown"}
		if p.rustSDK {
			patch, err := rustPatch()
			if err != nil {
				return nil, err
			}
			c.Args = append(c.Args, "--config", patch)
		}
		target := os.Getenv("CARGO_TARGET_DIR")
		if target == "" {
			target = "target"
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(p.Dir, target)
		}
		c.artifact = filepath.Join(target, "wasm32-unknown-unknown", "release", p.crate+".wasm")
	}
	return c, nil
}

// String returns the command as a shell line, environment included.
func (c *Cmd) String() string {
	words := make([]string, 0, len(c.Env)+len(c.Args))
	for _, w := range append(slices.Clone(c.Env), c.Args...) {
		words = append(words, shellQuote(w))
	}
	return strings.Join(words, " ")
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Run runs the command, writing the toolchain's output to w, and leaves the
// module at c.Out.
func (c *Cmd) Run(w io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(c.Out), 0o755); err != nil {
		return err
	}
	cmd := exec.Command(c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("%s is not installed (not on PATH): %w", c.Args[0], err)
		}
		return fmt.Errorf("%s failed: %w", c.Args[0], err)
	}
	if c.artifact == "" {
		return nil
	}
	return copyFile(c.artifact, c.Out)
}

// copyFile copies src to dst through writeAtomic, so that a server watching
// dst never reads half a module.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("the build left no module: %w", err)
	}
	return writeAtomic(dst, b)
}

// writeAtomic writes b to dst through a temporary file renamed into place,
// so that readers see the old content or the new, never a part.
func writeAtomic(dst string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if e := tmp.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}
