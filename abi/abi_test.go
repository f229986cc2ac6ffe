package abi

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesAreFresh fails when the SDKs' ABI files differ from what
// this package generates: run `go generate ./abi`.
func TestGeneratedFilesAreFresh(t *testing.T) {
	for path, want := range Generated() {
		got, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Fatalf("%s: %v (run `go generate ./abi`)", path, err)
		}
		if string(got) != want {
			t.Errorf("%s is stale: run `go generate ./abi`", path)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, camel, snake string }{
		{"kv_get", "KvGet", "KV_GET"},
		{"event_get", "EventGet", "EVENT_GET"},
	} {
		if got := camel(tc.in); got != tc.camel {
			t.Errorf("camel(%q) = %q", tc.in, got)
		}
		if got := snake(tc.camel); got != tc.snake {
			t.Errorf("snake(%q) = %q", tc.camel, got)
		}
	}
	if got := snake("FieldSocketID"); got != "FIELD_SOCKET_ID" {
		t.Errorf("snake = %q", got)
	}
	for code := int32(-1); code >= ErrStorage; code-- {
		if ErrorName(code) == "ERR_UNKNOWN" {
			t.Errorf("no name for %d", code)
		}
	}
}
