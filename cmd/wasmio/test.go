package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wasmio/wasmio/internal/guestbuild"
)

// testProject runs the Go tests in DIR/test, the test module `wasmio new`
// scaffolds: `wasmio test [DIR] [go test flags]` is `cd DIR/test && go test
// [flags] ./...`, with the GOWORK that supplies the test kit from the wasmio
// checkout when test/go.mod requires it as if it were published.
func testProject(args []string, stdout, stderr io.Writer) int {
	dir := "."
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dir, args = args[0], args[1:]
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, "Usage: wasmio test [DIR] [go test flags]\n\n"+
				"Runs the handler's tests in DIR/test (default ./test): `cd DIR/test && go test [flags] ./...`,\n"+
				"with a GOWORK that supplies the test kit, which is not published, from the wasmio checkout\n"+
				"($WASMIO_SRC, else the source this wasmio was built from). It prints the command it runs.\n")
			return 0
		}
	}
	testDir := filepath.Join(dir, "test")
	if _, err := os.Stat(filepath.Join(testDir, "go.mod")); err != nil {
		fmt.Fprintf(stderr, "wasmio: %s has no test module (test/go.mod): `wasmio test` runs the tests `wasmio new` creates there\n", dir)
		return 1
	}
	work, err := guestbuild.Workspace(testDir, guestbuild.KitModule)
	if err != nil {
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	cmd := exec.Command("go", append(append([]string{"test"}, args...), "./...")...)
	cmd.Dir = testDir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	line := strings.Join(cmd.Args, " ")
	if work != "" {
		cmd.Env = append(os.Environ(), "GOWORK="+work)
		line = "GOWORK=" + work + " " + line
	}
	fmt.Fprintf(stdout, "cd %s && %s\n", testDir, line)
	if err := cmd.Run(); err != nil {
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		fmt.Fprintln(stderr, "wasmio:", err)
		return 1
	}
	return 0
}
