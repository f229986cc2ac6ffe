package auth

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Authenticator checks connecting clients against one namespace's Config. It
// is immutable and safe for concurrent use.
type Authenticator struct {
	all    bool
	apiKey *apiKeyVerifier
	jwt    *jwtVerifier
}

// New builds an Authenticator from c. It validates c (see Config.Validate),
// then reads the environment variables named by api_key.keys_env and
// jwt.secret_env and the file named by jwt.public_key_file (a relative path
// resolves against baseDir, the folder of the operator's config file).
//
// It fails with *ConfigError values naming the field when c configures no
// method, an environment variable is unset or empty, a key file is unreadable
// or holds no valid PEM public key, a key is of an unsupported type, curve or
// size, or an HS256 secret is shorter than MinSecretLen bytes. Every error
// matches ErrInvalidConfig.
func New(c Config, baseDir string) (*Authenticator, error) {
	var errs configErrors
	c.validate(&errs)
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	a := &Authenticator{all: c.Mode == ModeAll}
	if c.APIKey != nil {
		a.apiKey = newAPIKeyVerifier(c.APIKey, &errs)
	}
	if c.JWT != nil {
		a.jwt = newJWTVerifier(c.JWT, baseDir, &errs)
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return a, nil
}

func newAPIKeyVerifier(c *APIKeyConfig, errs *configErrors) *apiKeyVerifier {
	v := &apiKeyVerifier{field: c.Field, header: c.Header}
	if v.field == "" {
		v.field = DefaultAPIKeyField
	}
	if v.header == "" {
		v.header = DefaultAPIKeyHeader
	}
	keys := append([]string(nil), c.Keys...)
	if c.KeysEnv != "" {
		val, ok := os.LookupEnv(c.KeysEnv)
		if !ok {
			errs.add("api_key.keys_env", ErrEnvNotSet, "environment variable %s is not set; export it with comma-separated keys, or remove api_key.keys_env", c.KeysEnv)
			return nil
		}
		n := 0
		for _, k := range strings.Split(val, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
				n++
			}
		}
		if n == 0 {
			errs.add("api_key.keys_env", ErrEnvNotSet, "environment variable %s holds no keys; set it to comma-separated keys, or remove api_key.keys_env", c.KeysEnv)
			return nil
		}
	}
	for _, k := range keys {
		v.digests = append(v.digests, sha256.Sum256([]byte(k)))
	}
	return v
}

func newJWTVerifier(c *JWTConfig, baseDir string, errs *configErrors) *jwtVerifier {
	v := &jwtVerifier{
		issuer:   c.Issuer,
		audience: c.Audience,
		leeway:   time.Duration(c.Leeway),
		field:    c.Field,
		header:   c.Header,
	}
	if v.field == "" {
		v.field = DefaultJWTField
	}
	if v.header == "" {
		v.header = DefaultJWTHeader
	}
	var (
		pub any
		err error
	)
	switch {
	case c.Secret != "":
		v.alg, v.secret = algHS256, []byte(c.Secret)
		return v
	case c.SecretEnv != "":
		val, ok := os.LookupEnv(c.SecretEnv)
		if !ok {
			errs.add("jwt.secret_env", ErrEnvNotSet, "environment variable %s is not set; export it with the HS256 secret (at least %d bytes), or remove jwt.secret_env", c.SecretEnv, MinSecretLen)
			return nil
		}
		if len(val) < MinSecretLen {
			errs.add("jwt.secret_env", ErrWeakSecret, "the secret in %s is %d bytes; HS256 needs at least %d random bytes (e.g. `openssl rand -base64 48`)", c.SecretEnv, len(val), MinSecretLen)
			return nil
		}
		v.alg, v.secret = algHS256, []byte(val)
		return v
	case c.PublicKeyFile != "":
		path := c.PublicKeyFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(baseDir, path)
		}
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			*errs = append(*errs, &ConfigError{
				Field:   "jwt.public_key_file",
				Problem: fmt.Sprintf("cannot read %s: %v; check the path (relative paths resolve against the config file's folder)", path, unwrapPathErr(rerr)),
				Kind:    ErrBadKey,
				Cause:   rerr,
			})
			return nil
		}
		pub, err = parsePublicKeyPEM(data, "jwt.public_key_file")
	default:
		pub, err = parsePublicKeyPEM([]byte(c.PublicKeyPEM), "jwt.public_key_pem")
	}
	if err != nil {
		*errs = append(*errs, err)
		return nil
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		v.alg, v.rsaKey = algRS256, k
	case *ecdsa.PublicKey:
		v.alg, v.ecKey = algES256, k
	}
	return v
}

// unwrapPathErr drops the path and operation from an *os.PathError, which
// the message already states.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Request is what a client presented when connecting to a namespace.
type Request struct {
	// Auth is the Socket.IO handshake auth object (the CONNECT packet's
	// payload). Nil, "null" or a value that is not a JSON object means no
	// fields.
	Auth json.RawMessage
	// Headers are the HTTP headers of the underlying Engine.IO request. Nil
	// means none.
	Headers http.Header
	// Now is the time used to check token validity. Zero means time.Now().
	Now time.Time
}

// Result describes a successful authentication.
type Result struct {
	// Claims is the verified JWT claims object (raw JSON) when the JWT
	// method passed; nil otherwise.
	Claims json.RawMessage
	// Methods lists the methods that passed, in the order "api_key", "jwt".
	Methods []string
}

// Authenticate checks r. A credential is taken from the method's field of the
// handshake auth object when that field is present and not an empty string,
// otherwise from the method's header.
//
// In mode "any", every configured method for which a credential is present
// is checked and the client is accepted if one passes. In mode "all", every
// configured method must have a credential and pass.
//
// When no configured method has a credential the message is "unauthorized:
// no credentials". Otherwise it lists one reason per failed method, joined
// with "; " (e.g. "unauthorized: invalid API key; token expired"); in mode
// "all" a method without a credential reads "missing API key" or "missing
// token" (and matches ErrNoCredentials). In mode "any", methods the client
// did not attempt are left out.
//
// On failure the error is an *Error whose message is safe to show to the
// client, such as "unauthorized: invalid API key", "unauthorized: token
// expired" or "unauthorized: no credentials"; match causes with errors.Is
// against ErrNoCredentials, ErrInvalidKey, ErrInvalidToken, ErrSignature,
// ErrAlgorithm, ErrExpired, ErrNotYetValid, ErrIssuer and ErrAudience.
func (a *Authenticator) Authenticate(r Request) (Result, error) {
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	fields := authFields(r.Auth)

	var (
		res     Result
		fail    Error
		absent  int
		methods int
	)
	if v := a.apiKey; v != nil {
		methods++
		key, present, ok := credential(fields, v.field, r.Headers, v.header, false)
		switch {
		case !present:
			absent++
			fail.add("missing API key", ErrNoCredentials)
		case ok && v.verify(key):
			res.Methods = append(res.Methods, MethodAPIKey)
		default:
			fail.add("", ErrInvalidKey)
		}
	}
	if v := a.jwt; v != nil {
		methods++
		tok, present, ok := credential(fields, v.field, r.Headers, v.header, true)
		switch {
		case !present:
			absent++
			fail.add("missing token", ErrNoCredentials)
		case !ok:
			fail.add("", ErrInvalidToken)
		default:
			claims, err := v.verify(tok, now)
			if err != nil {
				fail.add("", err)
			} else {
				res.Claims = claims
				res.Methods = append(res.Methods, MethodJWT)
			}
		}
	}

	switch {
	case absent == methods:
		return Result{}, &Error{reasons: []string{reason(ErrNoCredentials)}, causes: []error{ErrNoCredentials}}
	case a.all && len(res.Methods) == methods:
		return res, nil
	case !a.all && len(res.Methods) > 0:
		return res, nil
	}
	if !a.all {
		// Methods the client did not attempt are not why it failed.
		fail = fail.without(ErrNoCredentials)
	}
	return Result{}, &fail
}

// authFields decodes the top level of the handshake auth object; anything
// that is not a JSON object yields no fields.
func authFields(raw json.RawMessage) map[string]json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// credential finds a credential in the auth field, then in the header. present
// reports whether one was found; ok is false when it is present but unusable
// (the auth field is not a string). For bearer, the header value must be
// "Bearer <credential>"; other schemes count as absent.
func credential(fields map[string]json.RawMessage, field string, h http.Header, header string, bearer bool) (cred string, present, ok bool) {
	if raw, found := fields[field]; found && string(raw) != "null" {
		if json.Unmarshal(raw, &cred) != nil {
			return "", true, false
		}
		if cred != "" {
			return cred, true, true
		}
	}
	v := strings.TrimSpace(h.Get(header))
	if bearer {
		scheme, rest, found := strings.Cut(v, " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			return "", false, false
		}
		v = strings.TrimSpace(rest)
	}
	if v == "" {
		return "", false, false
	}
	return v, true, true
}

// Error is an authentication failure. Its message, "unauthorized: " followed
// by one or more reasons, is safe to send to the client (for example in a
// Socket.IO CONNECT_ERROR packet); it never contains credentials or key
// material.
type Error struct {
	reasons []string
	causes  []error
}

// Error returns the client-safe message, e.g. "unauthorized: token expired".
func (e *Error) Error() string {
	return "unauthorized: " + strings.Join(e.reasons, "; ")
}

// Unwrap returns the sentinel causes (ErrInvalidKey, ErrExpired, ...).
func (e *Error) Unwrap() []error { return e.causes }

// add records a failure; an empty text uses the sentinel's message without
// its "auth: " prefix.
func (e *Error) add(text string, cause error) {
	if text == "" {
		text = reason(cause)
	}
	e.reasons = append(e.reasons, text)
	e.causes = append(e.causes, cause)
}

// without returns a copy of e without the failures caused by target.
func (e Error) without(target error) Error {
	var out Error
	for i, c := range e.causes {
		if c != target {
			out.reasons = append(out.reasons, e.reasons[i])
			out.causes = append(out.causes, c)
		}
	}
	return out
}

// reason is the client-facing text of a sentinel.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), "auth: ")
}
