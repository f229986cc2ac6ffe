package engineio_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/engineio"
)

func TestHandshake(t *testing.T) {
	tests := []struct {
		name string
		cfg  *engineio.Config
		want openPacket
	}{
		{"defaults", nil, openPacket{Upgrades: []string{"websocket"}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}},
		{"custom", &engineio.Config{PingInterval: 1500 * time.Millisecond, PingTimeout: 2500 * time.Millisecond, MaxPayload: 12345},
			openPacket{Upgrades: []string{"websocket"}, PingInterval: 1500, PingTimeout: 2500, MaxPayload: 12345}},
		{"websocket disabled", &engineio.Config{DisableWebSocket: true},
			openPacket{Upgrades: []string{}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.cfg)
			r := ts.mustDo(t, http.MethodGet, "?EIO=4&transport=polling&foo=bar&foo=baz&sp=a+b%21", "",
				http.Header{"X-Test": {"yes"}, "X-Multi": {"a: 1", "b"}, "x-lower": {""}})
			if r.status != http.StatusOK {
				t.Fatalf("status %d %q", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
				t.Errorf("Content-Type %q", ct)
			}
			o := parseOpen(t, r.body)
			sid := o.Sid
			o.Sid = ""
			if !slices.Equal(o.Upgrades, tt.want.Upgrades) || o.PingInterval != tt.want.PingInterval ||
				o.PingTimeout != tt.want.PingTimeout || o.MaxPayload != tt.want.MaxPayload {
				t.Fatalf("open packet %+v, want %+v", o, tt.want)
			}
			if !strings.HasPrefix(r.body, `0{"sid":"`+sid+`","upgrades":[`) {
				t.Errorf("open packet %q", r.body)
			}
			// The session exists, with the handshake request attached.
			if ids := ts.rec.openedIDs(); len(ids) != 1 || ids[0] != sid {
				t.Fatalf("OnOpen for %v, want [%s]", ids, sid)
			}
			s := ts.session(t, sid)
			if s.ID() != sid || s.Transport() != "polling" || !s.Open() || ts.srv.Len() != 1 {
				t.Fatalf("session %s transport %s open %v, %d sessions", s.ID(), s.Transport(), s.Open(), ts.srv.Len())
			}
			req := s.Request()
			q, h := req.Query(), req.Header()
			if q.Get("EIO") != "4" || !slices.Equal(q["foo"], []string{"bar", "baz"}) || q.Get("sp") != "a b!" ||
				h.Get("X-Test") != "yes" || !slices.Equal(h["X-Multi"], []string{"a: 1", "b"}) || len(h["X-Lower"]) != 1 ||
				!strings.HasPrefix(req.RemoteAddr, "127.0.0.1:") || !strings.Contains(req.URL, "foo=bar") || req.Secure {
				t.Errorf("request %+v: query %v, headers %v", req, q, h)
			}
			// Each call returns a map of its own.
			h.Set("X-Test", "changed")
			if req.Header().Get("X-Test") != "yes" {
				t.Error("a change to Header's map reached the request")
			}
			// The path without its trailing slash works too, and ids differ.
			r = ts.mustDo(t, http.MethodGet, strings.TrimSuffix(ts.path, "/")+"?EIO=4&transport=polling", "", nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d %q", r.status, r.body)
			}
			if o2 := parseOpen(t, r.body); o2.Sid == sid {
				t.Fatal("two handshakes got the same sid")
			}
		})
	}
}

func TestProtocolErrors(t *testing.T) {
	const (
		transportUnknown = `{"code":0,"message":"Transport unknown"}`
		sidUnknown       = `{"code":1,"message":"Session ID unknown"}`
		badMethod        = `{"code":2,"message":"Bad handshake method"}`
		badRequest       = `{"code":3,"message":"Bad request"}`
		badVersion       = `{"code":5,"message":"Unsupported protocol version"}`
	)
	tests := []struct {
		name           string
		cfg            *engineio.Config
		method, target string
		body           string
		status         int
		want           string // exact body; "" means not checked
	}{
		{name: "unknown sid", method: "GET", target: "?EIO=4&transport=polling&sid=nope", status: 400, want: sidUnknown},
		{name: "unknown sid on POST", method: "POST", target: "?EIO=4&transport=polling&sid=nope", body: "4x", status: 400, want: sidUnknown},
		{name: "unknown sid on websocket", method: "WS", target: "EIO=4&transport=websocket&sid=nope", status: 400, want: sidUnknown},
		{name: "unknown transport", method: "GET", target: "?EIO=4&transport=foo", status: 400, want: transportUnknown},
		{name: "no transport", method: "GET", target: "?EIO=4", status: 400, want: transportUnknown},
		{name: "EIO 3", method: "GET", target: "?EIO=3&transport=polling", status: 400, want: badVersion},
		{name: "EIO 5", method: "GET", target: "?EIO=5&transport=polling", status: 400, want: badVersion},
		{name: "no EIO", method: "GET", target: "?transport=polling", status: 400, want: badVersion},
		{name: "POST handshake", method: "POST", target: "?EIO=4&transport=polling", body: "4x", status: 400, want: badMethod},
		{name: "PUT handshake", method: "PUT", target: "?EIO=4&transport=polling", body: "4x", status: 400, want: badMethod},
		{name: "websocket without Upgrade", method: "GET", target: "?EIO=4&transport=websocket", status: 400, want: badRequest},
		{name: "websocket POST", method: "POST", target: "?EIO=4&transport=websocket", body: "x", status: 400, want: badRequest},
		{name: "polling disabled", cfg: &engineio.Config{DisablePolling: true}, method: "GET", target: "?EIO=4&transport=polling", status: 400, want: transportUnknown},
		{name: "websocket disabled", cfg: &engineio.Config{DisableWebSocket: true}, method: "WS", target: "EIO=4&transport=websocket", status: 400, want: transportUnknown},
		{name: "other path", method: "GET", target: "/other?EIO=4&transport=polling", status: 404},
		{name: "root", method: "GET", target: "/", status: 404},
		{name: "below the path", method: "GET", target: "/socket.io/x?EIO=4&transport=polling", status: 404},
		{name: "path prefix", method: "GET", target: "/socket.i?EIO=4&transport=polling", status: 404},
		{name: "custom path", cfg: &engineio.Config{Path: "/engine"}, method: "GET", target: "/engine/?EIO=4&transport=polling", status: 200},
		{name: "custom path without slash", cfg: &engineio.Config{Path: "/engine"}, method: "GET", target: "/engine?EIO=4&transport=polling", status: 200},
		{name: "default path with a custom one", cfg: &engineio.Config{Path: "/engine/"}, method: "GET", target: "/socket.io/?EIO=4&transport=polling", status: 404},
		{name: "custom path errors", cfg: &engineio.Config{Path: "/engine"}, method: "GET", target: "/engine/?EIO=4&transport=polling&sid=x", status: 400, want: sidUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.cfg)
			var r response
			if tt.method == "WS" {
				r.status, r.body = ts.rawUpgrade(t, tt.target, nil)
			} else {
				r = ts.mustDo(t, tt.method, tt.target, tt.body, nil)
			}
			if r.status != tt.status {
				t.Fatalf("status %d %q, want %d", r.status, r.body, tt.status)
			}
			if tt.want != "" {
				if r.body != tt.want {
					t.Fatalf("body %q, want %q", r.body, tt.want)
				}
				if ct := r.header.Get("Content-Type"); tt.method != "WS" && ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
			}
			if tt.status == 200 {
				parseOpen(t, r.body)
			} else if n := ts.srv.Len(); n != 0 {
				t.Fatalf("a rejected request left %d sessions", n)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	listed := engineio.CORS{Origins: []string{"https://a.example"}, Credentials: true}
	tests := []struct {
		name      string
		cors      engineio.CORS
		method    string
		target    string
		origin    string
		reqHeader string // Access-Control-Request-Headers
		status    int
		allow     string // expected Access-Control-Allow-Origin
		creds     bool
		preflight bool // expect Allow-Methods (and Allow-Headers when reqHeader is set)
	}{
		{name: "allowed origin", cors: listed, method: "GET", target: "?EIO=4&transport=polling", origin: "https://a.example", status: 200, allow: "https://a.example", creds: true},
		{name: "disallowed origin", cors: listed, method: "GET", target: "?EIO=4&transport=polling", origin: "https://b.example", status: 200},
		{name: "no origin", cors: listed, method: "GET", target: "?EIO=4&transport=polling", status: 200},
		{name: "allowed origin on an error", cors: listed, method: "GET", target: "?EIO=4&transport=polling&sid=x", origin: "https://a.example", status: 400, allow: "https://a.example", creds: true},
		{name: "preflight", cors: listed, method: "OPTIONS", target: "?EIO=4&transport=polling", origin: "https://a.example", reqHeader: "content-type, x-custom", status: 204, allow: "https://a.example", creds: true, preflight: true},
		{name: "preflight without request headers", cors: listed, method: "OPTIONS", target: "", origin: "https://a.example", status: 204, allow: "https://a.example", creds: true, preflight: true},
		{name: "preflight from a disallowed origin", cors: listed, method: "OPTIONS", target: "?EIO=4&transport=polling", origin: "https://b.example", reqHeader: "content-type", status: 204},
		{name: "wildcard", cors: engineio.CORS{Origins: []string{"*"}}, method: "GET", target: "?EIO=4&transport=polling", origin: "https://z.example", status: 200, allow: "*"},
		{name: "wildcard with credentials", cors: engineio.CORS{Origins: []string{"*"}, Credentials: true}, method: "GET", target: "?EIO=4&transport=polling", origin: "https://z.example", status: 200, allow: "https://z.example", creds: true},
		{name: "wildcard preflight", cors: engineio.CORS{Origins: []string{"*"}}, method: "OPTIONS", target: "", origin: "https://z.example", reqHeader: "x-a", status: 204, allow: "*", preflight: true},
		{name: "several origins", cors: engineio.CORS{Origins: []string{"https://a.example", "https://c.example"}}, method: "GET", target: "?EIO=4&transport=polling", origin: "https://c.example", status: 200, allow: "https://c.example"},
		{name: "no policy", method: "GET", target: "?EIO=4&transport=polling", origin: "https://a.example", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &engineio.Config{CORS: tt.cors})
			hdr := http.Header{}
			if tt.origin != "" {
				hdr.Set("Origin", tt.origin)
			}
			if tt.reqHeader != "" {
				hdr.Set("Access-Control-Request-Method", "POST")
				hdr.Set("Access-Control-Request-Headers", tt.reqHeader)
			}
			r := ts.mustDo(t, tt.method, tt.target, "", hdr)
			if r.status != tt.status {
				t.Fatalf("status %d %q, want %d", r.status, r.body, tt.status)
			}
			h := r.header
			if got := h.Get("Access-Control-Allow-Origin"); got != tt.allow {
				t.Errorf("Allow-Origin %q, want %q", got, tt.allow)
			}
			if got := h.Get("Access-Control-Allow-Credentials"); (got == "true") != tt.creds || (got != "" && got != "true") {
				t.Errorf("Allow-Credentials %q", got)
			}
			if len(tt.cors.Origins) > 0 && !slices.Contains(h.Values("Vary"), "Origin") {
				t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
			}
			methods, headers := h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Allow-Headers")
			if !tt.preflight {
				if methods != "" || headers != "" {
					t.Errorf("Allow-Methods %q, Allow-Headers %q on a non-preflight answer", methods, headers)
				}
				return
			}
			if methods != "GET,HEAD,PUT,PATCH,POST,DELETE" {
				t.Errorf("Allow-Methods %q", methods)
			}
			if headers != tt.reqHeader {
				t.Errorf("Allow-Headers %q, want %q", headers, tt.reqHeader)
			}
		})
	}
}

func TestNewServerConfig(t *testing.T) {
	bad := []struct {
		cfg   engineio.Config
		field string
	}{
		{engineio.Config{Path: "socket.io"}, "Path"},
		{engineio.Config{PingInterval: -1}, "PingInterval"},
		{engineio.Config{PingTimeout: -1}, "PingTimeout"},
		{engineio.Config{UpgradeTimeout: -1}, "UpgradeTimeout"},
		{engineio.Config{WriteTimeout: -1}, "WriteTimeout"},
		{engineio.Config{MaxPayload: -1}, "MaxPayload"},
		{engineio.Config{MaxBufferedBytes: -1}, "MaxBufferedBytes"},
		{engineio.Config{MaxHeaderBytes: -1}, "MaxHeaderBytes"},
		{engineio.Config{DisablePolling: true, DisableWebSocket: true}, "DisableWebSocket"},
		{engineio.Config{CORS: engineio.CORS{Origins: []string{"a.example"}}}, "CORS.Origins"},
	}
	for _, tt := range bad {
		_, err := engineio.NewServer(&tt.cfg, newRecorder())
		if !errors.Is(err, engineio.ErrConfig) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%+v: %v, want ErrConfig naming %s", tt.cfg, err, tt.field)
		}
	}
	if _, err := engineio.NewServer(nil, nil); !errors.Is(err, engineio.ErrConfig) {
		t.Errorf("nil handler: %v", err)
	}
	srv, err := engineio.NewServer(nil, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Config()
	if c.Path != "/socket.io/" || c.PingInterval != 25*time.Second || c.PingTimeout != 20*time.Second ||
		c.UpgradeTimeout != 10*time.Second || c.MaxPayload != 1_000_000 || c.MaxBufferedBytes != 4<<20 ||
		c.WriteTimeout != 10*time.Second || c.MaxHeaderBytes != 16<<10 || c.Logger == nil {
		t.Errorf("defaults %+v", c)
	}
	srv, err = engineio.NewServer(&engineio.Config{Path: "/eio"}, newRecorder())
	if err != nil || srv.Config().Path != "/eio/" {
		t.Errorf("path %q, %v", srv.Config().Path, err)
	}
	// Serve after Shutdown refuses to start.
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := srv.Serve(ln, nil); !errors.Is(err, engineio.ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}
