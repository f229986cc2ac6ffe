package socketio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/wasmio/wasmio/engineio"
)

// Config configures a Server. Zero fields mean their defaults.
type Config struct {
	// Engine configures the Engine.IO layer underneath.
	Engine engineio.Config
	// ConnectTimeout is how long a client may stay connected without joining
	// any namespace before its connection is closed. Zero means 45s.
	ConnectTimeout time.Duration
	// MaxAttachments caps the binary attachments of one packet, as the
	// reference parser's maxAttachments does. Zero means 10.
	MaxAttachments int
	// AttachmentTimeout bounds how long a binary packet may take to
	// arrive whole, from its header to its last attachment: a client that
	// announces attachments and sends only some would otherwise hold them
	// (up to Engine.MaxPayload bytes) for as long as it stays connected.
	// Past it the connection closes ("parse error"). Zero means 10s.
	AttachmentTimeout time.Duration
	// Adapter makes each namespace's Adapter. Nil means NewMemoryAdapter:
	// rooms and broadcasts stay in this process.
	Adapter NewAdapter
}

// Validate reports the first unusable field, wrapping ErrConfig or
// engineio.ErrConfig. A nil *Config is valid.
func (c *Config) Validate() error {
	if c == nil {
		return nil
	}
	if c.ConnectTimeout < 0 {
		return fmt.Errorf("%w: ConnectTimeout: %v is negative", ErrConfig, c.ConnectTimeout)
	}
	if c.MaxAttachments < 0 {
		return fmt.Errorf("%w: MaxAttachments: %d is negative", ErrConfig, c.MaxAttachments)
	}
	if c.AttachmentTimeout < 0 {
		return fmt.Errorf("%w: AttachmentTimeout: %v is negative", ErrConfig, c.AttachmentTimeout)
	}
	return c.Engine.Validate()
}

// Server is a Socket.IO v5 server over an engineio.Server.
type Server struct {
	eio            *engineio.Server
	newAdapter     NewAdapter
	connectTimeout time.Duration
	maxAttachments int
	maxPayload     int
	attTimeout     time.Duration

	mu   sync.RWMutex
	nsps map[string]*Namespace
}

// NewServer returns a server with no namespaces. A nil cfg means defaults.
func NewServer(cfg *Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var c Config
	if cfg != nil {
		c = *cfg
	}
	s := &Server{newAdapter: c.Adapter, connectTimeout: c.ConnectTimeout, maxAttachments: c.MaxAttachments, nsps: make(map[string]*Namespace)}
	if s.newAdapter == nil {
		s.newAdapter = NewMemoryAdapter
	}
	if s.connectTimeout == 0 {
		s.connectTimeout = 45 * time.Second
	}
	if s.maxAttachments == 0 {
		s.maxAttachments = 10
	}
	if s.attTimeout = c.AttachmentTimeout; s.attTimeout == 0 {
		s.attTimeout = 10 * time.Second
	}
	eio, err := engineio.NewServer(&c.Engine, engineHandler{s})
	if err != nil {
		return nil, err
	}
	s.eio = eio
	s.maxPayload = eio.Config().MaxPayload
	return s, nil
}

// Engine returns the Engine.IO server underneath.
func (s *Server) Engine() *engineio.Server { return s.eio }

// Of serves the namespace name ("/" or "/chat") with hooks and returns it.
// Serving a name twice is an error; SetHooks changes a namespace's hooks.
func (s *Server) Of(name string, hooks Hooks) (*Namespace, error) {
	if !strings.HasPrefix(name, "/") || strings.Contains(name, ",") {
		return nil, fmt.Errorf("%w: %q must start with / and contain no comma", ErrNamespace, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.nsps[name]; ok {
		return nil, fmt.Errorf("%w: %q is already served", ErrNamespace, name)
	}
	n := newNamespace(s, name, hooks)
	s.nsps[name] = n
	return n, nil
}

// Namespace returns the served namespace name, or nil.
func (s *Server) Namespace(name string) *Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nsps[name]
}

// Namespaces returns the served namespaces sorted by name.
func (s *Server) Namespaces() []*Namespace {
	s.mu.RLock()
	out := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		out = append(out, n)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Serve accepts connections on ln; requests off the Socket.IO path go to
// fallback (nil answers 404). It returns engineio.ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener, fallback fasthttp.RequestHandler) error {
	return s.eio.Serve(ln, fallback)
}

// Shutdown closes every connection as Node's io.close() does: what is
// queued is flushed, then the transport closes, so clients see "transport
// close" and reconnect by themselves (to the server's successor, after a
// restart). The Disconnect hooks run with engineio.ReasonServerShutdown. It waits
// until every connection is gone or ctx is done. To tell clients to stay
// away instead, call DisconnectAll first. The namespaces' adapters are
// closed last.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.eio.Shutdown(ctx)
	for _, n := range s.Namespaces() {
		err = errors.Join(err, n.adapter.Close())
	}
	return err
}

// DisconnectAll sends every socket of every namespace a DISCONNECT (its
// client will not reconnect on its own) and closes it with reason, like
// Node's io.disconnectSockets(). The connections stay open.
func (s *Server) DisconnectAll(reason string) {
	s.eio.Range(func(ss *engineio.Session) bool {
		if c, ok := ss.UserData().(*client); ok {
			c.disconnectAll(reason)
		}
		return true
	})
}

// engineHandler connects the engine's sessions to Socket.IO clients.
type engineHandler struct{ s *Server }

func (h engineHandler) OnOpen(ss *engineio.Session) {
	c := &client{srv: h.s, sess: ss, decoder: decoder{maxAttachments: h.s.maxAttachments, maxBytes: h.s.maxPayload}}
	c.connectTimer = time.AfterFunc(h.s.connectTimeout, c.onConnectTimeout)
	ss.SetUserData(c)
}

func (h engineHandler) OnMessage(ss *engineio.Session, data []byte, binary bool) {
	ss.UserData().(*client).onMessage(data, binary)
}

func (h engineHandler) OnClose(ss *engineio.Session, reason string) {
	ss.UserData().(*client).onClose(reason)
}
