// Package config is wasmio.toml, the operator's one config file: its
// format, its defaults, its validation, and the settings it makes for the
// layers below the host: the Socket.IO server's (SocketIO) and each
// namespace's sandbox limits (Limits.Sandbox). Zero values mean defaults
// throughout; the methods that resolve them (Address, SocketIOPath,
// DataPath, WorkerCount, HeapFloorBytes) are the defaults' one definition.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/host/auth"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/internal/units"
	"github.com/wasmio/wasmio/socketio"
)

// Config is an operator's wasmio.toml. Zero values mean defaults; Load
// resolves relative paths against the file's folder and validates it.
type Config struct {
	// Listen is the address to serve on. Zero means "127.0.0.1:3000".
	Listen string `toml:"listen"`
	// Path is the Socket.IO path. Zero means "/socket.io/".
	Path string `toml:"path"`
	// DataDir holds the key-value file (kv.db) and the compilation cache.
	// Relative to the config file. Zero means "data".
	DataDir string `toml:"data_dir"`
	// Workers caps handler runs in parallel. Zero means 4 per CPU.
	Workers int `toml:"workers"`
	// HeapFloor is the heap size below which `wasmio serve` lets garbage
	// accumulate before Go collects it (internal/gcfloor): every event's
	// instance leaves about 15 KB of garbage, and collecting a small heap
	// every few hundred events costs a fifth of the CPU. Once live data
	// passes half the floor, Go's default (GOGC=100) applies. Zero means
	// 16MiB. The GOGC environment variable, when set, replaces the floor.
	HeapFloor units.ByteSize `toml:"heap_floor"`
	// Shutdown is what a graceful stop (SIGTERM, SIGINT, Host.Shutdown)
	// tells clients. "reconnect" closes the transports as Node's io.close()
	// does: clients see "transport close" and reconnect by themselves, to
	// the restarted server after a deploy. "disconnect" sends every socket a
	// Socket.IO DISCONNECT first, as io.disconnectSockets() does: clients
	// see "io server disconnect" and stay away. Either way every socket's
	// $disconnect runs once, with "server shutting down". Zero means
	// "reconnect".
	Shutdown string `toml:"shutdown"`
	// CORS sets the origins browsers may connect from; see engineio.CORS.
	CORS CORS `toml:"cors"`
	// Engine tunes the Engine.IO and Socket.IO layers.
	Engine Engine `toml:"engine"`
	// Admin configures the REST API (/api/socket/...).
	Admin Admin `toml:"admin"`
	// Namespaces are the served namespaces; at least one.
	Namespaces []Namespace `toml:"namespace"`

	// dir is the config file's folder, against which paths resolve.
	dir string
}

// CORS is the cross-origin policy. The zero value sends no CORS headers.
type CORS struct {
	// Origins lists allowed origins, or "*".
	Origins []string `toml:"origins"`
	// Credentials lets browsers send cookies.
	Credentials bool `toml:"credentials"`
}

// Engine tunes the protocol layers; zero fields mean Socket.IO's defaults.
type Engine struct {
	// PingInterval: zero means 25s.
	PingInterval units.Duration `toml:"ping_interval"`
	// PingTimeout: zero means 20s.
	PingTimeout units.Duration `toml:"ping_timeout"`
	// MaxPayload is the largest message a client may send. Zero means 1MB.
	MaxPayload units.ByteSize `toml:"max_payload"`
	// ConnectTimeout is how long a connection may stay without a namespace.
	// Zero means 45s.
	ConnectTimeout units.Duration `toml:"connect_timeout"`
	// Transports restricts the transports, e.g. ["websocket"]. Zero means
	// both polling and websocket.
	Transports []string `toml:"transports"`
	// ReadTimeout bounds reading one HTTP request, header and body; a
	// connection that sends nothing is closed after it too. Upgraded
	// WebSockets are exempt. Zero means 30s.
	ReadTimeout units.Duration `toml:"read_timeout"`
	// MaxConnections caps open connections; past it new ones are closed
	// at once. Zero means 100000; -1 means no cap.
	MaxConnections int `toml:"max_connections"`
	// AttachmentTimeout bounds how long a binary packet may take from its
	// header to its last attachment; past it the connection closes. Zero
	// means 10s.
	AttachmentTimeout units.Duration `toml:"attachment_timeout"`
	// MaxConnectionsPerIP caps open connections from one client address.
	// Zero means no cap (clients behind one proxy or NAT share an address).
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
}

// Admin configures the REST API served at /api/socket/ on the listen
// address. The zero value serves it to loopback clients only, without a
// token.
type Admin struct {
	// TokensEnv names the environment variable holding the API's bearer
	// tokens, comma-separated. With tokens, every request needs one; without,
	// the API answers loopback clients only.
	TokensEnv string `toml:"tokens_env"`
	// UserField names the field of a client's auth object that the API
	// reports as a socket's user. Zero means the verified JWT's sub claim.
	UserField string `toml:"user_field"`
	// MaxBody caps a request body. Zero means 1MiB.
	MaxBody units.ByteSize `toml:"max_body"`
}

// DefaultAdminMaxBody is Admin.MaxBody's zero value.
const DefaultAdminMaxBody = 1 << 20

// MaxBodyBytes returns MaxBody, or its default.
func (a *Admin) MaxBodyBytes() int {
	if a.MaxBody > 0 {
		return int(a.MaxBody)
	}
	return DefaultAdminMaxBody
}

// Tokens returns the bearer tokens TokensEnv holds; none without
// TokensEnv. A TokensEnv that is unset or holds no token is an error
// wrapping ErrInvalid: an operator who named one meant the API to be
// protected, and must not find it open to loopback instead.
func (a *Admin) Tokens() ([]string, error) {
	if a.TokensEnv == "" {
		return nil, nil
	}
	var out []string
	for _, t := range strings.Split(os.Getenv(a.TokensEnv), ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: admin.tokens_env: environment variable %s holds no token: export it with comma-separated tokens, or remove admin.tokens_env to serve the API to loopback clients only", ErrInvalid, a.TokensEnv)
	}
	return out, nil
}

// Namespace maps a namespace's events to handler modules.
type Namespace struct {
	// Path is the namespace, like "/" or "/chat".
	Path string `toml:"path"`
	// Module serves every event of the namespace, unless Handlers names
	// another module for the event.
	Module string `toml:"module"`
	// Handlers maps event names ("$connect", "$disconnect", "$ack", custom
	// names, "$default" for every unmapped client event) to modules.
	Handlers map[string]string `toml:"handlers"`
	// FailedAck is what a client awaiting an ack receives when the host
	// answers for the handler (its run failed, or the event has a reserved
	// name): "error" sends {"error":"handler failed"} or {"error":"reserved
	// event"}, "silent" sends nothing and the client's own timeout fires.
	// Zero means "error".
	FailedAck string `toml:"failed_ack"`
	// Auth, if set, must pass before $connect runs.
	Auth *auth.Config `toml:"auth"`
	// Limits bound each handler run; zero fields mean sandbox defaults.
	Limits Limits `toml:"limits"`
}

// Limits is the TOML form of sandbox.Limits, whose fields document the
// limits and their defaults.
type Limits struct {
	Memory        units.ByteSize `toml:"memory"`
	Timeout       units.Duration `toml:"timeout"`
	MaxHostCalls  int            `toml:"max_host_calls"`
	MaxEmits      int            `toml:"max_emits"`
	MaxEmitBytes  units.ByteSize `toml:"max_emit_bytes"`
	MaxValueBytes units.ByteSize `toml:"max_value_bytes"`
	MaxWriteBytes units.ByteSize `toml:"max_write_bytes"`
	MaxWriteKeys  int            `toml:"max_write_keys"`
	MaxReadBytes  units.ByteSize `toml:"max_read_bytes"`
	MaxLogBytes   units.ByteSize `toml:"max_log_bytes"`
	MaxLogLines   int            `toml:"max_log_lines"`
	MaxLogRate    int            `toml:"max_log_rate"`
}

// Sandbox returns the limits as the sandbox takes them.
func (l Limits) Sandbox() sandbox.Limits {
	return sandbox.Limits{MemoryBytes: int64(l.Memory), Timeout: time.Duration(l.Timeout), MaxHostCalls: l.MaxHostCalls,
		MaxEmits: l.MaxEmits, MaxEmitBytes: int(l.MaxEmitBytes), MaxValueBytes: int(l.MaxValueBytes),
		MaxWriteBytes: int(l.MaxWriteBytes), MaxWriteKeys: l.MaxWriteKeys, MaxReadBytes: int(l.MaxReadBytes),
		MaxLogBytes: int(l.MaxLogBytes), MaxLogLines: l.MaxLogLines, MaxLogRate: l.MaxLogRate}
}

// ErrInvalid reports an invalid configuration; the wrapping error lists
// every problem with the field it is in and the fix.
var ErrInvalid = errors.New("config: invalid")

// Load reads, resolves and validates the TOML file at path.
func Load(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	var c Config
	md, err := toml.DecodeFile(abs, &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			key := ""
			if pe.LastKey != "" {
				key = " (" + pe.LastKey + ")"
			}
			return nil, fmt.Errorf("%w: %s: line %d%s: %s", ErrInvalid, path, pe.Position.Line, key, pe.Message)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%w: %s: unknown keys %s: check their spelling against the README's example", ErrInvalid, path, strings.Join(keys, ", "))
	}
	c.dir = filepath.Dir(abs)
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// Dir returns the folder relative paths resolve against.
func (c *Config) Dir() string { return c.dir }

// SetDir sets the folder relative paths resolve against, for configs built
// in code rather than loaded.
func (c *Config) SetDir(dir string) { c.dir = dir }

// Resolve returns path resolved against the config's folder.
func (c *Config) Resolve(path string) string {
	if filepath.IsAbs(path) || c.dir == "" {
		return path
	}
	return filepath.Join(c.dir, path)
}

// The defaults of Listen, Path and DataDir.
const (
	DefaultListen  = "127.0.0.1:3000"
	DefaultPath    = "/socket.io/"
	DefaultDataDir = "data"
)

// Address returns Listen, or its default.
func (c *Config) Address() string { return def(c.Listen, DefaultListen) }

// SocketIOPath returns Path, or its default.
func (c *Config) SocketIOPath() string { return def(c.Path, DefaultPath) }

// DataPath returns DataDir, or its default, resolved.
func (c *Config) DataPath() string { return c.Resolve(def(c.DataDir, DefaultDataDir)) }

// DefaultHeapFloor is HeapFloor's zero value.
const DefaultHeapFloor = 16 << 20

// HeapFloorBytes returns HeapFloor, or its default.
func (c *Config) HeapFloorBytes() uint64 {
	if c.HeapFloor > 0 {
		return uint64(c.HeapFloor)
	}
	return DefaultHeapFloor
}

// WorkerCount returns Workers, or its default.
func (c *Config) WorkerCount() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return 4 * runtime.GOMAXPROCS(0)
}

func def(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// Modules returns every module file the config uses, resolved, sorted.
func (c *Config) Modules() []string {
	seen := map[string]bool{}
	for _, ns := range c.Namespaces {
		for _, m := range ns.Modules() {
			seen[c.Resolve(m)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Shutdown values.
const (
	ShutdownReconnect  = "reconnect"
	ShutdownDisconnect = "disconnect"
)

// FailedAck values.
const (
	FailedAckError  = "error"
	FailedAckSilent = "silent"
)

// HostEvents are the events the host raises, which a module may handle.
var HostEvents = []string{abi.EventConnect, abi.EventDisconnect, abi.EventAck, abi.EventDefault}

// Modules returns the namespace's module per event: Handlers, with Module
// as the $default and for $connect, $disconnect and $ack unless Handlers
// names them.
func (ns *Namespace) Modules() map[string]string {
	out := make(map[string]string, len(ns.Handlers)+len(HostEvents))
	if ns.Module != "" {
		for _, ev := range HostEvents {
			out[ev] = ns.Module
		}
	}
	for ev, m := range ns.Handlers {
		out[ev] = m
	}
	return out
}

// Validate checks c, including that every module file exists; it reports
// every problem, each naming its field and the fix.
func (c *Config) Validate() error {
	var p []string
	add := func(field, format string, args ...any) {
		p = append(p, field+": "+fmt.Sprintf(format, args...))
	}
	if c.Workers < 0 {
		add("workers", "%d is negative: use 0 for the default", c.Workers)
	}
	if c.HeapFloor < 0 {
		add("heap_floor", "%d is negative: use a size like \"64MiB\", or 0 for the default", c.HeapFloor)
	}
	if c.Shutdown != "" && c.Shutdown != ShutdownReconnect && c.Shutdown != ShutdownDisconnect {
		add("shutdown", "%q is not a choice: use \"reconnect\" (the default: clients reconnect to the restarted server) or \"disconnect\" (clients are told to go away)", c.Shutdown)
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		add("path", "%q must start with /", c.Path)
	} else if err := c.SocketIO(nil).Validate(); err != nil {
		// The engine's own check, for the [engine] table's values.
		add("engine", "%v", err)
	}
	for _, o := range c.CORS.Origins {
		if o != "*" && !strings.Contains(o, "://") {
			add("cors.origins", "%q is not an origin like \"https://app.example.com\" or \"*\"", o)
		}
	}
	for _, tr := range c.Engine.Transports {
		if tr != "polling" && tr != "websocket" {
			add("engine.transports", "%q is not a transport: use \"polling\" and/or \"websocket\"", tr)
		}
	}
	if strings.ContainsAny(c.Admin.TokensEnv, "=\x00") {
		add("admin.tokens_env", "%q is not an environment variable name", c.Admin.TokensEnv)
	}
	if c.Admin.MaxBody < 0 {
		add("admin.max_body", "%d is negative: use a size like \"1MiB\", or 0 for the default", c.Admin.MaxBody)
	}
	if len(c.Namespaces) == 0 {
		add("namespace", "no namespace is served: add a [[namespace]] with a path and a module")
	}
	paths := map[string]bool{}
	missing := map[string]bool{} // module files already reported
	for i, ns := range c.Namespaces {
		f := fmt.Sprintf("namespace[%d]", i)
		if ns.Path != "" {
			f += fmt.Sprintf(" (%s)", ns.Path)
		}
		switch {
		case !strings.HasPrefix(ns.Path, "/") || strings.Contains(ns.Path, ","):
			add(f+".path", "%q must start with / and contain no comma, like \"/chat\"", ns.Path)
		case paths[ns.Path]:
			add(f+".path", "%q is served twice: merge the two [[namespace]] tables", ns.Path)
		}
		paths[ns.Path] = true
		mods := ns.Modules()
		if len(mods) == 0 {
			add(f, "no module: set module = \"handler.wasm\" or a [namespace.handlers] table")
		}
		for ev, m := range mods {
			field := f + ".module"
			if ns.Handlers[ev] == m {
				field = fmt.Sprintf("%s.handlers.%q", f, ev)
			}
			if ev == "" || strings.HasPrefix(ev, "$") && !slices.Contains(HostEvents, ev) {
				add(field, "%q is not an event: use a client event name, \"$connect\", \"$disconnect\", \"$ack\" or \"$default\"", ev)
			}
			if m == "" {
				add(field, "empty module path")
				continue
			}
			path := c.Resolve(m)
			if st, err := os.Stat(path); (err != nil || st.IsDir()) && !missing[path] {
				missing[path] = true
				add(field, "module %q not found (looked at %s): build it (wasmio build) or fix the path", m, path)
			}
		}
		if ns.FailedAck != "" && ns.FailedAck != FailedAckError && ns.FailedAck != FailedAckSilent {
			add(f+".failed_ack", "%q is not a choice: use \"error\" (the default) to answer a failed handler's awaited ack with {\"error\":\"handler failed\"}, or \"silent\" to send nothing", ns.FailedAck)
		}
		if ns.Auth != nil {
			if err := ns.Auth.Validate(); err != nil {
				add(f+".auth", "%v", err)
			}
		}
		if err := ns.Limits.Sandbox().Validate(); err != nil {
			add(f+".limits", "%v", err)
		}
	}
	if len(p) > 0 {
		sort.Strings(p)
		return fmt.Errorf("%w:\n  %s", ErrInvalid, strings.Join(p, "\n  "))
	}
	return nil
}

// SocketIO returns the Socket.IO server's settings, logging to log.
func (c *Config) SocketIO(log *slog.Logger) *socketio.Config {
	sc := &socketio.Config{
		ConnectTimeout:    time.Duration(c.Engine.ConnectTimeout),
		AttachmentTimeout: time.Duration(c.Engine.AttachmentTimeout),
		Engine: engineio.Config{
			Path:                c.Path,
			PingInterval:        time.Duration(c.Engine.PingInterval),
			PingTimeout:         time.Duration(c.Engine.PingTimeout),
			MaxPayload:          int(c.Engine.MaxPayload),
			ReadTimeout:         time.Duration(c.Engine.ReadTimeout),
			MaxConnections:      c.Engine.MaxConnections,
			MaxConnectionsPerIP: c.Engine.MaxConnectionsPerIP,
			CORS:                engineio.CORS{Origins: c.CORS.Origins, Credentials: c.CORS.Credentials},
			Logger:              log,
		},
	}
	if len(c.Engine.Transports) > 0 {
		sc.Engine.DisablePolling, sc.Engine.DisableWebSocket = true, true
		for _, t := range c.Engine.Transports {
			switch t {
			case "polling":
				sc.Engine.DisablePolling = false
			case "websocket":
				sc.Engine.DisableWebSocket = false
			}
		}
	}
	return sc
}
