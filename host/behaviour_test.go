package host_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/auth"
	"github.com/wasmio/wasmio/host/config"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/hosttest"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/kv"
)

const probeSrc = "../guest-sdk/go/testdata/probe"

const jwtSecret = "0123456789abcdef0123456789abcdef-secret"

// jwtHS256 signs claims with jwtSecret (or with alg "none" when alg says so).
func jwtHS256(t *testing.T, alg string, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	signing := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	if alg == "none" {
		return signing + "."
	}
	mac := hmac.New(sha256.New, []byte(jwtSecret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func TestAuthTable(t *testing.T) {
	t.Setenv("PROBE_KEYS", "k1,k2")
	dir := t.TempDir()
	mod := hosttest.Module(t, dir, "probe.wasm", guestbuild.Go, probeSrc)
	apiKey := &auth.APIKeyConfig{KeysEnv: "PROBE_KEYS"}
	jwt := &auth.JWTConfig{Secret: jwtSecret, Issuer: "wasmio-test"}
	r := start(t, &config.Config{Namespaces: []config.Namespace{
		{Path: "/any", Module: mod, Auth: &auth.Config{Mode: "any", APIKey: apiKey, JWT: jwt}},
		{Path: "/all", Module: mod, Auth: &auth.Config{Mode: "all", APIKey: apiKey, JWT: jwt}},
		{Path: "/open", Module: mod},
	}}, dir)
	d := nodetest.Start(t)
	now := time.Now().Unix()
	valid := jwtHS256(t, "HS256", map[string]any{"sub": "ada", "iss": "wasmio-test", "exp": now + 600})
	expired := jwtHS256(t, "HS256", map[string]any{"sub": "ada", "iss": "wasmio-test", "exp": now - 600})
	none := jwtHS256(t, "none", map[string]any{"sub": "ada", "iss": "wasmio-test", "exp": now + 600})
	accepted := map[string]int{}
	claims := `{"exp":` + fmt.Sprint(now+600) + `,"iss":"wasmio-test","sub":"ada"}`
	for _, tc := range []struct {
		name, nsp string
		auth      map[string]any
		headers   map[string]string
		err       string // the start of the connect_error message; "" means connected
		claims    string // the claims handlers see
	}{
		{"right key", "/any", map[string]any{"apiKey": "k2"}, nil, "", "null"},
		{"right key in a header", "/any", nil, map[string]string{"X-API-Key": "k1"}, "", "null"},
		{"wrong key", "/any", map[string]any{"apiKey": "nope"}, nil, "unauthorized: invalid API key", ""},
		{"no credentials", "/any", nil, nil, "unauthorized: no credentials", ""},
		{"valid JWT", "/any", map[string]any{"token": valid}, nil, "", claims},
		{"valid JWT as bearer", "/any", nil, map[string]string{"Authorization": "Bearer " + valid}, "", claims},
		{"expired JWT", "/any", map[string]any{"token": expired}, nil, "unauthorized: token expired", ""},
		{"alg none", "/any", map[string]any{"token": none}, nil, "unauthorized:", ""},
		{"all: key only", "/all", map[string]any{"apiKey": "k1"}, nil, "unauthorized: missing token", ""},
		{"all: key and JWT", "/all", map[string]any{"apiKey": "k1", "token": valid}, nil, "", claims},
		{"all: key and expired JWT", "/all", map[string]any{"apiKey": "k1", "token": expired}, nil, "unauthorized: token expired", ""},
		{"rejected by $connect", "/open", map[string]any{"reject": true}, nil, "go away", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := map[string]any{"transports": []string{"websocket"}, "auth": tc.auth}
			if tc.headers != nil {
				opts["extraHeaders"] = tc.headers
			}
			c := d.Connect(r.URL+tc.nsp, opts)
			m := c.Outcome()
			if tc.err != "" {
				if m.Ev != "connect_error" || !strings.HasPrefix(m.Message, tc.err) {
					t.Fatalf("got %s %q, want connect_error %q", m.Ev, m.Message, tc.err)
				}
				if tc.nsp == "/open" {
					nodetest.JSONEq(t, m.Data, `{"code":"E_PROBE"}`)
				}
				return
			}
			if m.Ev != "connect" {
				t.Fatalf("refused: %q", m.Message)
			}
			accepted[tc.nsp]++
			var who []struct{ Claims json.RawMessage }
			nodetest.Args(t, c.EmitAck("whoami"), &who)
			nodetest.JSONEq(t, who[0].Claims, tc.claims)
		})
	}
	// $connect never ran for a refused client: it counts every connect.
	for _, nsp := range []string{"/any", "/all", "/open"} {
		if got := r.Get(t, nsp, "connects"); got != fmt.Sprint(accepted[nsp]) && !(got == "" && accepted[nsp] == 0) {
			t.Errorf("%s: $connect ran %s times for %d accepted clients", nsp, got, accepted[nsp])
		}
	}
}

// TestEffectsScopesAndOrder checks that a failed handler's key-value writes
// never land, that a socket's scope is gone after it disconnects, and that
// each socket's events run in order while many sockets send at once.
func TestEffectsScopesAndOrder(t *testing.T) {
	dir := t.TempDir()
	mod := hosttest.Module(t, dir, "probe.wasm", guestbuild.Go, probeSrc)
	r := start(t, &config.Config{Workers: 8, Namespaces: []config.Namespace{{Path: "/p", Module: mod}}}, dir)
	d := nodetest.Start(t)

	c := d.Connect(r.URL+"/p", map[string]any{"auth": map[string]any{"name": "ada"}})
	sid := c.Connected().Sid
	c.Emit("writefail")
	nodetest.JSONEq(t, c.EmitAck("get", "ghost"), `[null]`)
	var who []struct{ Name string }
	nodetest.Args(t, c.EmitAck("whoami"), &who)
	if who[0].Name != "ada" {
		t.Fatalf("the socket scope holds %q", who[0].Name)
	}
	if n := scopeKeys(t, r, "/p", sid); n == 0 {
		t.Fatal("the socket scope is empty while connected")
	}
	c.Disconnect()
	c.Wait("disconnect", nil)
	waitFor(t, "the socket scope to be dropped", func() bool { return scopeKeys(t, r, "/p", sid) == 0 })

	// Ordering under load: every socket sends a numbered stream at once.
	const sockets, events = 4, 50
	var cs []*nodetest.Client
	for i := 0; i < sockets; i++ {
		c := d.Connect(r.URL+"/p", map[string]any{"transports": []string{[]string{"websocket", "polling"}[i%2]}})
		c.Connected()
		cs = append(cs, c)
	}
	for n := 1; n <= events; n++ {
		for _, c := range cs {
			c.Emit("seq", n)
		}
	}
	for _, c := range cs {
		nodetest.JSONEq(t, c.EmitAck("last"), fmt.Sprintf("[%d]", events))
	}
	if got := r.Get(t, "/p", "disorder"); got != "" {
		t.Fatalf("%s events ran out of order", got)
	}
}

// scopeKeys counts the keys of a socket's scope in a running host's store.
func scopeKeys(t *testing.T, r *hosttest.Running, nsp, sid string) int {
	t.Helper()
	entries, err := r.Host.Store().Begin().List(txn.SocketPrefix(nsp, sid), 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(nodetest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestShutdownRunsEveryDisconnect stops a host with many connected sockets:
// every $disconnect handler runs and commits, and every socket scope is
// dropped, before the store closes.
func TestShutdownRunsEveryDisconnect(t *testing.T) {
	dir := t.TempDir()
	mod := hosttest.Module(t, dir, "probe.wasm", guestbuild.Go, probeSrc)
	r := start(t, &config.Config{Workers: 2, Namespaces: []config.Namespace{{Path: "/p", Module: mod}}}, dir)
	d := nodetest.Start(t)
	const sockets = 40
	for i := 0; i < sockets; i++ {
		c := d.Connect(r.URL+"/p", map[string]any{"transports": []string{"websocket"}, "auth": map[string]any{"name": fmt.Sprint("u", i)}})
		c.Connected()
	}
	r.Stop()
	s, err := kv.Open(filepath.Join(dir, "data", "kv.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, _, err := txn.Read(s, "/p", "", abi.ScopeNamespace, []byte("disconnects"))
	if err != nil || string(v) != fmt.Sprint(sockets) {
		t.Fatalf("%q of %d $disconnect handlers committed (%v)", v, sockets, err)
	}
	left, err := s.Begin().List(txn.SocketsPrefix(), 0)
	if err != nil || len(left) != 0 {
		t.Fatalf("%d socket-scope keys survived the shutdown (%v)", len(left), err)
	}
}
