package main

import (
	"bufio"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadmeLoop runs the author's loop of README.md ("Writing a handler")
// as written, read from the README itself: the commands before the first
// `wasmio` one run in the repository, with GOBIN a folder put first on
// PATH; the rest run in a folder outside the repository, once with the Go
// project and once with the Rust one the README names in a comment. Then
// the project must name no absolute path of this machine.
func TestReadmeLoop(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	block := readmeBlock(t, filepath.Join(root, "README.md"), "## Writing a handler")
	if !strings.Contains(block, "wasmio new rust") {
		t.Fatalf("README.md's loop no longer names `wasmio new rust`, which this test runs too:\n%s", block)
	}
	var setup, loop [][]string
	for _, line := range strings.Split(block, "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		if f := strings.Fields(cmd); len(f) > 0 {
			if f[0] == "wasmio" || len(loop) > 0 {
				loop = append(loop, f)
			} else {
				setup = append(setup, f)
			}
		}
	}
	var subcommands []string
	for _, f := range loop {
		if f[0] == "wasmio" && len(f) > 1 {
			subcommands = append(subcommands, f[1])
		}
	}
	for _, want := range []string{"new", "build", "test", "serve"} {
		if !slices.Contains(subcommands, want) {
			t.Fatalf("README.md's loop has no `wasmio %s`:\n%s", want, block)
		}
	}

	bin := t.TempDir()
	t.Setenv("GOBIN", bin)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	// The installed wasmio must find the checkout by itself.
	t.Setenv("WASMIO_SRC", "")
	for _, f := range setup {
		if f[0] != "go" {
			t.Fatalf("README.md's loop starts with %q: this test runs only go commands in the checkout", strings.Join(f, " "))
		}
		runLine(t, root, f)
	}

	for _, lang := range []string{"go", "rust"} {
		t.Run(lang, func(t *testing.T) {
			anywhere := t.TempDir()
			if rel, err := filepath.Rel(root, anywhere); err == nil && filepath.IsLocal(rel) {
				t.Fatalf("the temporary folder %s is inside the repository", anywhere)
			}
			dir := anywhere
			for _, f := range loop {
				switch {
				case f[0] == "cd" && len(f) == 2:
					dir = filepath.Join(dir, f[1])
				case f[0] == "wasmio" && len(f) > 2 && f[1] == "new":
					if f[2] != "go" {
						t.Fatalf("README.md's loop creates a %q project, not the Go one this test turns into Rust", f[2])
					}
					runLine(t, dir, append([]string{"wasmio", "new", lang}, f[3:]...))
				case f[0] == "wasmio" && len(f) > 1 && f[1] == "serve":
					serveLine(t, dir, f)
				case f[0] == "wasmio":
					runLine(t, dir, f)
				default:
					t.Fatalf("README.md's loop runs %q, which this test cannot run", strings.Join(f, " "))
				}
			}
			noMachinePaths(t, dir, root, anywhere)
		})
	}
}

// readmeBlock returns the first ```sh block after the heading.
func readmeBlock(t *testing.T, file, heading string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", file, heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "\n```sh\n")
	if !ok {
		t.Fatalf("%s: section %q has no ```sh block", file, heading)
	}
	block, _, _ = strings.Cut(block, "\n```")
	return block
}

// runLine runs a command of the README in dir and fails the test unless it
// succeeds.
func runLine(t *testing.T, dir string, f []string) {
	t.Helper()
	cmd := exec.Command(f[0], f[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("(in %s) %s\n%s", dir, strings.Join(f, " "), out)
	if err != nil {
		t.Fatalf("(in %s) %s: %v", dir, strings.Join(f, " "), err)
	}
}

var servingOn = regexp.MustCompile(`serving on (http://\S+) `)

// serveLine starts the README's serve command in dir on a free port, checks
// that it answers an Engine.IO handshake, and stops it as Ctrl-C does.
func serveLine(t *testing.T, dir string, f []string) {
	t.Helper()
	args := append(slices.Clone(f[1:]), "--listen", "127.0.0.1:0")
	cmd := exec.Command(f[0], args...)
	cmd.Dir = dir
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // when the test fails before stopping it
	url := make(chan string, 1)
	read := make(chan struct{})
	var printed lockedBuffer
	go func() {
		defer close(read)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			printed.Write(append(s.Bytes(), '\n'))
			if m := servingOn.FindStringSubmatch(s.Text()); m != nil {
				url <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var base string
	select {
	case base = <-url:
	case <-read:
		_ = cmd.Wait()
		t.Fatalf("(in %s) %s exited before serving:\n%s%s", dir, strings.Join(cmd.Args, " "), printed.String(), stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("(in %s) %s printed no address within a minute:\n%s%s", dir, strings.Join(cmd.Args, " "), printed.String(), stderr.String())
	}

	poll := base + "/socket.io/?EIO=4&transport=polling"
	res, err := http.Get(poll)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var open struct {
		SID string `json:"sid"`
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "0") || json.Unmarshal(body[1:], &open) != nil || open.SID == "" {
		t.Fatalf("handshake: %s %q, want 200 and an open packet", res.Status, body)
	}
	// Leave as a client does, with a close packet, so that the shutdown
	// below waits for no session.
	res, err = http.Post(poll+"&sid="+open.SID, "text/plain;charset=UTF-8", strings.NewReader("1"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("close packet: %s", res.Status)
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	<-read
	err = cmd.Wait()
	t.Logf("(in %s) %s\n%s%s", dir, strings.Join(cmd.Args, " "), printed.String(), stderr.String())
	if err != nil {
		t.Errorf("%s after an interrupt: %v", strings.Join(cmd.Args, " "), err)
	}
}

// lockedBuffer is a strings.Builder that a process's output and the test
// use at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// noMachinePaths fails the test when a file of the project in dir, other
// than what builds and serving write (the folders .gitignore lists), holds
// the checkout, the temporary folder, the user cache or the home folder.
func noMachinePaths(t *testing.T, dir string, paths ...string) {
	t.Helper()
	if cache, err := os.UserCacheDir(); err == nil {
		paths = append(paths, cache)
	}
	if home, err := os.UserHomeDir(); err == nil && len(home) > 1 {
		paths = append(paths, home)
	}
	for _, p := range slices.Clone(paths) {
		if real, err := filepath.EvalSymlinks(p); err == nil && real != p {
			paths = append(paths, real)
		}
	}
	checked := 0
	err := filepath.WalkDir(dir, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if slices.Contains([]string{"build", "target", "data"}, d.Name()) && file != dir {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		checked++
		for _, p := range paths {
			if strings.Contains(string(b), p) {
				t.Errorf("%s names %s, a path of this machine", file, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatalf("%s holds no file", dir)
	}
}
