package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// testNow is the fixed clock used by token tests.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// testSecret is a valid HS256 secret (32 bytes).
const testSecret = "0123456789abcdef0123456789abcdef"

// testKeys are generated once per test binary.
var testKeys = sync.OnceValue(func() (k struct {
	rsa   *rsa.PrivateKey
	rsa2  *rsa.PrivateKey
	ec    *ecdsa.PrivateKey
	ec2   *ecdsa.PrivateKey
	rsaPM string
	ecPM  string
}) {
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if k.ec2, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	k.rsaPM = pemPublic(&k.rsa.PublicKey)
	k.ecPM = pemPublic(&k.ec.PublicKey)
	return k
})

// pemPublic encodes pub as a PKIX "PUBLIC KEY" PEM block.
func pemPublic(pub any) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// seg encodes a token segment: a string is used as raw JSON, anything else
// is marshalled.
func seg(v any) string {
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			panic(err)
		}
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signer returns the raw JWS signature of a signing input.
type signer func(input string) []byte

func hs256(secret []byte) signer {
	return func(input string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return m.Sum(nil)
	}
}

func rs256(k *rsa.PrivateKey) signer {
	return func(input string) []byte {
		d := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

// es256 signs in JWS form: R || S, 32 bytes each.
func es256(k *ecdsa.PrivateKey) signer {
	return func(input string) []byte {
		d := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			panic(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig
	}
}

// es256ASN1 signs in ASN.1 DER form, which JWS does not use.
func es256ASN1(k *ecdsa.PrivateKey) signer {
	return func(input string) []byte {
		d := sha256.Sum256([]byte(input))
		sig, err := ecdsa.SignASN1(rand.Reader, k, d[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func noSig(string) []byte { return nil }

// token builds a compact JWS from header, claims and a signer.
func token(header, claims any, sign signer) string {
	input := seg(header) + "." + seg(claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign(input))
}

func hdr(alg string) map[string]any { return map[string]any{"alg": alg, "typ": "JWT"} }

// claims returns a claims map valid at testNow, with overrides applied (a
// nil value deletes the claim).
func claims(overrides map[string]any) map[string]any {
	c := map[string]any{
		"sub": "user-1",
		"iat": testNow.Add(-time.Minute).Unix(),
		"exp": testNow.Add(time.Hour).Unix(),
	}
	for k, v := range overrides {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// authObj returns a handshake auth object {field: value}.
func authObj(field string, value any) json.RawMessage {
	b, err := json.Marshal(map[string]any{field: value})
	if err != nil {
		panic(err)
	}
	return b
}

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func mustNew(t testing.TB, c Config, baseDir string) *Authenticator {
	t.Helper()
	a, err := New(c, baseDir)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// checkAuth asserts the outcome of Authenticate: want nil means success with
// the given methods; otherwise errors.Is(err, want) and the message contains
// msg.
func checkAuth(t *testing.T, a *Authenticator, r Request, want error, msg string, methods ...string) Result {
	t.Helper()
	res, err := a.Authenticate(r)
	if want == nil {
		if err != nil {
			t.Fatalf("Authenticate: unexpected error %v", err)
		}
		if strings.Join(res.Methods, ",") != strings.Join(methods, ",") {
			t.Fatalf("Methods = %v, want %v", res.Methods, methods)
		}
		return res
	}
	if err == nil {
		t.Fatalf("Authenticate succeeded (%v), want %v", res.Methods, want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q does not match %v", err, want)
	}
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %T is not *Error", err)
	}
	if !strings.HasPrefix(err.Error(), "unauthorized: ") {
		t.Fatalf("message %q lacks the unauthorized: prefix", err)
	}
	if msg != "" && err.Error() != msg {
		t.Fatalf("message = %q, want %q", err, msg)
	}
	if res.Claims != nil || res.Methods != nil {
		t.Fatalf("failed Authenticate returned a non-zero Result %+v", res)
	}
	return res
}
