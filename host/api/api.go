// Package api is wasmio's REST API for operators and backends: the active
// channels (rooms other than socket ids) and their members, connection
// counts, broadcasts to channels, and per-connection info, emit and
// disconnect in the manner of API Gateway's @connections (routes.go), under
// bearer tokens or, without any, for loopback clients only (auth.go), with
// its OpenAPI document (openapi.go). It also answers /healthz and /readyz.
//
// The API asks a Directory about sockets: Local answers for this process;
// a cluster's Directory would ask every node, behind the same interface.
package api

import (
	"errors"
	"time"

	"github.com/valyala/fasthttp"
)

// Directory answers the API's questions about sockets and carries its
// emits. A namespace "" means every served namespace; a namespace that is
// not served is ErrUnknownNamespace. Methods are called concurrently.
type Directory interface {
	// Channels returns the namespace's channels that have members, sorted
	// by namespace then name.
	Channels(namespace string) ([]Channel, error)
	// Members returns the sockets in channel, sorted by namespace then id;
	// none when the channel has no member.
	Members(namespace, channel string) ([]Member, error)
	// Connections counts the connected sockets.
	Connections() (Connections, error)
	// Connection returns the socket with id, with its channels; nil if no
	// socket has it.
	Connection(id string) (*Member, error)
	// Broadcast emits msg to the members of channels, minus the members of
	// except (channels or socket ids), and returns how many sockets it was
	// queued for.
	Broadcast(namespace string, channels, except []string, msg Message) (int, error)
	// Emit emits msg to the socket with id; ErrGone if no socket has it.
	Emit(id string, msg Message) error
	// Disconnect disconnects the socket with id from its namespace, as a
	// handler's disconnect does; ErrGone if no socket has it.
	Disconnect(id string) error
}

// Errors a Directory returns for requests about what does not exist.
var (
	ErrUnknownNamespace = errors.New("api: unknown namespace")
	ErrGone             = errors.New("api: no connection has this id")
)

// Channel is one channel of one namespace and its member count.
type Channel struct {
	Namespace string `json:"namespace"`
	Channel   string `json:"channel"`
	Members   int    `json:"members"`
}

// Member is one connected socket.
type Member struct {
	ID        string `json:"id"`
	Namespace string `json:"namespace"`
	// User is the JWT's sub, or the auth field the config names; empty
	// (left out) when the socket has none.
	User string `json:"user,omitempty"`
	// Transport is "polling" or "websocket".
	Transport string `json:"transport"`
	// Address is the client's IP address.
	Address string `json:"address"`
	// ConnectedAt is when the client's connection was opened.
	ConnectedAt time.Time `json:"connected_at"`
	// Channels lists the channels the socket is in; only Connection sets it.
	Channels []string `json:"channels,omitempty"`
}

// Connections counts connected sockets: in all and per namespace.
type Connections struct {
	Total      int            `json:"total"`
	Namespaces map[string]int `json:"namespaces"`
}

// Message is an event to emit: its name and its arguments, a JSON array.
type Message struct {
	Event string
	Args  []byte
}

// Options configure an API.
type Options struct {
	// Directory answers about sockets; required.
	Directory Directory
	// Tokens are the accepted bearer tokens. With none, the API answers
	// loopback clients only.
	Tokens []string
	// MaxBody caps a request body, in bytes; it must be positive.
	MaxBody int
	// Ready reports why the server cannot serve yet, or nil; /readyz
	// answers 503 with its message. Nil means always ready.
	Ready func() error
}

// API serves the REST API. Create it with New.
type API struct {
	dir     Directory
	auth    *authorizer
	maxBody int
	ready   func() error
}

// New returns the API of opts.
func New(opts Options) (*API, error) {
	if opts.Directory == nil {
		return nil, errors.New("api: no Directory")
	}
	if opts.MaxBody <= 0 {
		return nil, errors.New("api: MaxBody must be positive")
	}
	a := &API{dir: opts.Directory, auth: newAuthorizer(opts.Tokens), maxBody: opts.MaxBody, ready: opts.Ready}
	if a.ready == nil {
		a.ready = func() error { return nil }
	}
	return a, nil
}

// Protected reports whether the API takes bearer tokens; without any it
// answers loopback clients only.
func (a *API) Protected() bool { return a.auth.protected() }

// Handler returns a handler that serves the API's paths and hands every
// other request to next (nil answers them 404).
func (a *API) Handler(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	if next == nil {
		next = func(ctx *fasthttp.RequestCtx) { ctx.Error("not found", fasthttp.StatusNotFound) }
	}
	return func(ctx *fasthttp.RequestCtx) {
		if !a.serve(ctx) {
			next(ctx)
		}
	}
}
