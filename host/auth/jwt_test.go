package auth

import (
	"encoding/base64"
	"encoding/json"
	"github.com/wasmio/wasmio/internal/units"
	"strings"
	"testing"
	"time"
)

func TestJWT(t *testing.T) {
	k := testKeys()
	hs := mustNew(t, Config{JWT: &JWTConfig{Secret: testSecret}}, "")
	rs := mustNew(t, Config{JWT: &JWTConfig{PublicKeyPEM: k.rsaPM}}, "")
	es := mustNew(t, Config{JWT: &JWTConfig{PublicKeyPEM: k.ecPM}}, "")
	hsIA := mustNew(t, Config{JWT: &JWTConfig{Secret: testSecret, Issuer: "https://id.example", Audience: "chat"}}, "")
	hsLeeway := mustNew(t, Config{JWT: &JWTConfig{Secret: testSecret, Leeway: units.Duration(30 * time.Second)}}, "")

	HS := hs256([]byte(testSecret))
	RS := rs256(k.rsa)
	ES := es256(k.ec)
	now := testNow.Unix()
	valid := token(hdr("HS256"), claims(nil), HS)

	// a header/payload/signature splitter for tampering.
	parts := func(tok string) []string { return strings.Split(tok, ".") }

	tests := []struct {
		name string
		a    *Authenticator
		tok  string
		want error
		msg  string
	}{
		// valid tokens
		{name: "HS256 valid", a: hs, tok: valid},
		{name: "RS256 valid", a: rs, tok: token(hdr("RS256"), claims(nil), RS)},
		{name: "ES256 valid", a: es, tok: token(hdr("ES256"), claims(nil), ES)},
		{name: "no registered claims", a: hs, tok: token(hdr("HS256"), `{}`, HS)},
		{name: "no typ header", a: hs, tok: token(`{"alg":"HS256"}`, claims(nil), HS)},
		{name: "kid and jku ignored", a: es, tok: token(`{"alg":"ES256","kid":"x","jku":"https://evil.example/keys"}`, claims(nil), ES)},
		{name: "fractional exp", a: hs, tok: token(hdr("HS256"), `{"exp":`+jsonNum(float64(now)+0.5)+`}`, HS)},

		// time claims
		{name: "expired", a: hs, tok: token(hdr("HS256"), claims(map[string]any{"exp": now - 1}), HS), want: ErrExpired, msg: "unauthorized: token expired"},
		{name: "exp equals now", a: hs, tok: token(hdr("HS256"), claims(map[string]any{"exp": now}), HS), want: ErrExpired},
		{name: "RS256 expired", a: rs, tok: token(hdr("RS256"), claims(map[string]any{"exp": now - 3600}), RS), want: ErrExpired},
		{name: "ES256 expired", a: es, tok: token(hdr("ES256"), claims(map[string]any{"exp": now - 3600}), ES), want: ErrExpired},
		{name: "exp within leeway", a: hsLeeway, tok: token(hdr("HS256"), claims(map[string]any{"exp": now - 29}), HS)},
		{name: "exp beyond leeway", a: hsLeeway, tok: token(hdr("HS256"), claims(map[string]any{"exp": now - 30}), HS), want: ErrExpired},
		{name: "nbf future", a: hs, tok: token(hdr("HS256"), claims(map[string]any{"nbf": now + 1}), HS), want: ErrNotYetValid, msg: "unauthorized: token not yet valid"},
		{name: "nbf now", a: hs, tok: token(hdr("HS256"), claims(map[string]any{"nbf": now}), HS)},
		{name: "nbf within leeway", a: hsLeeway, tok: token(hdr("HS256"), claims(map[string]any{"nbf": now + 30}), HS)},
		{name: "nbf beyond leeway", a: hsLeeway, tok: token(hdr("HS256"), claims(map[string]any{"nbf": now + 31}), HS), want: ErrNotYetValid},
		{name: "iat future", a: hs, tok: token(hdr("HS256"), claims(map[string]any{"iat": now + 5}), HS), want: ErrNotYetValid},
		{name: "iat within leeway", a: hsLeeway, tok: token(hdr("HS256"), claims(map[string]any{"iat": now + 5}), HS)},
		{name: "exp string", a: hs, tok: token(hdr("HS256"), claims(map[string]any{"exp": "2099-01-01"}), HS), want: ErrInvalidToken},
		{name: "exp null", a: hs, tok: token(hdr("HS256"), `{"exp":null}`, HS), want: ErrInvalidToken},
		{name: "exp huge", a: hs, tok: token(hdr("HS256"), `{"exp":1e400}`, HS), want: ErrInvalidToken},
		{name: "exp far future", a: hs, tok: token(hdr("HS256"), `{"exp":1e300}`, HS)},
		{name: "nbf bool", a: hs, tok: token(hdr("HS256"), `{"nbf":true}`, HS), want: ErrInvalidToken},

		// issuer and audience
		{name: "iss and aud string", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"iss": "https://id.example", "aud": "chat"}), HS)},
		{name: "aud array", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"iss": "https://id.example", "aud": []string{"billing", "chat"}}), HS)},
		{name: "wrong iss", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"iss": "https://evil.example", "aud": "chat"}), HS), want: ErrIssuer, msg: "unauthorized: invalid token issuer"},
		{name: "missing iss", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"aud": "chat"}), HS), want: ErrIssuer},
		{name: "iss not a string", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"iss": []string{"https://id.example"}, "aud": "chat"}), HS), want: ErrIssuer},
		{name: "wrong aud string", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"iss": "https://id.example", "aud": "billing"}), HS), want: ErrAudience, msg: "unauthorized: invalid token audience"},
		{name: "wrong aud array", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"iss": "https://id.example", "aud": []string{"billing", "chats"}}), HS), want: ErrAudience},
		{name: "empty aud array", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"iss": "https://id.example", "aud": []string{}}), HS), want: ErrAudience},
		{name: "aud mixed array", a: hsIA, tok: token(hdr("HS256"), `{"iss":"https://id.example","aud":[1,"chat"]}`, HS), want: ErrAudience},
		{name: "missing aud", a: hsIA, tok: token(hdr("HS256"), claims(map[string]any{"iss": "https://id.example"}), HS), want: ErrAudience},
		{name: "iss/aud unchecked when unset", a: hs, tok: token(hdr("HS256"), claims(map[string]any{"iss": "anyone", "aud": 5}), HS)},

		// algorithms
		{name: "alg none", a: hs, tok: token(`{"alg":"none"}`, claims(nil), noSig), want: ErrAlgorithm, msg: "unauthorized: token algorithm not accepted"},
		{name: "alg none with a signature", a: hs, tok: token(`{"alg":"none"}`, claims(nil), HS), want: ErrAlgorithm},
		{name: "alg NONE", a: rs, tok: token(`{"alg":"NONE"}`, claims(nil), HS), want: ErrAlgorithm},
		{name: "alg lowercase hs256", a: hs, tok: token(`{"alg":"hs256"}`, claims(nil), HS), want: ErrAlgorithm},
		{name: "HS256 signed with RSA PEM as secret", a: rs, tok: token(hdr("HS256"), claims(nil), hs256([]byte(k.rsaPM))), want: ErrAlgorithm},
		{name: "HS256 signed with EC PEM as secret", a: es, tok: token(hdr("HS256"), claims(nil), hs256([]byte(k.ecPM))), want: ErrAlgorithm},
		{name: "RS256 token when ES256 configured", a: es, tok: token(hdr("RS256"), claims(nil), RS), want: ErrAlgorithm},
		{name: "ES256 token when RS256 configured", a: rs, tok: token(hdr("ES256"), claims(nil), ES), want: ErrAlgorithm},
		{name: "RS256 token when HS256 configured", a: hs, tok: token(hdr("RS256"), claims(nil), RS), want: ErrAlgorithm},
		{name: "HS512", a: hs, tok: token(hdr("HS512"), claims(nil), HS), want: ErrAlgorithm},
		{name: "alg missing", a: hs, tok: token(`{"typ":"JWT"}`, claims(nil), HS), want: ErrInvalidToken},
		{name: "alg not a string", a: hs, tok: token(`{"alg":["HS256"]}`, claims(nil), HS), want: ErrInvalidToken},
		{name: "crit header", a: hs, tok: token(`{"alg":"HS256","crit":["exp"],"exp":1}`, claims(nil), HS), want: ErrInvalidToken},
		{name: "b64 false with crit", a: hs, tok: token(`{"alg":"HS256","b64":false,"crit":["b64"]}`, claims(nil), HS), want: ErrInvalidToken},
		{name: "duplicate alg", a: hs, tok: token(`{"alg":"none","alg":"HS256"}`, claims(nil), HS), want: ErrInvalidToken},

		// signatures
		{name: "HS256 wrong secret", a: hs, tok: token(hdr("HS256"), claims(nil), hs256([]byte(strings.Repeat("x", 32)))), want: ErrSignature, msg: "unauthorized: invalid token signature"},
		{name: "RS256 other key", a: rs, tok: token(hdr("RS256"), claims(nil), rs256(k.rsa2)), want: ErrSignature},
		{name: "ES256 other key", a: es, tok: token(hdr("ES256"), claims(nil), es256(k.ec2)), want: ErrSignature},
		{name: "ES256 ASN.1 signature", a: es, tok: token(hdr("ES256"), claims(nil), es256ASN1(k.ec)), want: ErrSignature},
		{name: "ES256 zero signature", a: es, tok: token(hdr("ES256"), claims(nil), func(string) []byte { return make([]byte, 64) }), want: ErrSignature},
		{name: "tampered payload", a: hs, tok: tamper(valid, 1, seg(claims(map[string]any{"sub": "admin"}))), want: ErrSignature},
		{name: "RS256 tampered payload", a: rs, tok: tamper(token(hdr("RS256"), claims(nil), RS), 1, seg(claims(map[string]any{"sub": "admin"}))), want: ErrSignature},
		{name: "ES256 tampered payload", a: es, tok: tamper(token(hdr("ES256"), claims(nil), ES), 1, seg(claims(map[string]any{"sub": "admin"}))), want: ErrSignature},
		{name: "tampered header", a: hs, tok: tamper(valid, 0, seg(`{"alg":"HS256","typ":"JWT","x":1}`)), want: ErrSignature},
		{name: "truncated signature", a: hs, tok: valid[:len(valid)-3], want: ErrSignature},
		{name: "signature swapped from other token", a: hs, tok: tamper(valid, 2, parts(token(hdr("HS256"), `{}`, HS))[2]), want: ErrSignature},

		// structure and encoding
		{name: "empty", a: hs, tok: "", want: ErrNoCredentials},
		{name: "two parts", a: hs, tok: parts(valid)[0] + "." + parts(valid)[1], want: ErrInvalidToken, msg: "unauthorized: invalid token"},
		{name: "four parts", a: hs, tok: valid + "." + parts(valid)[2], want: ErrInvalidToken},
		{name: "one part", a: hs, tok: "abc", want: ErrInvalidToken},
		{name: "empty signature", a: hs, tok: parts(valid)[0] + "." + parts(valid)[1] + ".", want: ErrInvalidToken},
		{name: "empty payload", a: hs, tok: parts(valid)[0] + ".." + parts(valid)[2], want: ErrInvalidToken},
		{name: "only dots", a: hs, tok: "..", want: ErrInvalidToken},
		{name: "padded payload", a: hs, tok: tamper(valid, 1, base64.URLEncoding.EncodeToString([]byte(`{"a":1}`))), want: ErrInvalidToken},
		{name: "std base64 chars", a: hs, tok: tamper(valid, 1, "ab+/"), want: ErrInvalidToken},
		{name: "newline in payload", a: hs, tok: tamper(valid, 1, parts(valid)[1][:4]+"\n"+parts(valid)[1][4:]), want: ErrInvalidToken},
		{name: "space in header", a: hs, tok: " " + valid[1:], want: ErrInvalidToken},
		{name: "nonzero trailing bits", a: hs, tok: tamper(valid, 2, parts(valid)[2][:len(parts(valid)[2])-1]+"B"), want: ErrInvalidToken},
		{name: "bad base64 length", a: hs, tok: tamper(valid, 1, "a"), want: ErrInvalidToken},
		{name: "header not JSON", a: hs, tok: token(`not json`, claims(nil), HS), want: ErrInvalidToken},
		{name: "header array", a: hs, tok: token(`["HS256"]`, claims(nil), HS), want: ErrInvalidToken},
		{name: "header trailing data", a: hs, tok: token(`{"alg":"HS256"}{}`, claims(nil), HS), want: ErrInvalidToken},
		{name: "claims array", a: hs, tok: token(hdr("HS256"), `[1,2]`, HS), want: ErrInvalidToken},
		{name: "claims string", a: hs, tok: token(hdr("HS256"), `"sub"`, HS), want: ErrInvalidToken},
		{name: "claims null", a: hs, tok: token(hdr("HS256"), `null`, HS), want: ErrInvalidToken},
		{name: "claims number", a: hs, tok: token(hdr("HS256"), `42`, HS), want: ErrInvalidToken},
		{name: "claims truncated", a: hs, tok: token(hdr("HS256"), `{"sub":"x"`, HS), want: ErrInvalidToken},
		{name: "claims trailing garbage", a: hs, tok: token(hdr("HS256"), `{"sub":"x"} x`, HS), want: ErrInvalidToken},
		{name: "claims duplicate exp", a: hs, tok: token(hdr("HS256"), `{"exp":1,"exp":99999999999}`, HS), want: ErrInvalidToken},
		{name: "oversized token", a: hs, tok: token(hdr("HS256"), claims(map[string]any{"pad": strings.Repeat("p", MaxCredentialLen)}), HS), want: ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, via := range []string{"field", "header"} {
				r := Request{Now: testNow}
				a := tt.a
				if via == "field" {
					r.Auth = authObj("token", tt.tok)
				} else {
					if strings.ContainsAny(tt.tok, "\r\n") || strings.TrimSpace(tt.tok) != tt.tok {
						continue // not representable as a trimmed header value
					}
					r.Headers = headers("Authorization", "Bearer "+tt.tok)
				}
				var res Result
				if tt.want == nil {
					res = checkAuth(t, a, r, nil, "", "jwt")
					assertClaimsObject(t, res.Claims)
				} else {
					checkAuth(t, a, r, tt.want, tt.msg)
				}
			}
		})
	}
}

func tamper(tok string, i int, part string) string {
	p := strings.Split(tok, ".")
	p[i] = part
	return strings.Join(p, ".")
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func assertClaimsObject(t *testing.T, c json.RawMessage) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c, &m); err != nil || m == nil {
		t.Fatalf("Claims %q is not a JSON object: %v", c, err)
	}
}

func TestJWTClaimsReturned(t *testing.T) {
	a := mustNew(t, Config{JWT: &JWTConfig{Secret: testSecret}}, "")
	payload := `{"sub":"user-7","roles":["admin"],"exp":` + jsonNum(float64(testNow.Add(time.Minute).Unix())) + `}`
	res := checkAuth(t, a, Request{Auth: authObj("token", token(hdr("HS256"), payload, hs256([]byte(testSecret)))), Now: testNow}, nil, "", "jwt")
	if string(res.Claims) != payload {
		t.Fatalf("Claims = %s, want %s", res.Claims, payload)
	}
}

func TestJWTCredentialSources(t *testing.T) {
	HS := hs256([]byte(testSecret))
	good := token(hdr("HS256"), claims(nil), HS)
	bad := token(hdr("HS256"), claims(map[string]any{"exp": testNow.Unix() - 10}), HS)
	def := mustNew(t, Config{JWT: &JWTConfig{Secret: testSecret}}, "")
	custom := mustNew(t, Config{JWT: &JWTConfig{Secret: testSecret, Field: "jwt", Header: "X-Auth"}}, "")

	tests := []struct {
		name string
		a    *Authenticator
		r    Request
		want error
	}{
		{name: "bearer lowercase scheme", a: def, r: Request{Headers: headers("Authorization", "bearer "+good)}},
		{name: "bearer extra spaces", a: def, r: Request{Headers: headers("Authorization", "Bearer   "+good+"  ")}},
		{name: "basic scheme is absent", a: def, r: Request{Headers: headers("Authorization", "Basic dXNlcjpwYXNz")}, want: ErrNoCredentials},
		{name: "no scheme is absent", a: def, r: Request{Headers: headers("Authorization", good)}, want: ErrNoCredentials},
		{name: "bearer without token", a: def, r: Request{Headers: headers("Authorization", "Bearer ")}, want: ErrNoCredentials},
		{name: "field wins over header", a: def, r: Request{Auth: authObj("token", bad), Headers: headers("Authorization", "Bearer "+good)}, want: ErrExpired},
		{name: "empty field falls back to header", a: def, r: Request{Auth: authObj("token", ""), Headers: headers("Authorization", "Bearer "+good)}},
		{name: "field not a string", a: def, r: Request{Auth: json.RawMessage(`{"token":{"alg":"none"}}`)}, want: ErrInvalidToken},
		{name: "custom field", a: custom, r: Request{Auth: authObj("jwt", good)}},
		{name: "custom header", a: custom, r: Request{Headers: headers("X-Auth", "Bearer "+good)}},
		{name: "custom ignores default header", a: custom, r: Request{Headers: headers("Authorization", "Bearer "+good)}, want: ErrNoCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Now = testNow
			if tt.want == nil {
				checkAuth(t, tt.a, tt.r, nil, "", "jwt")
			} else {
				checkAuth(t, tt.a, tt.r, tt.want, "")
			}
		})
	}
}

func TestJWTDefaultNow(t *testing.T) {
	a := mustNew(t, Config{JWT: &JWTConfig{Secret: testSecret}}, "")
	HS := hs256([]byte(testSecret))
	live := token(hdr("HS256"), map[string]any{"exp": time.Now().Add(time.Hour).Unix()}, HS)
	dead := token(hdr("HS256"), map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}, HS)
	checkAuth(t, a, Request{Auth: authObj("token", live)}, nil, "", "jwt")
	checkAuth(t, a, Request{Auth: authObj("token", dead)}, ErrExpired, "unauthorized: token expired")
}
