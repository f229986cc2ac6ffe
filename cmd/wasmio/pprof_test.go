package main

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestPprof(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "nonsense"} {
		if _, _, err := startPprof(addr); !errors.Is(err, errPprofAddr) {
			t.Errorf("startPprof(%q): %v, want errPprofAddr", addr, err)
		}
	}
	addr, stop, err := startPprof("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for path, want := range map[string]string{"heap?debug=1": "heap profile", "goroutine?debug=1": "goroutine profile", "": "Types of profiles available"} {
		resp, err := http.Get("http://" + addr + "/debug/pprof/" + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %.100q", path, resp.StatusCode, body)
		}
	}
}
