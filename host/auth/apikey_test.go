package auth

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAPIKey(t *testing.T) {
	t.Setenv("WASMIO_TEST_KEYS", " env-key-1 , ,env-key-2,")
	def := mustNew(t, Config{APIKey: &APIKeyConfig{Keys: []string{"key-one", "key-two-longer"}, KeysEnv: "WASMIO_TEST_KEYS"}}, "")
	custom := mustNew(t, Config{APIKey: &APIKeyConfig{Keys: []string{"key-one"}, Field: "k", Header: "X-Token"}}, "")

	tests := []struct {
		name    string
		a       *Authenticator
		r       Request
		want    error
		msg     string
		methods []string
	}{
		{name: "auth field", a: def, r: Request{Auth: authObj("apiKey", "key-one")}, methods: []string{"api_key"}},
		{name: "auth field second key", a: def, r: Request{Auth: authObj("apiKey", "key-two-longer")}, methods: []string{"api_key"}},
		{name: "env key", a: def, r: Request{Auth: authObj("apiKey", "env-key-2")}, methods: []string{"api_key"}},
		{name: "env key untrimmed", a: def, r: Request{Auth: authObj("apiKey", " env-key-1 ")}, want: ErrInvalidKey},
		{name: "header", a: def, r: Request{Headers: headers("X-API-Key", "key-one")}, methods: []string{"api_key"}},
		{name: "header lowercase name and spaces", a: def, r: Request{Headers: headers("x-api-key", "  key-one ")}, methods: []string{"api_key"}},
		{name: "wrong key field", a: def, r: Request{Auth: authObj("apiKey", "key-on")}, want: ErrInvalidKey, msg: "unauthorized: invalid API key"},
		{name: "wrong key longer", a: def, r: Request{Auth: authObj("apiKey", "key-one!")}, want: ErrInvalidKey},
		{name: "wrong key header", a: def, r: Request{Headers: headers("X-API-Key", "nope")}, want: ErrInvalidKey, msg: "unauthorized: invalid API key"},
		{name: "missing", a: def, r: Request{}, want: ErrNoCredentials, msg: "unauthorized: no credentials"},
		{name: "empty auth object", a: def, r: Request{Auth: json.RawMessage(`{}`)}, want: ErrNoCredentials},
		{name: "null auth", a: def, r: Request{Auth: json.RawMessage(`null`)}, want: ErrNoCredentials},
		{name: "auth not an object uses header", a: def, r: Request{Auth: json.RawMessage(`"key-one"`), Headers: headers("X-API-Key", "key-one")}, methods: []string{"api_key"}},
		{name: "field null uses header", a: def, r: Request{Auth: json.RawMessage(`{"apiKey":null}`), Headers: headers("X-API-Key", "key-one")}, methods: []string{"api_key"}},
		{name: "field empty uses header", a: def, r: Request{Auth: authObj("apiKey", ""), Headers: headers("X-API-Key", "key-one")}, methods: []string{"api_key"}},
		{name: "field empty no header", a: def, r: Request{Auth: authObj("apiKey", "")}, want: ErrNoCredentials},
		{name: "field wins over header", a: def, r: Request{Auth: authObj("apiKey", "bad"), Headers: headers("X-API-Key", "key-one")}, want: ErrInvalidKey},
		{name: "field not a string", a: def, r: Request{Auth: json.RawMessage(`{"apiKey":123}`)}, want: ErrInvalidKey},
		{name: "field array", a: def, r: Request{Auth: json.RawMessage(`{"apiKey":["key-one"]}`)}, want: ErrInvalidKey},
		{name: "empty header", a: def, r: Request{Headers: headers("X-API-Key", "  ")}, want: ErrNoCredentials},
		{name: "oversized key", a: def, r: Request{Auth: authObj("apiKey", strings.Repeat("k", MaxCredentialLen+1))}, want: ErrInvalidKey},
		{name: "other field ignored", a: def, r: Request{Auth: authObj("token", "key-one")}, want: ErrNoCredentials},
		{name: "custom field", a: custom, r: Request{Auth: authObj("k", "key-one")}, methods: []string{"api_key"}},
		{name: "custom header", a: custom, r: Request{Headers: headers("X-Token", "key-one")}, methods: []string{"api_key"}},
		{name: "custom config ignores default field", a: custom, r: Request{Auth: authObj("apiKey", "key-one")}, want: ErrNoCredentials},
		{name: "custom config ignores default header", a: custom, r: Request{Headers: headers("X-API-Key", "key-one")}, want: ErrNoCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkAuth(t, tt.a, tt.r, tt.want, tt.msg, tt.methods...)
			if tt.want == nil && res.Claims != nil {
				t.Errorf("Claims = %s, want nil for API key auth", res.Claims)
			}
		})
	}
}

func TestAPIKeyVerifyDigests(t *testing.T) {
	v := &apiKeyVerifier{}
	if v.verify("") || v.verify("x") {
		t.Fatal("verifier without keys accepted a key")
	}
	a := mustNew(t, Config{APIKey: &APIKeyConfig{Keys: []string{"a"}}}, "")
	if !a.apiKey.verify("a") || a.apiKey.verify("") || a.apiKey.verify("aa") {
		t.Fatal("single-byte key compared wrongly")
	}
}
