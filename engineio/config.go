package engineio

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Config configures a Server. The zero value of every field means its
// default, so a nil *Config or Config{} gives a server that behaves like
// Node's engine.io with its default options.
type Config struct {
	// Path is the URL path the server answers on. Zero means "/socket.io/".
	// A request for the path without its trailing slash is answered too.
	Path string

	// PingInterval is how often the server pings a session. Zero means 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for the pong before it closes
	// the session with ReasonPingTimeout. Zero means 20s.
	PingTimeout time.Duration
	// UpgradeTimeout is how long a polling session may take to complete an
	// upgrade to WebSocket before the probe connection is dropped. Zero means 10s.
	UpgradeTimeout time.Duration

	// MaxPayload is the largest message a client may send, in bytes: a
	// WebSocket message, or a whole polling POST body. A larger one closes
	// the session with ReasonTransportError. It is announced to clients in the
	// handshake. Zero means 1,000,000 (Socket.IO's maxHttpBufferSize).
	MaxPayload int

	// MaxBufferedBytes caps the data queued for one session and not yet
	// written to its connection. A session over the cap is closed with
	// ReasonSlowConsumer instead of stalling broadcasts or growing without
	// bound. Zero means 4 MiB.
	MaxBufferedBytes int
	// WriteTimeout bounds one write to a WebSocket connection; a write that
	// does not finish in time closes the session with ReasonTransportError.
	// Zero means 10s.
	WriteTimeout time.Duration

	// DisablePolling turns the HTTP long-polling transport off: handshakes and
	// requests for it get "Transport unknown". The zero value serves it.
	DisablePolling bool
	// DisableWebSocket turns the WebSocket transport off, for direct
	// connections and upgrades. The zero value serves it.
	DisableWebSocket bool

	// CORS sets the cross-origin policy of polling requests and the origins
	// WebSocket handshakes are accepted from. The zero value sends no CORS
	// headers and accepts WebSocket handshakes from any origin.
	CORS CORS

	// MaxHeaderBytes caps the size of a request's header block. Zero means 16 KiB.
	MaxHeaderBytes int
	// ReadTimeout bounds reading one HTTP request, header and body, from
	// the first byte; a connection that sends nothing is closed after it
	// too. A client that sends a request slowly, or announces a body it
	// never sends, is cut off instead of holding a connection forever.
	// WebSocket connections are exempt once upgraded (PingTimeout watches
	// them). Zero means 30s.
	ReadTimeout time.Duration
	// MaxConnections caps the open connections, WebSocket and HTTP; past
	// it a new connection is closed at once, and counted
	// (Server.RefusedConnections). Zero means 100,000; -1 means no cap.
	MaxConnections int
	// MaxConnectionsPerIP caps the open connections from one client
	// address. Zero means no cap: behind a proxy or a NAT, many clients
	// share one address.
	MaxConnectionsPerIP int

	// Logger receives the engine's diagnostics. Nil means slog.Default().
	Logger *slog.Logger
}

// CORS is a cross-origin policy, as Node's cors package understands one.
type CORS struct {
	// Origins lists the allowed origins ("https://app.example.com"); "*"
	// allows every origin. Empty means no CORS headers are sent.
	Origins []string
	// Credentials adds Access-Control-Allow-Credentials: true, letting
	// browsers send cookies. With it, "*" reflects the request's origin.
	Credentials bool
}

func (c *CORS) allowed(origin string) bool {
	for _, o := range c.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// withDefaults returns a copy of c with zero fields replaced by defaults.
func (c *Config) withDefaults() Config {
	var d Config
	if c != nil {
		d = *c
	}
	if d.Path == "" {
		d.Path = "/socket.io/"
	}
	if !strings.HasSuffix(d.Path, "/") {
		d.Path += "/"
	}
	if d.PingInterval == 0 {
		d.PingInterval = 25 * time.Second
	}
	if d.PingTimeout == 0 {
		d.PingTimeout = 20 * time.Second
	}
	if d.UpgradeTimeout == 0 {
		d.UpgradeTimeout = 10 * time.Second
	}
	if d.MaxPayload == 0 {
		d.MaxPayload = 1_000_000
	}
	if d.MaxBufferedBytes == 0 {
		d.MaxBufferedBytes = 4 << 20
	}
	if d.WriteTimeout == 0 {
		d.WriteTimeout = 10 * time.Second
	}
	if d.ReadTimeout == 0 {
		d.ReadTimeout = 30 * time.Second
	}
	if d.MaxConnections == 0 {
		d.MaxConnections = 100_000
	}
	if d.MaxHeaderBytes == 0 {
		d.MaxHeaderBytes = 16 << 10
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return d
}

// Validate reports the first field of c that cannot be used, wrapping ErrConfig.
// A nil *Config is valid.
func (c *Config) Validate() error {
	if c == nil {
		return nil
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...))
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		return bad("Path", "%q must start with /", c.Path)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"PingInterval", c.PingInterval}, {"PingTimeout", c.PingTimeout}, {"UpgradeTimeout", c.UpgradeTimeout}, {"WriteTimeout", c.WriteTimeout},
		{"ReadTimeout", c.ReadTimeout}} {
		if f.d < 0 {
			return bad(f.name, "%v is negative", f.d)
		}
	}
	if c.MaxPayload < 0 {
		return bad("MaxPayload", "%d is negative", c.MaxPayload)
	}
	if c.MaxBufferedBytes < 0 {
		return bad("MaxBufferedBytes", "%d is negative", c.MaxBufferedBytes)
	}
	if c.MaxHeaderBytes < 0 {
		return bad("MaxHeaderBytes", "%d is negative", c.MaxHeaderBytes)
	}
	if c.MaxConnections < -1 {
		return bad("MaxConnections", "%d is below -1 (no cap)", c.MaxConnections)
	}
	if c.MaxConnectionsPerIP < 0 {
		return bad("MaxConnectionsPerIP", "%d is negative", c.MaxConnectionsPerIP)
	}
	if c.DisablePolling && c.DisableWebSocket {
		return bad("DisableWebSocket", "both transports are disabled")
	}
	for _, o := range c.CORS.Origins {
		if o != "*" && !strings.Contains(o, "://") {
			return bad("CORS.Origins", "%q is not an origin like https://example.com or *", o)
		}
	}
	return nil
}
