// Command gen writes the guest SDKs' ABI files from package abi:
// guest-sdk/go/wasmio/abi_gen.go, guest-sdk/go/wasmio/imports_gen.go and
// guest-sdk/rust/src/abi.rs. Run it with `go generate ./abi` from the
// repository root; abi's tests fail when the files are stale.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/wasmio/wasmio/abi"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	// go generate runs in the package directory.
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		root = filepath.Join(root, "..")
	}
	for path, content := range abi.Generated() {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
