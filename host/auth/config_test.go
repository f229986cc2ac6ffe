package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"github.com/wasmio/wasmio/internal/units"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	k := testKeys()
	keys := &APIKeyConfig{Keys: []string{"k"}}
	tests := []struct {
		name   string
		c      Config
		fields []string // field prefixes expected in the message; nil means valid
		kind   error    // extra sentinel the error must match
	}{
		{name: "api key only", c: Config{APIKey: keys}},
		{name: "api key env only", c: Config{APIKey: &APIKeyConfig{KeysEnv: "UNSET_IS_FINE_FOR_VALIDATE"}}},
		{name: "jwt secret", c: Config{Mode: "all", JWT: &JWTConfig{Secret: testSecret}}},
		{name: "jwt secret env", c: Config{JWT: &JWTConfig{SecretEnv: "NOT_READ_BY_VALIDATE"}}},
		{name: "jwt key file not read", c: Config{JWT: &JWTConfig{PublicKeyFile: "/does/not/exist.pem"}}},
		{name: "jwt inline rsa", c: Config{Mode: "any", JWT: &JWTConfig{PublicKeyPEM: k.rsaPM, Leeway: units.Duration(time.Minute)}}},
		{name: "both methods", c: Config{APIKey: keys, JWT: &JWTConfig{PublicKeyPEM: k.ecPM}}},
		{name: "custom header", c: Config{APIKey: &APIKeyConfig{Keys: []string{"k"}, Header: "X-Custom_Key.1"}}},

		{name: "no methods", c: Config{}, fields: []string{"no authentication method"}, kind: ErrNoMethod},
		{name: "no methods with mode", c: Config{Mode: "all"}, fields: []string{"no authentication method"}, kind: ErrNoMethod},
		{name: "bad mode", c: Config{Mode: "some", APIKey: keys}, fields: []string{`mode: "some" is not a mode`}},
		{name: "mode is case sensitive", c: Config{Mode: "ALL", APIKey: keys}, fields: []string{"mode:"}},
		{name: "api key without keys", c: Config{APIKey: &APIKeyConfig{}}, fields: []string{"api_key: no keys; set api_key.keys or api_key.keys_env"}},
		{name: "empty key", c: Config{APIKey: &APIKeyConfig{Keys: []string{"a", ""}}}, fields: []string{"api_key.keys[1]: key is empty"}},
		{name: "bad env name", c: Config{APIKey: &APIKeyConfig{KeysEnv: "A=B"}}, fields: []string{"api_key.keys_env:"}},
		{name: "bad api key header", c: Config{APIKey: &APIKeyConfig{Keys: []string{"k"}, Header: "X API Key"}}, fields: []string{"api_key.header:"}},
		{name: "jwt without key", c: Config{JWT: &JWTConfig{Issuer: "x"}}, fields: []string{"jwt: no verification key"}},
		{name: "jwt two keys", c: Config{JWT: &JWTConfig{Secret: testSecret, PublicKeyFile: "k.pem"}}, fields: []string{"jwt: jwt.secret, jwt.public_key_file are all set"}},
		{name: "jwt short secret", c: Config{JWT: &JWTConfig{Secret: "short"}}, fields: []string{"jwt.secret: secret is 5 bytes"}, kind: ErrWeakSecret},
		{name: "jwt 31-byte secret", c: Config{JWT: &JWTConfig{Secret: testSecret[:31]}}, fields: []string{"jwt.secret:"}, kind: ErrWeakSecret},
		{name: "jwt bad inline pem", c: Config{JWT: &JWTConfig{PublicKeyPEM: "not a pem"}}, fields: []string{"jwt.public_key_pem: no PEM block"}, kind: ErrBadKey},
		{name: "jwt inline ed25519", c: Config{JWT: &JWTConfig{PublicKeyPEM: ed25519PEM()}}, fields: []string{"jwt.public_key_pem: Ed25519"}, kind: ErrUnsupportedKey},
		{name: "jwt negative leeway", c: Config{JWT: &JWTConfig{Secret: testSecret, Leeway: units.Duration(-time.Second)}}, fields: []string{"jwt.leeway: -1s is negative"}},
		{name: "jwt bad header", c: Config{JWT: &JWTConfig{Secret: testSecret, Header: "Auth:"}}, fields: []string{"jwt.header:"}},
		{name: "several problems", c: Config{Mode: "x", APIKey: &APIKeyConfig{}, JWT: &JWTConfig{Secret: "s"}}, fields: []string{"mode:", "api_key:", "jwt.secret:"}, kind: ErrWeakSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			checkConfigErr(t, err, tt.kind, tt.fields...)
			// New reports the same problems.
			_, nerr := New(tt.c, t.TempDir())
			checkConfigErr(t, nerr, tt.kind, tt.fields...)
		})
	}
}

func checkConfigErr(t *testing.T, err error, kind error, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", contains)
	}
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("error %q does not match ErrInvalidConfig", err)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("error %q does not match %v", err, kind)
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Errorf("error %T holds no *ConfigError", err)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not contain %q", err, c)
		}
	}
}

func TestNew(t *testing.T) {
	k := testKeys()
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("keys/rsa.pem", k.rsaPM)
	ecAbs := write("ec.pem", k.ecPM)
	write("rsa-pkcs1.pem", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)})))
	write("cert.pem", certPEM(t, k.ec))
	write("garbage.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
	write("empty.pem", "")
	write("two.pem", k.rsaPM+k.ecPM)
	write("ed25519.pem", ed25519PEM())
	write("p384.pem", ecPEM(t, elliptic.P384()))
	write("p521.pem", ecPEM(t, elliptic.P521()))
	write("rsa1024.pem", rsaPEM(t, 1024))
	write("private.pem", privatePEM(t, k.ec))
	write("text.pem", "-----BEGIN MESSAGE-----\nAAAA\n-----END MESSAGE-----\n")
	t.Setenv("WASMIO_TEST_SECRET", testSecret)
	t.Setenv("WASMIO_TEST_SHORT", "too-short")
	t.Setenv("WASMIO_TEST_EMPTY", " , ,")
	t.Setenv("WASMIO_TEST_KEYS", "a,b")
	os.Unsetenv("WASMIO_TEST_UNSET")

	okTests := []struct {
		name string
		c    *JWTConfig
		alg  string
	}{
		{name: "relative key file resolves against baseDir", c: &JWTConfig{PublicKeyFile: "keys/rsa.pem"}, alg: "RS256"},
		{name: "absolute key file", c: &JWTConfig{PublicKeyFile: ecAbs}, alg: "ES256"},
		{name: "PKCS1 RSA public key", c: &JWTConfig{PublicKeyFile: "rsa-pkcs1.pem"}, alg: "RS256"},
		{name: "certificate", c: &JWTConfig{PublicKeyFile: "cert.pem"}, alg: "ES256"},
		{name: "secret env", c: &JWTConfig{SecretEnv: "WASMIO_TEST_SECRET"}, alg: "HS256"},
		{name: "inline secret", c: &JWTConfig{Secret: testSecret}, alg: "HS256"},
		{name: "inline pem", c: &JWTConfig{PublicKeyPEM: "\n" + strings.ReplaceAll(k.ecPM, "\n", "\r\n\t  ") + "\n\n"}, alg: "ES256"},
	}
	for _, tt := range okTests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustNew(t, Config{JWT: tt.c}, dir)
			if a.jwt.alg != tt.alg {
				t.Fatalf("alg = %s, want %s", a.jwt.alg, tt.alg)
			}
		})
	}

	t.Run("keys env", func(t *testing.T) {
		a := mustNew(t, Config{APIKey: &APIKeyConfig{Keys: []string{"c"}, KeysEnv: "WASMIO_TEST_KEYS"}}, dir)
		for _, key := range []string{"a", "b", "c"} {
			if _, err := a.Authenticate(Request{Auth: authObj("apiKey", key)}); err != nil {
				t.Errorf("key %q: %v", key, err)
			}
		}
	})

	t.Run("relative file end to end", func(t *testing.T) {
		a := mustNew(t, Config{JWT: &JWTConfig{PublicKeyFile: filepath.Join("keys", "rsa.pem")}}, dir)
		checkAuth(t, a, Request{Auth: authObj("token", token(hdr("RS256"), claims(nil), rs256(k.rsa))), Now: testNow}, nil, "", "jwt")
	})

	errTests := []struct {
		name     string
		c        Config
		kind     error
		contains []string
	}{
		{name: "missing keys env", c: Config{APIKey: &APIKeyConfig{KeysEnv: "WASMIO_TEST_UNSET"}}, kind: ErrEnvNotSet, contains: []string{"api_key.keys_env: environment variable WASMIO_TEST_UNSET is not set"}},
		{name: "keys env holds no keys", c: Config{APIKey: &APIKeyConfig{Keys: []string{"k"}, KeysEnv: "WASMIO_TEST_EMPTY"}}, kind: ErrEnvNotSet, contains: []string{"api_key.keys_env:", "holds no keys"}},
		{name: "missing secret env", c: Config{JWT: &JWTConfig{SecretEnv: "WASMIO_TEST_UNSET"}}, kind: ErrEnvNotSet, contains: []string{"jwt.secret_env: environment variable WASMIO_TEST_UNSET is not set"}},
		{name: "short secret env", c: Config{JWT: &JWTConfig{SecretEnv: "WASMIO_TEST_SHORT"}}, kind: ErrWeakSecret, contains: []string{"jwt.secret_env:", "9 bytes", "at least 32"}},
		{name: "short inline secret", c: Config{JWT: &JWTConfig{Secret: "0123456789"}}, kind: ErrWeakSecret, contains: []string{"jwt.secret:"}},
		{name: "missing key file", c: Config{JWT: &JWTConfig{PublicKeyFile: "nope.pem"}}, kind: os.ErrNotExist, contains: []string{"jwt.public_key_file: cannot read " + filepath.Join(dir, "nope.pem")}},
		{name: "key file is a directory", c: Config{JWT: &JWTConfig{PublicKeyFile: "keys"}}, kind: ErrBadKey, contains: []string{"jwt.public_key_file: cannot read"}},
		{name: "bad PEM body", c: Config{JWT: &JWTConfig{PublicKeyFile: "garbage.pem"}}, kind: ErrBadKey, contains: []string{"jwt.public_key_file: cannot parse"}},
		{name: "empty file", c: Config{JWT: &JWTConfig{PublicKeyFile: "empty.pem"}}, kind: ErrBadKey, contains: []string{"jwt.public_key_file: no PEM block"}},
		{name: "two PEM blocks", c: Config{JWT: &JWTConfig{PublicKeyFile: "two.pem"}}, kind: ErrBadKey, contains: []string{"unexpected data after"}},
		{name: "Ed25519", c: Config{JWT: &JWTConfig{PublicKeyFile: "ed25519.pem"}}, kind: ErrUnsupportedKey, contains: []string{"jwt.public_key_file: Ed25519 keys (EdDSA) are not supported"}},
		{name: "P-384", c: Config{JWT: &JWTConfig{PublicKeyFile: "p384.pem"}}, kind: ErrUnsupportedKey, contains: []string{"jwt.public_key_file: ECDSA key uses curve P-384; only P-256"}},
		{name: "P-521", c: Config{JWT: &JWTConfig{PublicKeyFile: "p521.pem"}}, kind: ErrUnsupportedKey, contains: []string{"P-521"}},
		{name: "RSA 1024", c: Config{JWT: &JWTConfig{PublicKeyFile: "rsa1024.pem"}}, kind: ErrUnsupportedKey, contains: []string{"RSA key is 1024 bits"}},
		{name: "private key", c: Config{JWT: &JWTConfig{PublicKeyFile: "private.pem"}}, kind: ErrBadKey, contains: []string{"configure the public key instead"}},
		{name: "not a key block", c: Config{JWT: &JWTConfig{PublicKeyFile: "text.pem"}}, kind: ErrBadKey, contains: []string{`PEM block type "MESSAGE" is not a public key`}},
		{name: "both methods fail", c: Config{APIKey: &APIKeyConfig{KeysEnv: "WASMIO_TEST_UNSET"}, JWT: &JWTConfig{PublicKeyFile: "p384.pem"}}, kind: ErrUnsupportedKey, contains: []string{"api_key.keys_env:", "jwt.public_key_file:"}},
		{name: "no methods", c: Config{}, kind: ErrNoMethod, contains: []string{"no authentication method"}},
		{name: "bad mode", c: Config{Mode: "every", APIKey: &APIKeyConfig{Keys: []string{"k"}}}, contains: []string{"mode:"}},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(tt.c, dir)
			if a != nil {
				t.Errorf("New returned an Authenticator with error %v", err)
			}
			checkConfigErr(t, err, tt.kind, tt.contains...)
			if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "too-short") {
				t.Errorf("error %q leaks a secret", err)
			}
		})
	}
}

func ed25519PEM() string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return pemPublic(pub)
}

func ecPEM(t *testing.T, c elliptic.Curve) string {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pemPublic(&k.PublicKey)
}

func rsaPEM(t *testing.T, bits int) string {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return pemPublic(&k.PublicKey)
}

func privatePEM(t *testing.T, k *ecdsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func certPEM(t *testing.T, k *ecdsa.PrivateKey) string {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "issuer"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
