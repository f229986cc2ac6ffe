package engineio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/wasmio/wasmio/internal/randid"
	"github.com/wasmio/wasmio/internal/shardmap"
)

// Request describes the HTTP request that opened a session. It is copied
// once at the handshake and never modified afterwards. Its headers are
// kept in one string, not a map: an idle socket's maps cost a quarter of
// its memory (bench/ANALYSIS.md), and handlers read them rarely.
type Request struct {
	// RemoteAddr is the peer's "ip:port".
	RemoteAddr string
	// URL is the request URI (path and query).
	URL string
	// Secure is set when the request came over TLS.
	Secure bool
	// Time is when the handshake was received.
	Time time.Time

	header string // "Key:value\n" per header, canonical keys, in the order received
}

// Header returns the request headers with canonical keys, in a new map
// on every call.
func (r *Request) Header() http.Header {
	h := make(http.Header)
	for line := range strings.SplitSeq(r.header, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			h[k] = append(h[k], v)
		}
	}
	return h
}

// Query returns the URL's query parameters, including EIO and transport,
// in a new map on every call.
func (r *Request) Query() url.Values {
	q := make(url.Values)
	_, raw, _ := strings.Cut(r.URL, "?")
	args := fasthttp.AcquireArgs()
	defer fasthttp.ReleaseArgs(args)
	args.Parse(raw)
	for k, v := range args.All() {
		q.Add(string(k), string(v))
	}
	return q
}

// defaultProbeSettle is engine.io's interval for releasing polls during an
// upgrade with noops.
const defaultProbeSettle = 100 * time.Millisecond

// Server is an Engine.IO v4 server: long-polling over fasthttp and WebSocket
// (RFC 6455, read through epoll on Linux), on one port and one path.
type Server struct {
	cfg      Config
	handler  Handler
	log      *slog.Logger
	sessions *shardmap.Map[*Session]
	closing  atomic.Bool
	// closed is signalled whenever a session is removed, for Shutdown.
	closed chan struct{}
	// probeSettle is how long a polling request that arrives during an
	// answered probe waits for the upgrade (see Session.settleUpgrade).
	probeSettle time.Duration
	// flushers write the WebSocket sessions' queues; new sessions are
	// dealt to them in turn.
	flushers    []*flusher
	nextFlusher atomic.Uint32

	// acceptFailures counts accepts that failed with a temporary error
	// and were retried (see retryListener); refused counts connections
	// closed over the connection caps (limitListener).
	acceptFailures atomic.Uint64
	refused        atomic.Uint64

	mu   sync.Mutex
	http []*fasthttp.Server
}

// NewServer returns a server that reports to h. A nil cfg means defaults.
func NewServer(cfg *Config, h Handler) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("%w: nil Handler", ErrConfig)
	}
	s := &Server{cfg: cfg.withDefaults(), handler: h, sessions: shardmap.New[*Session](), closed: make(chan struct{}, 1),
		probeSettle: defaultProbeSettle, flushers: newFlushers()}
	s.log = s.cfg.Logger
	return s, nil
}

// flusher returns the flusher of a new session.
func (s *Server) flusher() *flusher {
	return s.flushers[int(s.nextFlusher.Add(1))%len(s.flushers)]
}

// Config returns the server's configuration with defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// AcceptFailures returns how many times accepting a connection failed
// with an error that passes (out of descriptors, a connection aborted
// before accept) and was retried.
func (s *Server) AcceptFailures() uint64 { return s.acceptFailures.Load() }

// RefusedConnections returns how many connections were closed at once
// because they were over Config.MaxConnections or MaxConnectionsPerIP.
func (s *Server) RefusedConnections() uint64 { return s.refused.Load() }

// Len returns the number of open sessions.
func (s *Server) Len() int { return s.sessions.Len() }

// Session returns the open session with the given id, or nil.
func (s *Server) Session(id string) *Session {
	ss, _ := s.sessions.Get(id)
	return ss
}

// Range calls fn for every session until fn returns false. Sessions opened
// or closed meanwhile may or may not be seen.
func (s *Server) Range(fn func(*Session) bool) {
	for _, ss := range s.sessions.AppendValues(nil) {
		if !fn(ss) {
			return
		}
	}
}

func (s *Server) add(ss *Session) { s.sessions.Set(ss.id, ss) }

func (s *Server) remove(ss *Session) {
	if s.sessions.Delete(ss.id) {
		select {
		case s.closed <- struct{}{}:
		default:
		}
	}
}

// Serve accepts connections on ln and serves Engine.IO on the configured
// path; other requests go to fallback (nil answers them 404). It returns
// ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener, fallback fasthttp.RequestHandler) error {
	if fallback == nil {
		fallback = func(ctx *fasthttp.RequestCtx) { ctx.Error("not found", fasthttp.StatusNotFound) }
	}
	hs := &fasthttp.Server{
		Handler:                       func(ctx *fasthttp.RequestCtx) { s.ServeHTTP(ctx, fallback) },
		ErrorHandler:                  s.httpError,
		Name:                          "wasmio",
		ReadBufferSize:                s.cfg.MaxHeaderBytes,
		MaxRequestBodySize:            s.cfg.MaxPayload,
		StreamRequestBody:             true,
		KeepHijackedConns:             true,
		CloseOnShutdown:               true,
		IdleTimeout:                   s.cfg.PingInterval + s.cfg.PingTimeout,
		ReadTimeout:                   s.cfg.ReadTimeout,
		NoDefaultServerHeader:         true,
		DisableHeaderNamesNormalizing: false,
		Logger:                        fasthttpLogger{s.log},
	}
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.http = append(s.http, hs)
	s.mu.Unlock()
	err := hs.Serve(s.limit(ln))
	if s.closing.Load() {
		return ErrServerClosed
	}
	return err
}

// Shutdown closes every session gracefully (queued packets are flushed
// first) and waits until they are gone or ctx is done; sessions still open
// then are closed abruptly. Handler.OnClose receives ReasonServerShutdown.
// While sessions drain, new handshakes are refused with 503 but existing
// polling sessions can still fetch their last packets (a polling client
// that does not poll within 2 seconds is dropped); then the listeners close.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	s.Range(func(ss *Session) bool {
		ss.closeGracefully(ReasonServerShutdown)
		return true
	})
	var err error
	for s.Len() > 0 && err == nil {
		select {
		case <-s.closed:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		s.Range(func(ss *Session) bool {
			ss.fail(ReasonServerShutdown)
			return true
		})
	}
	s.mu.Lock()
	servers := s.http
	s.mu.Unlock()
	for _, hs := range servers {
		if e := hs.ShutdownWithContext(ctx); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// limit wraps ln in the accept retries and the connection caps.
func (s *Server) limit(ln net.Listener) net.Listener {
	max := s.cfg.MaxConnections
	if max < 0 {
		max = 0
	}
	return &limitListener{
		Listener: &retryListener{Listener: ln, log: s.log, failures: &s.acceptFailures},
		log:      s.log, max: max, perIP: s.cfg.MaxConnectionsPerIP, refused: &s.refused, byIP: map[string]int{},
	}
}

// ServeHTTP answers one request: Engine.IO requests on the configured path,
// everything else through fallback. It is exported for servers that build
// their own fasthttp.Server; such a server must set KeepHijackedConns.
func (s *Server) ServeHTTP(ctx *fasthttp.RequestCtx, fallback fasthttp.RequestHandler) {
	path := ctx.Path()
	p := s.cfg.Path
	if string(path) != p && string(path) != p[:len(p)-1] {
		fallback(ctx)
		return
	}
	s.setCORS(ctx)
	if ctx.IsOptions() {
		s.preflight(ctx)
		return
	}
	q := ctx.QueryArgs()
	if string(q.Peek("EIO")) != "4" {
		s.reject(ctx, errUnsupportedProtocol)
		return
	}
	var ws bool
	switch string(q.Peek("transport")) {
	case "polling":
		if s.cfg.DisablePolling {
			s.reject(ctx, errTransportUnknown)
			return
		}
	case "websocket":
		if s.cfg.DisableWebSocket {
			s.reject(ctx, errTransportUnknown)
			return
		}
		ws = true
	default:
		s.reject(ctx, errTransportUnknown)
		return
	}
	if ws && !isUpgrade(ctx) {
		s.reject(ctx, errBadRequest)
		return
	}
	sid := q.Peek("sid")
	if len(sid) == 0 && s.closing.Load() {
		// Draining: existing sessions may still poll, new ones may not start.
		ctx.Error("shutting down", fasthttp.StatusServiceUnavailable)
		return
	}
	if len(sid) == 0 {
		if ws {
			s.upgrade(ctx, nil)
			return
		}
		if !ctx.IsGet() {
			s.reject(ctx, errBadHandshakeMethod)
			return
		}
		s.openPolling(ctx)
		return
	}
	ss := s.Session(string(sid))
	if ss == nil {
		s.reject(ctx, errUnknownSID)
		return
	}
	if ws {
		s.upgrade(ctx, ss)
		return
	}
	ss.servePolling(ctx)
}

// Protocol errors answered to HTTP requests, as the Engine.IO spec lists them.
type protocolError struct {
	status int
	body   string
}

func newProtocolError(status, code int, msg string) protocolError {
	return protocolError{status, fmt.Sprintf(`{"code":%d,"message":%q}`, code, msg)}
}

var (
	errTransportUnknown    = newProtocolError(400, 0, "Transport unknown")
	errUnknownSID          = newProtocolError(400, 1, "Session ID unknown")
	errBadHandshakeMethod  = newProtocolError(400, 2, "Bad handshake method")
	errBadRequest          = newProtocolError(400, 3, "Bad request")
	errForbidden           = newProtocolError(403, 4, "Forbidden")
	errUnsupportedProtocol = newProtocolError(400, 5, "Unsupported protocol version")
)

func (s *Server) reject(ctx *fasthttp.RequestCtx, e protocolError) {
	ctx.SetStatusCode(e.status)
	ctx.SetContentType("application/json")
	ctx.SetBodyString(e.body)
}

// httpError answers requests fasthttp could not read. An oversized polling
// POST closes its session, as the payload limit requires.
func (s *Server) httpError(ctx *fasthttp.RequestCtx, err error) {
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		if ss := s.Session(string(ctx.QueryArgs().Peek("sid"))); ss != nil {
			ss.fail(ReasonTransportError)
		}
		ctx.Error("payload too large", fasthttp.StatusRequestEntityTooLarge)
		return
	}
	var small *fasthttp.ErrSmallBuffer
	if errors.As(err, &small) {
		ctx.Error("request header too large", fasthttp.StatusRequestHeaderFieldsTooLarge)
		return
	}
	ctx.Error("bad request", fasthttp.StatusBadRequest)
}

func (s *Server) setCORS(ctx *fasthttp.RequestCtx) {
	c := &s.cfg.CORS
	if len(c.Origins) == 0 {
		return
	}
	origin := ctx.Request.Header.Peek("Origin")
	h := &ctx.Response.Header
	h.Add("Vary", "Origin")
	if len(origin) == 0 || !c.allowed(string(origin)) {
		return
	}
	if c.Credentials || len(c.Origins) > 1 || c.Origins[0] != "*" {
		h.SetBytesV("Access-Control-Allow-Origin", origin)
	} else {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

func (s *Server) preflight(ctx *fasthttp.RequestCtx) {
	h := &ctx.Response.Header
	if len(h.Peek("Access-Control-Allow-Origin")) > 0 {
		h.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
		if rh := ctx.Request.Header.Peek("Access-Control-Request-Headers"); len(rh) > 0 {
			h.SetBytesV("Access-Control-Allow-Headers", rh)
			h.Add("Vary", "Access-Control-Request-Headers")
		}
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// originAllowed applies the CORS origin list to a WebSocket handshake, which
// browsers do not subject to CORS: with a list configured, a browser page
// from another origin may not open a socket. Same-origin pages and clients
// that send no Origin are always allowed.
func (s *Server) originAllowed(ctx *fasthttp.RequestCtx) bool {
	origin := ctx.Request.Header.Peek("Origin")
	if len(s.cfg.CORS.Origins) == 0 || len(origin) == 0 || s.cfg.CORS.allowed(string(origin)) {
		return true
	}
	u, err := url.Parse(string(origin))
	return err == nil && u.Host == string(ctx.Host())
}

func isUpgrade(ctx *fasthttp.RequestCtx) bool {
	return ctx.IsGet() && bytes.EqualFold(ctx.Request.Header.Peek("Upgrade"), []byte("websocket"))
}

// newRequest copies what the upper layers may see of the handshake request.
func newRequest(ctx *fasthttp.RequestCtx) *Request {
	n := 0
	for k, v := range ctx.Request.Header.All() {
		n += len(k) + len(v) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for k, v := range ctx.Request.Header.All() {
		b.WriteString(http.CanonicalHeaderKey(string(k)))
		b.WriteByte(':')
		for _, c := range v {
			if c == '\n' || c == '\r' {
				c = ' ' // never a line of its own
			}
			b.WriteByte(c)
		}
		b.WriteByte('\n')
	}
	return &Request{
		RemoteAddr: ctx.RemoteAddr().String(),
		URL:        string(ctx.RequestURI()),
		Secure:     ctx.IsTLS(),
		Time:       time.Now(),
		header:     b.String(),
	}
}

// openPacket builds the handshake's open packet.
func (s *Server) openPacket(sid string, upgrades bool) *Message {
	up := "[]"
	if upgrades && !s.cfg.DisableWebSocket {
		up = `["websocket"]`
	}
	data := `{"sid":"` + sid + `","upgrades":` + up +
		`,"pingInterval":` + strconv.FormatInt(s.cfg.PingInterval.Milliseconds(), 10) +
		`,"pingTimeout":` + strconv.FormatInt(s.cfg.PingTimeout.Milliseconds(), 10) +
		`,"maxPayload":` + strconv.Itoa(s.cfg.MaxPayload) + `}`
	return newControl(PacketOpen, data)
}

// open registers a new session and runs OnOpen before the client can send
// anything, so the handler's per-session state exists for its first message.
func (s *Server) open(req *Request, ws *wsConn) *Session {
	ss := newSession(s, randid.New(), req)
	transport := "polling"
	if ws != nil {
		ws.sess = ss
		ss.ws = ws
		transport = "websocket"
	}
	ss.queue = append(ss.queue, s.openPacket(ss.id, ws == nil))
	s.add(ss)
	s.handler.OnOpen(ss)
	ss.mu.Lock()
	ss.schedule(s.cfg.PingInterval)
	ss.kickLocked()
	ss.mu.Unlock()
	s.log.Debug("engineio: session opened", "sid", ss.id, "transport", transport, "remote", req.RemoteAddr)
	return ss
}

// recoverPanic, deferred, logs a panic and stops it, then runs then (nil
// for nothing more).
func recoverPanic(log *slog.Logger, then func()) {
	if r := recover(); r != nil {
		log.Error("engineio: recovered from a panic in a handler", "panic", r)
		if then != nil {
			then()
		}
	}
}

type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Debug("engineio: fasthttp: " + fmt.Sprintf(format, args...))
}
