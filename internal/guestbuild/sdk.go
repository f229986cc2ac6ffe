package guestbuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
)

// The Go modules the wasmio checkout supplies to projects that require them
// as if they were published, as the projects `wasmio new` writes do.
const (
	// SDKModule is the Go guest SDK, which handlers require.
	SDKModule = "github.com/wasmio/wasmio/guest-sdk/go"
	// KitModule is wasmio itself, whose wasmiotest package handler tests
	// require.
	KitModule = "github.com/wasmio/wasmio"
)

// checkoutFolder is where each supplied Go module lives in the checkout.
var checkoutFolder = map[string]string{SDKModule: "guest-sdk/go", KitModule: "."}

// rustSDK is where the Rust guest SDK, the crate "wasmio", lives in the
// checkout.
const rustSDK = "guest-sdk/rust"

// ErrNoCheckout means no wasmio checkout was found to supply the SDKs.
var ErrNoCheckout = errors.New("no wasmio checkout")

// Checkout returns the wasmio checkout, absolute, that supplies the SDKs
// and the test kit, which are not published: dir when it is not empty (the
// folder `wasmio new --sdk` names), else $WASMIO_SRC, else the source this
// program was built from (absent when it was built with -trimpath). A test
// built from a checkout therefore finds that checkout.
func Checkout(dir string) (string, error) {
	from := "--sdk"
	if dir == "" {
		dir, from = os.Getenv("WASMIO_SRC"), "WASMIO_SRC"
	}
	const hint = "set WASMIO_SRC to a checkout of github.com/wasmio/wasmio"
	if dir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok || !filepath.IsAbs(file) {
			return "", fmt.Errorf("%w: cannot find the wasmio source checkout that supplies the SDKs and the test kit (this program was built with -trimpath): %s", ErrNoCheckout, hint)
		}
		dir, from = filepath.Join(filepath.Dir(file), "..", ".."), "the source this program was built from"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for _, f := range []string{"go.mod", "guest-sdk/go/go.mod", rustSDK + "/Cargo.toml", "wasmiotest"} {
		if _, err := os.Stat(filepath.Join(abs, f)); err != nil {
			return "", fmt.Errorf("%w: %s (from %s) is not a wasmio checkout: it has no %s; %s", ErrNoCheckout, abs, from, f, hint)
		}
	}
	return abs, nil
}

// goMod is the part of a go.mod that guestbuild reads.
type goMod struct {
	Module  struct{ Path string }
	Go      string
	Require []struct{ Path string }
	Replace []struct{ Old struct{ Path string } }
}

// readGoMod reads a go.mod the way the go command does (`go mod edit
// -json`), so that every syntax it accepts is read right.
func readGoMod(file string) (*goMod, error) {
	cmd := exec.Command("go", "mod", "edit", "-json", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return nil, fmt.Errorf("go is not installed (not on PATH), and reading %s needs it: %w", file, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s (%w)", file, bytes.TrimSpace(stderr.Bytes()), err)
	}
	var m goMod
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("%s: go mod edit -json: %w", file, err)
	}
	if m.Module.Path == "" {
		return nil, fmt.Errorf("%s: no module line", file)
	}
	return &m, nil
}

// unpublished reports whether m requires mod without a replace saying where
// it is.
func (m *goMod) unpublished(mod string) bool {
	requires := slices.ContainsFunc(m.Require, func(r struct{ Path string }) bool { return r.Path == mod })
	replaced := slices.ContainsFunc(m.Replace, func(r struct{ Old struct{ Path string } }) bool { return r.Old.Path == mod })
	return requires && !replaced
}

// Workspace returns the go.work file that supplies mod (SDKModule or
// KitModule) from the wasmio checkout (Checkout("")) to the Go module in
// dir, when its go.mod requires mod without saying where it is; "" when it
// needs nothing (it has a replace, as the repository's examples do, or does
// not require mod). Run the go command with GOWORK set to the file.
//
// The file lives in the user cache folder, one per module folder, so that
// the project names no folder of this machine; the go command keeps the
// checksums of mod's requirements beside it, in go.work.sum.
func Workspace(dir, mod string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	m, err := readGoMod(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	return workspace(dir, m, mod)
}

func workspace(dir string, m *goMod, mod string) (string, error) {
	folder, ok := checkoutFolder[mod]
	if !ok {
		return "", fmt.Errorf("the wasmio checkout does not supply module %s", mod)
	}
	if !m.unpublished(mod) {
		return "", nil
	}
	src, err := Checkout("")
	if err != nil {
		return "", fmt.Errorf("%s requires %s, which is not published: %w", filepath.Join(dir, "go.mod"), mod, err)
	}
	from := filepath.Join(src, filepath.FromSlash(folder))
	supplied, err := readGoMod(filepath.Join(from, "go.mod"))
	if err != nil {
		return "", err
	}
	// A workspace's go line must be at least that of every module in it,
	// the replacement included.
	goLine := m.Go
	if version.Compare("go"+supplied.Go, "go"+goLine) > 0 {
		goLine = supplied.Go
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Written by wasmio: it supplies %s, which is not published, from a wasmio checkout.\n", mod)
	if goLine != "" {
		fmt.Fprintf(&b, "go %s\n", goLine)
	}
	fmt.Fprintf(&b, "\nuse %s\n\nreplace %s => %s\n", strconv.Quote(dir), mod, strconv.Quote(from))

	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no folder to write the go.work that supplies %s in: %w", mod, err)
	}
	sum := sha256.Sum256([]byte(dir))
	file := filepath.Join(cache, "wasmio", "work", hex.EncodeToString(sum[:8]), "go.work")
	if old, err := os.ReadFile(file); err == nil && bytes.Equal(old, b.Bytes()) {
		return file, nil
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return "", err
	}
	return file, writeAtomic(file, b.Bytes())
}

// rustUnpublished reports whether a Cargo.toml dependency on the SDK (the
// value of dependencies.wasmio) takes it from crates.io, where it is not
// published, rather than from a path, git or another registry.
func rustUnpublished(dep any) bool {
	switch d := dep.(type) {
	case string:
		return true
	case map[string]any:
		for _, k := range []string{"path", "git", "registry"} {
			if _, ok := d[k]; ok {
				return false
			}
		}
		return true
	}
	return false
}

// rustPatch returns the cargo argument that takes the crates.io crate
// wasmio from the checkout.
func rustPatch() (string, error) {
	src, err := Checkout("")
	if err != nil {
		return "", fmt.Errorf("Cargo.toml requires the crate wasmio from crates.io, where it is not published: %w", err)
	}
	// TOML basic strings escape like Go's.
	return "patch.crates-io.wasmio.path=" + strconv.Quote(filepath.Join(src, filepath.FromSlash(rustSDK))), nil
}
