package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/wasmio/wasmio/host"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/buildtest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
)

var update = flag.Bool("update", false, "rebuild the demo's assets instead of checking them")

// demoSources are the inputs of demo/chat.wasm, relative to the repository.
var demoSources = []string{chatSrc, "guest-sdk/rust/src", "guest-sdk/rust/Cargo.toml"}

// chatSrc is the demo's handler: the Rust port of the Complete Example.
const chatSrc = "examples/seed/complete/rust"

// sourceSums lists "sha256  path" for every source file of the demo module.
func sourceSums(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	for _, src := range demoSources {
		err := filepath.WalkDir(filepath.Join(root, src), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "target" {
				return filepath.SkipDir
			}
			if d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			sum := sha256.Sum256(b)
			lines = append(lines, hex.EncodeToString(sum[:])+"  "+filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

const sumHeader = `# demo/chat.wasm is examples/seed/complete/rust, built for the demo (wasmio with
# no arguments). These are the sums of its sources; rebuild it and this file with:
#   go test ./cmd/wasmio -run TestDemoAssets -update
`

// TestDemoAssets checks that the demo's embedded assets match their
// sources: the Socket.IO client is the npm package's file, and chat.wasm
// was built from the current Complete Example port and Rust SDK. With -update it
// rebuilds them.
func TestDemoAssets(t *testing.T) {
	nodetest.RequireClient(t)
	root := nodetest.RepoRoot()
	client, err := os.ReadFile(filepath.Join(root, "node_modules", "socket.io-client", "dist", "socket.io.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	sums := sumHeader + sourceSums(t, root)
	if *update {
		if err := os.WriteFile("demo/socket.io.min.js", client, 0o644); err != nil {
			t.Fatal(err)
		}
		wasm := buildtest.Build(t, guestbuild.Rust, filepath.Join(root, chatSrc))
		if err := os.WriteFile("demo/chat.wasm", wasm, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("demo/chat.wasm.sum", []byte(sums), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rebuilt demo/chat.wasm (%d bytes) and copied the client", len(wasm))
		return
	}
	if b, _ := os.ReadFile("demo/socket.io.min.js"); !bytes.Equal(b, client) {
		t.Error("demo/socket.io.min.js differs from node_modules/socket.io-client: go test ./cmd/wasmio -run TestDemoAssets -update")
	}
	if b, _ := os.ReadFile("demo/chat.wasm.sum"); string(b) != sums {
		t.Error("demo/chat.wasm is stale (its sources changed): go test ./cmd/wasmio -run TestDemoAssets -update")
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		fmt.Println("updating the demo's assets")
	}
	os.Exit(m.Run())
}

// TestDemoInBrowser serves the demo and drives it in Debian's Chromium: two
// pages join, one types and sends, the other shows both, and a private
// message goes back to the socket id the first page shows.
func TestDemoInBrowser(t *testing.T) {
	nodetest.RequireClient(t)
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatal("chromium is not installed (Debian package chromium): run scripts/deps.sh")
	}
	_, ln := serveDemo(t)
	url := "http://" + ln.Addr().String() + "/"
	cmd := exec.Command("node", filepath.Join("testdata", "demo_browser.js"), url)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the browser run failed: %v\n%s", err, out)
	}
	var res struct {
		OK      bool
		Scripts []string
	}
	if err := json.Unmarshal(bytes.TrimSpace(out[bytes.LastIndexByte(bytes.TrimSpace(out), '\n')+1:]), &res); err != nil || !res.OK {
		t.Fatalf("unexpected output: %s", out)
	}
	for _, s := range res.Scripts {
		if !strings.HasPrefix(s, url) {
			t.Errorf("the page loads %s from elsewhere than wasmio", s)
		}
	}
}

// serveDemo starts the zero-config demo on a free loopback port, serving
// until the test ends.
func serveDemo(t *testing.T) (*host.Host, net.Listener) {
	t.Helper()
	ctx := context.Background()
	h, ln, err := startDemo(ctx, "127.0.0.1:0", t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Serve(ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = h.Shutdown(sctx)
		<-done
	})
	return h, ln
}
