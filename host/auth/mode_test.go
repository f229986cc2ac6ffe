package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestModes covers every combination of API key {valid, invalid, absent} and
// token {valid, invalid, absent} in modes "any" (also the zero Mode) and
// "all".
func TestModes(t *testing.T) {
	HS := hs256([]byte(testSecret))
	validTok := token(hdr("HS256"), claims(nil), HS)
	expiredTok := token(hdr("HS256"), claims(map[string]any{"exp": testNow.Unix() - 1}), HS)
	newAuth := func(mode string) *Authenticator {
		return mustNew(t, Config{
			Mode:   mode,
			APIKey: &APIKeyConfig{Keys: []string{"the-key"}},
			JWT:    &JWTConfig{Secret: testSecret},
		}, "")
	}
	auths := map[string]*Authenticator{"": newAuth(""), "any": newAuth("any"), "all": newAuth("all")}

	type cred int
	const (
		valid cred = iota
		invalid
		absent
	)
	names := map[cred]string{valid: "valid", invalid: "invalid", absent: "absent"}

	tests := []struct {
		mode     string
		key, tok cred
		methods  []string // on success
		want     []error  // on failure: every one must match
		msg      string
	}{
		{mode: "any", key: valid, tok: valid, methods: []string{"api_key", "jwt"}},
		{mode: "any", key: valid, tok: invalid, methods: []string{"api_key"}},
		{mode: "any", key: valid, tok: absent, methods: []string{"api_key"}},
		{mode: "any", key: invalid, tok: valid, methods: []string{"jwt"}},
		{mode: "any", key: invalid, tok: invalid, want: []error{ErrInvalidKey, ErrExpired}, msg: "unauthorized: invalid API key; token expired"},
		{mode: "any", key: invalid, tok: absent, want: []error{ErrInvalidKey}, msg: "unauthorized: invalid API key"},
		{mode: "any", key: absent, tok: valid, methods: []string{"jwt"}},
		{mode: "any", key: absent, tok: invalid, want: []error{ErrExpired}, msg: "unauthorized: token expired"},
		{mode: "any", key: absent, tok: absent, want: []error{ErrNoCredentials}, msg: "unauthorized: no credentials"},

		{mode: "all", key: valid, tok: valid, methods: []string{"api_key", "jwt"}},
		{mode: "all", key: valid, tok: invalid, want: []error{ErrExpired}, msg: "unauthorized: token expired"},
		{mode: "all", key: valid, tok: absent, want: []error{ErrNoCredentials}, msg: "unauthorized: missing token"},
		{mode: "all", key: invalid, tok: valid, want: []error{ErrInvalidKey}, msg: "unauthorized: invalid API key"},
		{mode: "all", key: invalid, tok: invalid, want: []error{ErrInvalidKey, ErrExpired}, msg: "unauthorized: invalid API key; token expired"},
		{mode: "all", key: invalid, tok: absent, want: []error{ErrInvalidKey, ErrNoCredentials}, msg: "unauthorized: invalid API key; missing token"},
		{mode: "all", key: absent, tok: valid, want: []error{ErrNoCredentials}, msg: "unauthorized: missing API key"},
		{mode: "all", key: absent, tok: invalid, want: []error{ErrNoCredentials, ErrExpired}, msg: "unauthorized: missing API key; token expired"},
		{mode: "all", key: absent, tok: absent, want: []error{ErrNoCredentials}, msg: "unauthorized: no credentials"},
	}
	for _, tt := range tests {
		modes := []string{tt.mode}
		if tt.mode == "any" {
			modes = append(modes, "")
		}
		for _, mode := range modes {
			for _, via := range []string{"field", "header"} {
				name := fmt.Sprintf("mode=%q/key=%s/token=%s/%s", mode, names[tt.key], names[tt.tok], via)
				t.Run(name, func(t *testing.T) {
					fields := map[string]string{}
					h := headers()
					set := func(field, header, value string) {
						if via == "field" {
							fields[field] = value
						} else {
							h.Set(header, value)
						}
					}
					switch tt.key {
					case valid:
						set("apiKey", "X-API-Key", "the-key")
					case invalid:
						set("apiKey", "X-API-Key", "not-the-key")
					}
					switch tt.tok {
					case valid:
						set("token", "Authorization", "Bearer "+validTok)
					case invalid:
						set("token", "Authorization", "Bearer "+expiredTok)
					}
					if via == "field" {
						if v, ok := fields["token"]; ok {
							fields["token"] = strings.TrimPrefix(v, "Bearer ")
						}
					}
					authJSON, _ := json.Marshal(fields)
					res, err := auths[mode].Authenticate(Request{Auth: authJSON, Headers: h, Now: testNow})
					if tt.want == nil {
						if err != nil {
							t.Fatalf("unexpected error %v", err)
						}
						if got := strings.Join(res.Methods, ","); got != strings.Join(tt.methods, ",") {
							t.Fatalf("Methods = %s, want %v", got, tt.methods)
						}
						if (res.Claims != nil) != (tt.tok == valid) {
							t.Fatalf("Claims = %s with token %s", res.Claims, names[tt.tok])
						}
						return
					}
					if err == nil {
						t.Fatalf("succeeded with %v, want failure", res.Methods)
					}
					for _, w := range tt.want {
						if !errors.Is(err, w) {
							t.Errorf("error %q does not match %v", err, w)
						}
					}
					if err.Error() != tt.msg {
						t.Errorf("message = %q, want %q", err, tt.msg)
					}
				})
			}
		}
	}
}

// TestModeAnyIgnoresAbsentMethods checks that in mode "any" a method the
// client did not attempt does not show up in the error.
func TestModeAnyIgnoresAbsentMethods(t *testing.T) {
	a := mustNew(t, Config{APIKey: &APIKeyConfig{Keys: []string{"k"}}, JWT: &JWTConfig{Secret: testSecret}}, "")
	_, err := a.Authenticate(Request{Auth: authObj("apiKey", "wrong")})
	if errors.Is(err, ErrNoCredentials) {
		t.Fatalf("error %q matches ErrNoCredentials", err)
	}
}

// TestConcurrent exercises one Authenticator from many goroutines (run with
// -race).
func TestConcurrent(t *testing.T) {
	k := testKeys()
	a := mustNew(t, Config{Mode: "all", APIKey: &APIKeyConfig{Keys: []string{"k1", "k2"}}, JWT: &JWTConfig{PublicKeyPEM: k.ecPM}}, "")
	tok := token(hdr("ES256"), claims(nil), es256(k.ec))
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 20 {
				key := "k1"
				if (i+j)%3 == 0 {
					key = "bad"
				}
				r := Request{Auth: authObj("token", tok), Headers: headers("X-API-Key", key), Now: testNow}
				_, err := a.Authenticate(r)
				if (key == "bad") != (err != nil) {
					t.Errorf("key %q: err = %v", key, err)
				}
			}
		})
	}
	wg.Wait()
}
