package api_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/wasmio/wasmio/host"
	"github.com/wasmio/wasmio/host/api"
	"github.com/wasmio/wasmio/host/auth"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/internal/testing/wat"
	"github.com/wasmio/wasmio/internal/units"
)

const (
	tokensEnv = "WASMIO_TEST_API_TOKENS"
	token     = "s3cret-token"
	jwtSecret = "0123456789abcdef0123456789abcdef"
)

// echoModule writes the sandbox's echo handler into dir: it joins "all"
// and emits "echo" back on every event, $connect included.
func echoModule(t *testing.T, dir string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "echo.wasm"), wat.Build(t, "../sandbox/testdata/echo.wat"), 0o644); err != nil {
		t.Fatal(err)
	}
	return "echo.wasm"
}

// startHost serves "/" and "/chat" (JWT auth) with the echo handler, its
// API behind the bearer token unless open.
func startHost(t *testing.T, admin config.Admin, opts *host.Options) *hosttest.Running {
	t.Helper()
	dir := t.TempDir()
	m := echoModule(t, dir)
	cfg := &config.Config{Admin: admin, Namespaces: []config.Namespace{
		{Path: "/", Module: m},
		{Path: "/chat", Module: m, Auth: &auth.Config{JWT: &auth.JWTConfig{Secret: jwtSecret}}},
	}}
	return hosttest.Start(t, cfg, dir, opts)
}

// jwtFor signs an HS256 token for sub.
func jwtFor(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	in := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"`+sub+`"}`))
	mac := hmac.New(sha256.New, []byte(jwtSecret))
	mac.Write([]byte(in))
	return in + "." + enc(mac.Sum(nil))
}

// call sends one request to the API and returns its status and body; a
// non-empty body must be JSON.
func call(t *testing.T, method, url, tok string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && !json.Valid(b) {
		t.Fatalf("%s %s: %d with a body that is not JSON: %q", method, url, resp.StatusCode, b)
	}
	return resp.StatusCode, b
}

// get calls GET with the token, wants 200 and decodes the answer into v.
func get(t *testing.T, url string, v any) {
	t.Helper()
	status, b := call(t, "GET", url, token, nil)
	if status != 200 {
		t.Fatalf("GET %s: %d %s", url, status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// world is a host with three clients: alice (websocket) and bob (polling)
// on /chat, both in "chat:room1", and anon on "/"; every socket is in "all".
type world struct {
	r                *hosttest.Running
	api              string
	alice, bob, anon *nodetest.Client
	ids              map[*nodetest.Client]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	t.Setenv(tokensEnv, "other-token,"+token)
	r := startHost(t, config.Admin{TokensEnv: tokensEnv}, nil)
	d := nodetest.Start(t)
	w := &world{r: r, api: r.URL + api.Prefix, ids: map[*nodetest.Client]string{}}
	connect := func(ns, sub string, transport string) *nodetest.Client {
		opts := map[string]any{"transports": []string{transport}}
		if sub != "" {
			opts["auth"] = map[string]any{"token": jwtFor(sub)}
		}
		c := d.Connect(r.URL+ns, opts)
		w.ids[c] = c.Connected().Sid
		c.Event("echo") // $connect ran: the socket is in "all"
		return c
	}
	w.alice = connect("/chat", "alice", "websocket")
	w.bob = connect("/chat", "bob", "polling")
	w.anon = connect("/", "", "websocket")
	chat := r.Host.Server().Namespace("/chat")
	for _, c := range []*nodetest.Client{w.alice, w.bob} {
		chat.Socket(w.ids[c]).Join("chat:room1")
	}
	return w
}

// quiet fails the test if any client received an event since the last
// check: it syncs with the clients through an ack round trip first.
func (w *world) quiet(t *testing.T, what string) {
	t.Helper()
	for _, c := range []*nodetest.Client{w.alice, w.bob, w.anon} {
		c.EmitAck("ping") // echo answers: events sent before it have arrived
		for _, m := range c.Events() {
			if m.Name != "echo" {
				t.Errorf("%s: a client received %v", what, m)
			}
		}
	}
}

func TestReads(t *testing.T) {
	w := newWorld(t)
	var chs struct{ Channels []api.Channel }
	get(t, w.api+"/channels", &chs)
	want := []api.Channel{{Namespace: "/", Channel: "all", Members: 1}, {Namespace: "/chat", Channel: "all", Members: 2}, {Namespace: "/chat", Channel: "chat:room1", Members: 2}}
	if !equalJSON(chs.Channels, want) {
		t.Errorf("channels %+v, want %+v", chs.Channels, want)
	}
	get(t, w.api+"/channels?namespace=/", &chs)
	if !equalJSON(chs.Channels, want[:1]) {
		t.Errorf("channels of / %+v, want %+v", chs.Channels, want[:1])
	}

	var ms struct {
		Channel string
		Members []api.Member
	}
	get(t, w.api+"/channels/chat:room1/members", &ms)
	if ms.Channel != "chat:room1" || len(ms.Members) != 2 {
		t.Fatalf("members %+v", ms)
	}
	users := map[string]api.Member{}
	for _, m := range ms.Members {
		users[m.User] = m
		if m.Namespace != "/chat" || m.Address != "127.0.0.1" || time.Since(m.ConnectedAt) > time.Minute || m.ConnectedAt.After(time.Now()) {
			t.Errorf("member %+v", m)
		}
	}
	if a, b := users["alice"], users["bob"]; a.ID != w.ids[w.alice] || a.Transport != "websocket" || b.ID != w.ids[w.bob] || b.Transport != "polling" {
		t.Errorf("members %+v", ms.Members)
	}
	// Percent-encoded names, and a namespace filter.
	get(t, w.api+"/channels/chat%3Aroom1/members?namespace=/chat", &ms)
	if len(ms.Members) != 2 {
		t.Errorf("escaped channel: %+v", ms)
	}

	var conns api.Connections
	get(t, w.api+"/connections", &conns)
	if conns.Total != 3 || conns.Namespaces["/chat"] != 2 || conns.Namespaces["/"] != 1 {
		t.Errorf("connections %+v", conns)
	}

	var m api.Member
	get(t, w.api+"/connections/"+w.ids[w.alice], &m)
	if m.ID != w.ids[w.alice] || m.User != "alice" || m.Namespace != "/chat" || !equalJSON(m.Channels, []string{"all", "chat:room1"}) {
		t.Errorf("connection %+v", m)
	}
	m = api.Member{}
	get(t, w.api+"/connections/"+w.ids[w.anon], &m)
	if m.User != "" || m.Namespace != "/" {
		t.Errorf("anonymous connection %+v", m)
	}
	w.quiet(t, "reads")
}

func TestBroadcast(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name, body string
		delivered  int
		event      string
		args       string
		receivers  []*nodetest.Client
	}{
		{"default event", `{"channel":"chat:room1","data":{"text":"hi"}}`, 2, "event", `[{"text":"hi"}]`, []*nodetest.Client{w.alice, w.bob}},
		{"named event", `{"channel":"chat:room1","event":"message","data":"x"}`, 2, "message", `["x"]`, []*nodetest.Client{w.alice, w.bob}},
		{"no data", `{"channel":"all","event":"tick"}`, 3, "tick", `[]`, []*nodetest.Client{w.alice, w.bob, w.anon}},
		{"namespace", `{"namespace":"/","channel":"all","data":1}`, 1, "event", `[1]`, []*nodetest.Client{w.anon}},
		{"except a socket", `{"channels":["chat:room1"],"except":"` + w.ids[w.bob] + `","data":null}`, 1, "event", `[null]`, []*nodetest.Client{w.alice}},
		{"except a channel", `{"channels":["all"],"except":["chat:room1"],"data":[1,2]}`, 1, "event", `[[1,2]]`, []*nodetest.Client{w.anon}},
		{"empty channel", `{"channel":"nobody","data":1}`, 0, "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, b := call(t, "POST", w.api+"/broadcast", token, []byte(tc.body))
			var got struct{ Delivered int }
			if err := json.Unmarshal(b, &got); status != 200 || err != nil || got.Delivered != tc.delivered {
				t.Fatalf("%d %s, want 200 delivered %d", status, b, tc.delivered)
			}
			for _, c := range tc.receivers {
				nodetest.JSONEq(t, c.Event(tc.event).Args, tc.args)
			}
			w.quiet(t, tc.name)
		})
	}
}

func TestConnection(t *testing.T) {
	w := newWorld(t)
	url := w.api + "/connections/" + w.ids[w.bob]
	status, b := call(t, "POST", url, token, []byte(`{"event":"notification","data":{"text":"new"}}`))
	if status != 200 {
		t.Fatalf("POST: %d %s", status, b)
	}
	nodetest.JSONEq(t, w.bob.Event("notification").Args, `[{"text":"new"}]`)
	if status, b = call(t, "POST", url, token, []byte(`{"data":7}`)); status != 200 {
		t.Fatalf("POST: %d %s", status, b)
	}
	nodetest.JSONEq(t, w.bob.Event("event").Args, `[7]`)
	w.quiet(t, "emit")

	if status, b = call(t, "DELETE", url, token, nil); status != 204 || len(b) != 0 {
		t.Fatalf("DELETE: %d %s", status, b)
	}
	if m := w.bob.Wait("disconnect", nil); m.Reason != "io server disconnect" {
		t.Errorf("bob's disconnect: %v", m)
	}
	// Gone now, for every method; nothing else changed.
	for _, method := range []string{"GET", "POST", "DELETE"} {
		status, b := call(t, method, url, token, []byte(`{"data":1}`))
		if status != 410 || !strings.Contains(string(b), `"code":"gone"`) {
			t.Errorf("%s after DELETE: %d %s", method, status, b)
		}
	}
	var conns api.Connections
	get(t, w.api+"/connections", &conns)
	if conns.Total != 2 {
		t.Errorf("connections after DELETE: %+v", conns)
	}
}

// TestBadRequests sends bad requests of every kind: each gets its 4xx
// with a JSON code, and none changes anything.
func TestBadRequests(t *testing.T) {
	w := newWorld(t)
	alice := w.api + "/connections/" + w.ids[w.alice]
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"no token", "GET", "/channels", "", "", 401, "missing_token"},
		{"wrong token", "POST", "/broadcast", "wrong", `{"channel":"all","data":1}`, 401, "invalid_token"},
		{"token prefix", "GET", "/connections", token[:4], "", 401, "invalid_token"},
		{"no token to delete", "DELETE", alice, "", "", 401, "missing_token"},
		{"not JSON", "POST", "/broadcast", token, `{"channel":`, 400, "invalid_json"},
		{"empty body", "POST", "/broadcast", token, ``, 400, "invalid_request"},
		{"array body", "POST", "/broadcast", token, `[1]`, 400, "invalid_json"},
		{"two values", "POST", "/broadcast", token, `{"channel":"all"} {}`, 400, "invalid_json"},
		{"unknown field", "POST", "/broadcast", token, `{"chanel":"all","data":1}`, 400, "invalid_json"},
		{"channel not a string", "POST", "/broadcast", token, `{"channel":5}`, 400, "invalid_json"},
		{"no channel", "POST", "/broadcast", token, `{"data":1}`, 400, "invalid_request"},
		{"channel and channels", "POST", "/broadcast", token, `{"channel":"all","channels":["all"]}`, 400, "invalid_request"},
		{"empty channel name", "POST", "/broadcast", token, `{"channels":["all",""]}`, 400, "invalid_request"},
		{"empty event", "POST", "/broadcast", token, `{"channel":"all","event":""}`, 400, "invalid_request"},
		{"reserved event", "POST", "/broadcast", token, `{"channel":"all","event":"disconnect"}`, 400, "invalid_request"},
		{"bad namespace", "POST", "/broadcast", token, `{"namespace":"chat","channel":"all"}`, 400, "invalid_request"},
		{"unknown namespace", "POST", "/broadcast", token, `{"namespace":"/nope","channel":"all"}`, 404, "unknown_namespace"},
		{"unknown namespace query", "GET", "/channels?namespace=/nope", token, "", 404, "unknown_namespace"},
		{"unknown channel", "GET", "/channels/nobody/members", token, "", 404, "unknown_channel"},
		{"a socket's own room", "GET", "/channels/" + w.ids[w.anon] + "/members", token, "", 404, "unknown_channel"},
		{"unknown id", "GET", "/connections/nobody", token, "", 410, "gone"},
		{"emit to unknown id", "POST", "/connections/nobody", token, `{"data":1}`, 410, "gone"},
		{"emit reserved", "POST", alice, token, `{"event":"connect"}`, 400, "invalid_request"},
		{"emit bad JSON", "POST", alice, token, `{"data":}`, 400, "invalid_json"},
		{"wrong method", "PUT", "/broadcast", token, `{}`, 405, "method_not_allowed"},
		{"unknown route", "GET", "/nothing", token, "", 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.path
			if !strings.HasPrefix(url, "http") {
				url = w.api + url
			}
			status, b := call(t, tc.method, url, tc.token, []byte(tc.body))
			var e api.Error
			if err := json.Unmarshal(b, &e); status != tc.status || err != nil || e.Code != tc.code || e.Message == "" {
				t.Fatalf("%d %s, want %d with code %s and a message", status, b, tc.status, tc.code)
			}
		})
	}
	w.quiet(t, "bad requests")
	var conns api.Connections
	get(t, w.api+"/connections", &conns)
	if conns.Total != 3 {
		t.Errorf("connections after the bad requests: %+v", conns)
	}
}

// TestBodyLimit sends bodies over [admin] max_body, buffered (under the
// engine's max_payload) and streamed (over it): both get 413.
func TestBodyLimit(t *testing.T) {
	r := startHost(t, config.Admin{MaxBody: units.ByteSize(1 << 10)}, nil)
	d := nodetest.Start(t)
	c := d.Connect(r.URL, nil)
	c.Connected()
	c.Event("echo")
	for _, size := range []int{2 << 10, 2 << 20} {
		body := []byte(`{"channel":"all","data":"` + strings.Repeat("x", size) + `"}`)
		status, b := call(t, "POST", r.URL+api.Prefix+"/broadcast", "", body)
		if status != 413 || !strings.Contains(string(b), `"code":"body_too_large"`) {
			t.Errorf("%d bytes: %d %s", len(body), status, b)
		}
	}
	// Under the limit it goes through.
	if status, b := call(t, "POST", r.URL+api.Prefix+"/broadcast", "", []byte(`{"channel":"all","data":"small"}`)); status != 200 {
		t.Fatalf("small body: %d %s", status, b)
	}
	nodetest.JSONEq(t, c.Event("event").Args, `["small"]`)
}

// TestOpenWithoutTokens checks the API without a configured token:
// loopback clients are answered, others refused, and the user is the auth
// field user_field names.
func TestOpenWithoutTokens(t *testing.T) {
	r := startHost(t, config.Admin{UserField: "userId"}, nil)
	if r.Host.API().Protected() {
		t.Fatal("Protected without tokens")
	}
	d := nodetest.Start(t)
	c := d.Connect(r.URL, map[string]any{"auth": map[string]any{"userId": 42}})
	sid := c.Connected().Sid
	c.Event("echo")
	var m api.Member
	status, b := call(t, "GET", r.URL+api.Prefix+"/connections/"+sid, "", nil)
	if err := json.Unmarshal(b, &m); status != 200 || err != nil || m.User != "42" {
		t.Fatalf("loopback: %d %s", status, b)
	}
	// The same request from another address, through the host's handler.
	for _, addr := range []string{"192.0.2.1:5000", "[2001:db8::1]:5000"} {
		status, body := serveFrom(t, r.Host, addr, "GET", api.Prefix+"/connections")
		if status != 403 || !strings.Contains(body, `"code":"loopback_only"`) {
			t.Errorf("from %s: %d %s", addr, status, body)
		}
		if status, _ := serveFrom(t, r.Host, addr, "GET", "/healthz"); status != 200 {
			t.Errorf("healthz from %s: %d", addr, status)
		}
	}
}

// serveFrom answers a request from addr with h's HTTP handler, which no
// test can reach over the network from a non-loopback address.
func serveFrom(t *testing.T, h *host.Host, addr, method, path string) (int, string) {
	t.Helper()
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(path)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, tcp, nil)
	h.API().Handler(nil)(&ctx)
	return ctx.Response.StatusCode(), string(ctx.Response.Body())
}

func TestHealth(t *testing.T) {
	fallback := func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("fallback") }
	r := startHost(t, config.Admin{}, &host.Options{Fallback: fallback})
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, b := call(t, "GET", r.URL+path, "", nil); status != 200 {
			t.Errorf("%s: %d %s", path, status, b)
		}
	}
	// Other paths reach the host's fallback.
	resp, err := http.Get(r.URL + "/index.html")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "fallback" {
		t.Errorf("fallback: %d %q", resp.StatusCode, b)
	}
	r.Stop()
	if r.Host.Ready() == nil {
		t.Error("ready after Shutdown")
	}
	if status, body := serveFrom(t, r.Host, "127.0.0.1:1", "GET", "/readyz"); status != 503 || !strings.Contains(body, `"code":"not_ready"`) {
		t.Errorf("readyz after Shutdown: %d %s", status, body)
	}
	if status, _ := serveFrom(t, r.Host, "127.0.0.1:1", "GET", "/healthz"); status != 200 {
		t.Errorf("healthz after Shutdown: %d", status)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
