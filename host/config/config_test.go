package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/host/sandbox"
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

// TestLimits loads [namespace.limits] tables: every key reaches
// sandbox.Limits, and a negative one is refused by its name.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "h.wasm"), []byte("stub"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, limits string
		want         sandbox.Limits // of a valid table
		err          string         // "" for valid
	}{
		{"none", "", sandbox.Limits{}, ""},
		{"every key", `memory = "32MiB"
timeout = "2s"
max_host_calls = 5000
max_emits = 50
max_emit_bytes = "1MiB"
max_value_bytes = "8KiB"
max_write_bytes = "2MiB"
max_write_keys = 200
max_read_bytes = "8MiB"
max_log_bytes = "16KiB"
max_log_lines = 20
max_log_rate = 50`, sandbox.Limits{MemoryBytes: 32 << 20, Timeout: 2 * time.Second, MaxHostCalls: 5000, MaxEmits: 50,
			MaxEmitBytes: 1 << 20, MaxValueBytes: 8 << 10, MaxWriteBytes: 2 << 20, MaxWriteKeys: 200, MaxReadBytes: 8 << 20,
			MaxLogBytes: 16 << 10, MaxLogLines: 20, MaxLogRate: 50}, ""},
		{"negative write keys", "max_write_keys = -1", sandbox.Limits{}, "namespace[0] (/).limits: max_write_keys: -1 is negative"},
		{"negative log lines", "max_log_lines = -1", sandbox.Limits{}, "namespace[0] (/).limits: max_log_lines: -1 is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "wasmio.toml")
			text := "[[namespace]]\npath = \"/\"\nmodule = \"h.wasm\"\n[namespace.limits]\n" + tc.limits + "\n"
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := config.Load(path)
			switch {
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error containing %q", err, tc.err)
				}
				return
			}
			if got := c.Namespaces[0].Limits.Sandbox(); got != tc.want {
				t.Errorf("limits %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestAdmin loads [admin] tables: the tokens come from the environment
// variable tokens_env names, and each mistake is refused by its field.
func TestAdmin(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "h.wasm"), []byte("stub"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WASMIO_TEST_ADMIN_TOKENS", " t1 ,t2,, ")
	t.Setenv("WASMIO_TEST_ADMIN_EMPTY", " , ")
	for _, tc := range []struct {
		name, admin string
		tokens      []string
		maxBody     int
		err         string // from Load; "" for valid
		tokensErr   string // from Tokens
	}{
		{"none", "", nil, config.DefaultAdminMaxBody, "", ""},
		{"every key", "tokens_env = \"WASMIO_TEST_ADMIN_TOKENS\"\nuser_field = \"userId\"\nmax_body = \"64KiB\"", []string{"t1", "t2"}, 64 << 10, "", ""},
		{"unset variable", `tokens_env = "WASMIO_TEST_ADMIN_UNSET"`, nil, 0, "", "environment variable WASMIO_TEST_ADMIN_UNSET holds no token"},
		{"no token", `tokens_env = "WASMIO_TEST_ADMIN_EMPTY"`, nil, 0, "", "holds no token"},
		{"bad name", `tokens_env = "A=B"`, nil, 0, `admin.tokens_env: "A=B" is not an environment variable name`, ""},
		{"negative body", `max_body = -1`, nil, 0, "(admin.max_body): -1 is negative", ""},
		{"unknown key", `tokens = ["t"]`, nil, 0, "unknown keys admin.tokens", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "wasmio.toml")
			text := "[admin]\n" + tc.admin + "\n[[namespace]]\npath = \"/\"\nmodule = \"h.wasm\"\n"
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := config.Load(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, config.ErrInvalid) {
					t.Fatalf("got %v, want an ErrInvalid containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tokens, err := c.Admin.Tokens()
			if tc.tokensErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.tokensErr) || !errors.Is(err, config.ErrInvalid) {
					t.Fatalf("Tokens: got %v, want an ErrInvalid containing %q", err, tc.tokensErr)
				}
				return
			}
			if err != nil || !slices.Equal(tokens, tc.tokens) {
				t.Fatalf("Tokens: %q, %v; want %q", tokens, err, tc.tokens)
			}
			if got := c.Admin.MaxBodyBytes(); got != tc.maxBody {
				t.Errorf("MaxBodyBytes %d, want %d", got, tc.maxBody)
			}
		})
	}
}
