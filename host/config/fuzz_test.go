package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmio/wasmio/host/config"
)

// loadSeeds are wasmio.toml files as operators write them, valid and not.
var loadSeeds = []string{
	`[[namespace]]
path = "/"
module = "h.wasm"`,
	`listen = "0.0.0.0:3000"
path = "/io/"
data_dir = "state"
workers = 8
heap_floor = "64MiB"
shutdown = "disconnect"

[cors]
origins = ["https://app.example.com", "*"]
credentials = true

[engine]
ping_interval = "25s"
ping_timeout = "20s"
max_payload = "1MB"
connect_timeout = "45s"
transports = ["websocket"]
read_timeout = "30s"
attachment_timeout = "10s"
max_connections = -1
max_connections_per_ip = 50

[admin]
tokens_env = "WASMIO_FUZZ_ADMIN_TOKENS"
user_field = "userId"
max_body = "64KiB"

[[namespace]]
path = "/chat"
module = "h.wasm"
failed_ack = "silent"
[namespace.handlers]
"$connect" = "h.wasm"
message = "h.wasm"
[namespace.auth]
mode = "all"
[namespace.auth.api_key]
keys = ["k1", "k2"]
keys_env = "WASMIO_FUZZ_KEYS"
field = "apiKey"
header = "X-API-Key"
[namespace.auth.jwt]
secret = "0123456789abcdef0123456789abcdef"
issuer = "me"
audience = "you"
leeway = "5s"
[namespace.limits]
memory = "16MiB"
timeout = "1s"
max_host_calls = 10000
max_emits = 1000
max_emit_bytes = "4MiB"
max_value_bytes = "64KiB"

[[namespace]]
path = "/admin"
[namespace.handlers]
"$default" = "h.wasm"`,
	// Broken, each in its own way.
	``, `listen = `, `[[namespace]]`, `[engine]
ping_interval = "forever"`, `[engine]
max_payload = "-1MB"`, `[engine]
ping_timeout = 5`, `workers = "four"`, `unknown = 1`, `[[namespace]]
path = "chat"
module = "missing.wasm"`, `[[namespace]]
path = "/"
module = "h.wasm"
[[namespace]]
path = "/"
module = "h.wasm"`, `[[namespace]]
path = "/"
[namespace.handlers]
"$acks" = "h.wasm"
"" = "h.wasm"`, `[[namespace]]
path = "/"
module = "h.wasm"
[namespace.auth.jwt]
public_key_file = "missing.pem"
secret = "short"`, `[[namespace]]
path = "/"
module = "."
[namespace.limits]
memory = "1TiB"
timeout = "-1s"`, `heap_floor = "99999999999999999999GiB"`, `[engine]
read_timeout = "9999999999h"`, `namespace = 1`, `[cors]
origins = "*"`, `[admin]
max_body = "-1KiB"
tokens_env = "="`, "listen = \"\xff\"", `a.b.c = [[1], {x = 2}]`,
}

// FuzzLoad feeds wasmio.toml text to Load: it never panics, an error
// always wraps ErrInvalid or is a file error, and a config it returns passes its own checks
// and those of the layers it configures.
func FuzzLoad(f *testing.F) {
	for _, s := range loadSeeds {
		f.Add(s)
	}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "h.wasm"), []byte("stub"), 0o644); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "wasmio.toml")
	f.Fuzz(func(t *testing.T, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(path)
		var fe *fs.PathError
		if err != nil {
			if !errors.Is(err, config.ErrInvalid) && !errors.As(err, &fe) {
				t.Fatalf("error %v wraps neither ErrInvalid nor a file error", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("a loaded config does not validate again: %v", err)
		}
		if err := c.SocketIO(nil).Validate(); err != nil {
			t.Fatalf("a loaded config's Socket.IO settings are invalid: %v", err)
		}
		for _, ns := range c.Namespaces {
			if err := ns.Limits.Sandbox().Validate(); err != nil {
				t.Fatalf("namespace %s's limits are invalid: %v", ns.Path, err)
			}
		}
		for _, m := range c.Modules() {
			if _, err := os.Stat(m); err != nil {
				t.Fatalf("a loaded config's module is missing: %v", err)
			}
		}
		if _, err := c.Admin.Tokens(); err != nil && !errors.Is(err, config.ErrInvalid) {
			t.Fatalf("Tokens: %v does not wrap ErrInvalid", err)
		}
		if c.WorkerCount() <= 0 || c.HeapFloorBytes() == 0 || c.Admin.MaxBodyBytes() <= 0 || c.Address() == "" || c.SocketIOPath()[0] != '/' {
			t.Fatalf("bad resolved settings: %d workers, heap floor %d, %q, %q", c.WorkerCount(), c.HeapFloorBytes(), c.Address(), c.SocketIOPath())
		}
	})
}
