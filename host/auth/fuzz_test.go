package auth

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzAuthenticateJWT feeds arbitrary token strings to HS256, RS256 and ES256
// authenticators, through both the auth field and the header. It must never
// panic, must return exactly one of a Result or an *Error, and a success must
// carry a JSON object of claims.
func FuzzAuthenticateJWT(f *testing.F) {
	k := testKeys()
	HS := hs256([]byte(testSecret))
	f.Add(token(hdr("HS256"), claims(nil), HS))
	f.Add(token(hdr("HS256"), `{}`, HS))
	f.Add(token(hdr("RS256"), claims(nil), rs256(k.rsa)))
	f.Add(token(hdr("ES256"), claims(nil), es256(k.ec)))
	f.Add(token(`{"alg":"none"}`, claims(nil), noSig))
	f.Add(token(hdr("HS256"), claims(nil), hs256([]byte(k.rsaPM))))
	f.Add(token(hdr("HS256"), `[1]`, HS))
	f.Add(token(hdr("HS256"), `{"exp":"x","aud":[1,{}],"iss":null}`, HS))
	f.Add(token(`{"alg":"HS256","crit":[]}`, `{}`, HS))
	f.Add("")
	f.Add(".")
	f.Add("..")
	f.Add("...")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30=.")
	f.Add(strings.Repeat("A", MaxCredentialLen+1))

	auths := []*Authenticator{
		mustNew(f, Config{JWT: &JWTConfig{Secret: testSecret}}, ""),
		mustNew(f, Config{JWT: &JWTConfig{PublicKeyPEM: k.rsaPM, Issuer: "i", Audience: "a"}}, ""),
		mustNew(f, Config{Mode: "all", APIKey: &APIKeyConfig{Keys: []string{"k"}}, JWT: &JWTConfig{PublicKeyPEM: k.ecPM}}, ""),
	}
	f.Fuzz(func(t *testing.T, tok string) {
		authJSON, err := json.Marshal(map[string]string{"token": tok, "apiKey": "k"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range auths {
			for _, r := range []Request{
				{Auth: authJSON, Now: testNow},
				{Auth: json.RawMessage(`{"apiKey":"k"}`), Headers: headers("Authorization", "Bearer "+tok), Now: testNow},
			} {
				res, err := a.Authenticate(r)
				if err != nil {
					var ae *Error
					if !errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "unauthorized: ") {
						t.Fatalf("error %T %q is not a client-safe *Error", err, err)
					}
					if res.Claims != nil || res.Methods != nil {
						t.Fatalf("error %v with non-zero Result", err)
					}
					continue
				}
				var m map[string]json.RawMessage
				if json.Unmarshal(res.Claims, &m) != nil || m == nil {
					t.Fatalf("accepted token %q with non-object claims %q", tok, res.Claims)
				}
			}
		}
	})
}
