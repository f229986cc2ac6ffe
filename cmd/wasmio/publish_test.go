package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
)

// TestPublishToDemo publishes to the zero-config demo's lobby, whose API
// answers loopback clients without a token: the chat page's client
// receives the event.
func TestPublishToDemo(t *testing.T) {
	h, ln := serveDemo(t)
	url := "http://" + ln.Addr().String()
	var shown bytes.Buffer
	banner(&shown, h, ln.Addr().String())
	mustContain(t, shown.String(), "REST API     "+url+"/api/socket/ (no API token is configured ([admin] tokens_env): it answers loopback clients only)")

	d := nodetest.Start(t)
	c := d.Connect(url+demoNamespace, map[string]any{"auth": map[string]any{"username": "ann"}})
	c.Connected()
	c.Event("welcome") // $connect ran: ann is in the lobby
	code, out, errOut := runPublish(t, "--url", url, "--channel", "room:lobby", "--event", "message", "--data", `{"text":"hi"}`)
	if code != 0 || out != "delivered to 1 sockets\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	nodetest.JSONEq(t, c.Event("message").Args, `[{"text":"hi"}]`)

	// The event defaults to "event"; --data @FILE reads the JSON from a file.
	file := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(file, []byte(" [1, 2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runPublish(t, "--url", url+"/", "--channel", "room:lobby", "--data", "@"+file); code != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	nodetest.JSONEq(t, c.Event("event").Args, `[[1,2]]`)
}

// TestPublishErrors runs publish against a host that takes a token: the
// token from the flag or the environment passes, and every mistake exits
// non-zero with the API's message or the flag's, publishing nothing.
func TestPublishErrors(t *testing.T) {
	t.Setenv("WASMIO_TEST_PUBLISH_TOKENS", "tok")
	dir := writeFiles(t, map[string]string{"echo.wasm": module(t, "echo")})
	r := hosttest.Start(t, &config.Config{Admin: config.Admin{TokensEnv: "WASMIO_TEST_PUBLISH_TOKENS"},
		Namespaces: []config.Namespace{{Path: "/", Module: "echo.wasm"}}}, dir, nil)
	d := nodetest.Start(t)
	c := d.Connect(r.URL, nil)
	c.Connected()
	c.Event("echo") // in "all" now
	for _, tc := range []struct {
		name string
		env  string // WASMIO_API_TOKEN
		args []string
		code int
		err  string // in stderr
	}{
		{"no token", "", []string{"--channel", "all"}, 1, "send an API token"},
		{"wrong token", "", []string{"--token", "nope", "--channel", "all"}, 1, "(401 invalid_token)"},
		{"no channel", "tok", []string{"--data", "1"}, 2, "usage: wasmio publish --channel"},
		{"data not JSON", "tok", []string{"--channel", "all", "--data", "hi"}, 2, `--data: "hi" is not JSON`},
		{"missing data file", "tok", []string{"--channel", "all", "--data", "@/nonexistent"}, 2, "--data: open /nonexistent"},
		{"unknown namespace", "tok", []string{"--channel", "all", "--namespace", "/nope"}, 1, `unknown namespace "/nope"`},
		{"reserved event", "tok", []string{"--channel", "all", "--event", "disconnect"}, 1, "reserved"},
		{"no server", "tok", []string{"--url", "http://127.0.0.1:1", "--channel", "all"}, 1, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("WASMIO_API_TOKEN", tc.env)
			code, out, errOut := runPublish(t, append([]string{"--url", r.URL}, tc.args...)...)
			if code != tc.code || out != "" || !strings.Contains(errOut, tc.err) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tc.code, tc.err)
			}
		})
	}
	t.Setenv("WASMIO_API_TOKEN", "tok")
	if code, out, errOut := runPublish(t, "--url", r.URL, "--channel", "all", "--event", "done"); code != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// "done" is the first event since the $connect's echo: nothing else got through.
	c.Event("done")
	if rest := c.Events(); len(rest) != 0 {
		t.Errorf("the failed publishes delivered %v", rest)
	}
}

func runPublish(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"publish"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}
