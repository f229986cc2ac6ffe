package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/wasmio/wasmio/host/config"
)

// TestValidateOptions checks the choices of a config: shutdown, and the
// options of acks (the $ack handler, failed_ack).
func TestValidateOptions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "h.wasm"), []byte("stub"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		shutdown string
		ns       config.Namespace
		err      string // "" for valid
	}{
		{"reconnect", "reconnect", config.Namespace{Module: "h.wasm"}, ""},
		{"disconnect", "disconnect", config.Namespace{Module: "h.wasm"}, ""},
		{"other shutdown", "restart", config.Namespace{Module: "h.wasm"},
			`shutdown: "restart" is not a choice: use "reconnect" (the default`},
		{"defaults", "", config.Namespace{Module: "h.wasm"}, ""},
		{"error", "", config.Namespace{Module: "h.wasm", FailedAck: "error"}, ""},
		{"silent", "", config.Namespace{Module: "h.wasm", FailedAck: "silent"}, ""},
		{"other", "", config.Namespace{Module: "h.wasm", FailedAck: "quiet"},
			`namespace[0] (/).failed_ack: "quiet" is not a choice: use "error" (the default)`},
		{"$ack handler", "", config.Namespace{Handlers: map[string]string{"$ack": "h.wasm"}}, ""},
		{"unknown $ event", "", config.Namespace{Handlers: map[string]string{"$acks": "h.wasm"}},
			`"$acks" is not an event: use a client event name, "$connect", "$disconnect", "$ack" or "$default"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ns.Path = "/"
			c := &config.Config{Shutdown: tc.shutdown, Namespaces: []config.Namespace{tc.ns}}
			c.SetDir(dir)
			err := c.Validate()
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("invalid: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v, want an error containing %s", err, tc.err)
			}
		})
	}
}

// TestReadmeExample checks that the README's annotated wasmio.toml uses
// only keys the config knows, so that the documentation of every setting
// stays true to the parser.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "## Configuration")
	if ok {
		_, rest, ok = strings.Cut(rest, "```toml\n")
	}
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no ```toml block under ## Configuration")
	}
	var c config.Config
	md, err := toml.Decode(example, &c)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("README.md's example has keys the config does not know: %v", und)
	}
	if c.Engine.MaxConnections == 0 || c.Engine.ReadTimeout == 0 {
		t.Fatalf("the example lost its [engine] limits: %+v", c.Engine)
	}
}
