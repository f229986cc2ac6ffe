// Package servers holds the Go servers the benchmark compares wasmio with:
// wasmio's engine with the handlers as native Go hooks (native), a plain gws
// broadcast server (gws) and the calibration server (blast). The Node
// reference is bench/node/server.js; the driver starts every one of them as
// a process of its own.
package servers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/lxzan/gws"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/proto"
	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/host/auth"
	"github.com/wasmio/wasmio/socketio"
)

// The benchmark's handler logic, in every server: "join" joins the room
// named by the first argument and acks "ok"; "pub" emits "tick" with the
// publisher's arguments to room "bench" at namespace level; "echo" emits
// "echo" back to the sender; with a JWT secret, CONNECT requires a valid
// HS256 token (auth {token}) whose claims name a subject.

// newAuthenticator returns the JWT check wasmio runs for
// [namespace.auth.jwt], or nil without a secret.
func newAuthenticator(secret string) (*auth.Authenticator, error) {
	if secret == "" {
		return nil, nil
	}
	return auth.New(auth.Config{JWT: &auth.JWTConfig{Secret: secret}}, "")
}

// checkConnect authenticates a CONNECT's auth object and requires a "sub"
// claim, as the bench handlers' $connect does.
func checkConnect(a *auth.Authenticator, authJSON []byte, headers http.Header) error {
	res, err := a.Authenticate(auth.Request{Auth: authJSON, Headers: headers})
	if err != nil {
		return err
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(res.Claims, &claims) != nil || claims.Sub == "" {
		return errors.New("token has no subject")
	}
	return nil
}

// nativeHooks are the benchmark's handlers as native Go hooks on the
// engine: wasmio's stack without WebAssembly.
func nativeHooks(a *auth.Authenticator) socketio.Hooks {
	h := socketio.Hooks{
		Event: func(s *socketio.Socket, e *socketio.Event) {
			switch e.Name {
			case "pub":
				_, _ = s.Namespace().To("bench").Emit("tick", e.Args)
			case "echo":
				_ = s.Emit("echo", e.Args)
			case "join":
				var args []string
				room := "bench"
				if json.Unmarshal(e.Args, &args) == nil && len(args) > 0 && args[0] != "" {
					room = args[0]
				}
				s.Join(room)
				if e.Ack != nil {
					_ = e.Ack([]byte(`["ok"]`))
				}
			}
		},
	}
	if a != nil {
		h.Connect = func(s *socketio.Socket) error {
			if err := checkConnect(a, s.Handshake().Auth, s.Handshake().Headers()); err != nil {
				return &socketio.ConnectError{Message: err.Error()}
			}
			return nil
		}
	}
	return h
}

// NewNative returns wasmio's engine (engineio + socketio) serving
// the benchmark's handlers as native Go hooks on namespace "/".
func NewNative(jwtSecret string, log *slog.Logger) (*socketio.Server, error) {
	a, err := newAuthenticator(jwtSecret)
	if err != nil {
		return nil, err
	}
	srv, err := socketio.NewServer(&socketio.Config{Engine: engineio.Config{Logger: log}})
	if err != nil {
		return nil, err
	}
	if _, err := srv.Of("/", nativeHooks(a)); err != nil {
		return nil, err
	}
	return srv, nil
}

// ServeGWS serves a plain gws broadcast server on ln: no Socket.IO, no
// WebAssembly, our stack's floor. To talk to the same load generator it
// answers the few packets the load generator sends with canned bytes,
// recognized by prefix: "40" (with the JWT check when jwtSecret is set),
// a join ("42<id>[\"join\"" -> the room, ack), a publish ("42[\"pub\","
// -> the same bytes with "tick", written to every member with one
// gws.Broadcaster, which frames the message once) and an echo (written
// back as is). It sends no heartbeat.
func ServeGWS(ln net.Listener, jwtSecret string) error {
	a, err := newAuthenticator(jwtSecret)
	if err != nil {
		return err
	}
	h := &gwsRaw{auth: a, index: map[*gws.Conn]int{}}
	up := gws.NewUpgrader(h, &gws.ServerOption{
		ParallelEnabled:   false,
		ReadBufferSize:    1024,
		PermessageDeflate: gws.PermessageDeflate{Enabled: false},
	})
	return serveUpgrades(ln, up)
}

// serveUpgrades upgrades every connection accepted on ln with up and reads
// it until it closes.
func serveUpgrades(ln net.Listener, up *gws.Upgrader) error {
	return acceptLoop(ln, func(c net.Conn) {
		br := bufio.NewReaderSize(c, 1024)
		r, err := http.ReadRequest(br)
		if err != nil {
			_ = c.Close()
			return
		}
		ws, err := up.UpgradeFromConn(c, br, r)
		if err != nil {
			_ = c.Close()
			return
		}
		ws.ReadLoop()
	})
}

func acceptLoop(ln net.Listener, serve func(net.Conn)) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			time.Sleep(10 * time.Millisecond) // a timeout, EMFILE and the like
			continue
		}
		go serve(c)
	}
}

const gwsOpen = `0{"sid":"gws","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`

type gwsRaw struct {
	auth    *auth.Authenticator
	mu      sync.RWMutex
	members []*gws.Conn
	index   map[*gws.Conn]int
}

func (h *gwsRaw) OnOpen(c *gws.Conn)             { _ = c.WriteString(gwsOpen) }
func (h *gwsRaw) OnPing(c *gws.Conn, p []byte)   { _ = c.WritePong(p) }
func (h *gwsRaw) OnPong(c *gws.Conn, p []byte)   {}
func (h *gwsRaw) OnClose(c *gws.Conn, err error) { h.leave(c) }
func (h *gwsRaw) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	b := m.Bytes()
	switch {
	case bytes.HasPrefix(b, []byte(`42["pub",`)):
		out := make([]byte, 0, len(b)+1)
		out = append(out, `42["tick",`...)
		out = append(out, b[len(`42["pub",`):]...)
		bc := gws.NewBroadcaster(gws.OpcodeText, out)
		h.mu.RLock()
		for _, m := range h.members {
			_ = bc.Broadcast(m)
		}
		h.mu.RUnlock()
		_ = bc.Close()
	case bytes.HasPrefix(b, []byte(`42["echo",`)):
		_ = c.WriteMessage(gws.OpcodeText, b)
	case bytes.HasPrefix(b, []byte("42")):
		id, n := proto.ParseDigits(b[2:])
		if n > 0 && bytes.HasPrefix(b[2+n:], []byte(`["join"`)) {
			h.join(c)
			_ = c.WriteString("43" + strconv.FormatInt(id, 10) + `["ok"]`)
		}
	case bytes.HasPrefix(b, []byte("40")):
		if h.auth != nil {
			if err := checkConnect(h.auth, b[2:], nil); err != nil {
				msg, _ := json.Marshal(err.Error())
				_ = c.WriteString(`44{"message":` + string(msg) + `}`)
				return
			}
		}
		_ = c.WriteString(`40{"sid":"gws"}`)
	}
}

func (h *gwsRaw) join(c *gws.Conn) {
	h.mu.Lock()
	if _, ok := h.index[c]; !ok {
		h.index[c] = len(h.members)
		h.members = append(h.members, c)
	}
	h.mu.Unlock()
}

func (h *gwsRaw) leave(c *gws.Conn) {
	h.mu.Lock()
	if i, ok := h.index[c]; ok {
		last := len(h.members) - 1
		h.members[i] = h.members[last]
		h.index[h.members[i]] = i
		h.members[last] = nil
		h.members = h.members[:last]
		delete(h.index, c)
	}
	h.mu.Unlock()
}

// ServeBlast serves the calibration server on ln: a "trivially fast"
// server. It speaks the same canned subset as ServeGWS, and when the
// publisher sends 42["blast","<ms>:<k>"] it writes, for <ms> milliseconds,
// chunks of k prebuilt tick frames to every member in turn, straight to
// the sockets. Its cost per delivery is a share of one write of k frames,
// so the load generator is what limits the rate.
func ServeBlast(ln net.Listener) error {
	h := &blast{}
	h.gwsRaw.index = map[*gws.Conn]int{}
	up := gws.NewUpgrader(h, &gws.ServerOption{ParallelEnabled: false, ReadBufferSize: 1024})
	return serveUpgrades(ln, up)
}

type blast struct{ gwsRaw }

func (h *blast) OnMessage(c *gws.Conn, m *gws.Message) {
	b := m.Bytes()
	if !bytes.HasPrefix(b, []byte(`42["blast","`)) {
		h.gwsRaw.OnMessage(c, m)
		return
	}
	defer m.Close()
	ms, n := proto.ParseDigits(b[len(`42["blast","`):])
	k, _ := proto.ParseDigits(b[len(`42["blast","`)+n+1:])
	if k < 1 {
		k = 1
	}
	frame := proto.AppendServerFrame(nil, []byte(`42["tick","1000000000000:0"]`))
	chunk := bytes.Repeat(frame, int(k))
	h.mu.RLock()
	members := append([]*gws.Conn(nil), h.members...)
	h.mu.RUnlock()
	end := time.Now().Add(time.Duration(ms) * time.Millisecond)
	go func() {
		for time.Now().Before(end) {
			for _, m := range members {
				if _, err := m.NetConn().Write(chunk); err != nil {
					return
				}
			}
		}
	}()
}
