package auth

import (
	"errors"
	"fmt"
	"github.com/wasmio/wasmio/internal/units"
	"strings"
)

// Modes accepted in Config.Mode.
const (
	// ModeAny accepts a client when at least one configured method passes.
	ModeAny = "any"
	// ModeAll accepts a client only when every configured method passes.
	ModeAll = "all"
)

// Method names reported in Result.Methods and used in error field names.
const (
	// MethodAPIKey is the API key method ([APIKeyConfig]).
	MethodAPIKey = "api_key"
	// MethodJWT is the JSON Web Token method ([JWTConfig]).
	MethodJWT = "jwt"
)

// Defaults and limits.
const (
	// DefaultAPIKeyField is the handshake auth field read when
	// APIKeyConfig.Field is empty.
	DefaultAPIKeyField = "apiKey"
	// DefaultAPIKeyHeader is the request header read when
	// APIKeyConfig.Header is empty.
	DefaultAPIKeyHeader = "X-API-Key"
	// DefaultJWTField is the handshake auth field read when JWTConfig.Field
	// is empty.
	DefaultJWTField = "token"
	// DefaultJWTHeader is the request header read when JWTConfig.Header is
	// empty; its value must be "Bearer <token>".
	DefaultJWTHeader = "Authorization"
	// MinSecretLen is the minimum length in bytes of an HS256 secret.
	MinSecretLen = 32
	// MinRSABits is the minimum RSA public key size accepted for RS256.
	MinRSABits = 2048
	// MaxCredentialLen bounds the size in bytes of a presented API key or
	// token; longer credentials are refused without being parsed.
	MaxCredentialLen = 8 << 10
)

// Config is a namespace's authentication, as read from the operator's TOML
// config. The zero Config configures no method and is rejected by Validate
// and New; set APIKey, JWT or both.
type Config struct {
	// Mode is "any" (one configured method must pass) or "all" (every
	// configured method must pass). Zero means "any".
	Mode string `toml:"mode"`
	// APIKey configures the API key method. Nil means the method is not
	// used.
	APIKey *APIKeyConfig `toml:"api_key"`
	// JWT configures the JSON Web Token method. Nil means the method is not
	// used.
	JWT *JWTConfig `toml:"jwt"`
}

// APIKeyConfig configures authentication by shared API key. At least one key
// must come from Keys or KeysEnv.
type APIKeyConfig struct {
	// Keys are the accepted keys. Zero means none besides those from
	// KeysEnv. Empty strings are rejected.
	Keys []string `toml:"keys"`
	// KeysEnv is the name of an environment variable holding
	// comma-separated keys, added to Keys (surrounding spaces are trimmed
	// and empty items skipped). Zero means no variable is read. If set, New
	// fails when the variable is unset or holds no key.
	KeysEnv string `toml:"keys_env"`
	// Field is the field of the handshake auth object holding the key; it
	// is read before Header. Zero means "apiKey".
	Field string `toml:"field"`
	// Header is the request header holding the key, read when the auth
	// field is absent or empty. Zero means "X-API-Key".
	Header string `toml:"header"`
}

// JWTConfig configures authentication by JSON Web Token. Exactly one of
// Secret, SecretEnv, PublicKeyFile and PublicKeyPEM must be set; it fixes the
// only accepted algorithm (HS256, or RS256/ES256 by public key type).
//
// The "exp" claim is optional: a token without it does not expire, and when
// present it must be after the current time (minus Leeway). "nbf" and "iat",
// when present, must not be after the current time (plus Leeway).
type JWTConfig struct {
	// Secret is the HS256 shared secret, at least 32 bytes. Zero means not
	// used. Prefer SecretEnv so the secret stays out of the config file.
	Secret string `toml:"secret"`
	// SecretEnv is the name of an environment variable holding the HS256
	// secret (used verbatim, at least 32 bytes). Zero means not used.
	SecretEnv string `toml:"secret_env"`
	// PublicKeyFile is a PEM file holding a public key ("PUBLIC KEY",
	// "RSA PUBLIC KEY" or "CERTIFICATE" block): RSA (at least 2048 bits)
	// selects RS256, ECDSA P-256 selects ES256. A relative path is resolved
	// against the config file's folder (New's baseDir). Zero means not used.
	PublicKeyFile string `toml:"public_key_file"`
	// PublicKeyPEM is the same as PublicKeyFile, inline. Zero means not
	// used.
	PublicKeyPEM string `toml:"public_key_pem"`
	// Issuer, if set, must equal the token's "iss" claim. Zero means "iss"
	// is not checked.
	Issuer string `toml:"issuer"`
	// Audience, if set, must equal the token's "aud" claim when it is a
	// string or be one of its elements when it is an array. Zero means
	// "aud" is not checked.
	Audience string `toml:"audience"`
	// Leeway is the clock skew allowed when checking exp, nbf and iat,
	// written as a Go duration string such as "30s". Zero means no skew is
	// allowed. Negative values are rejected.
	Leeway units.Duration `toml:"leeway"`
	// Field is the field of the handshake auth object holding the token; it
	// is read before Header. Zero means "token".
	Field string `toml:"field"`
	// Header is the request header holding "Bearer <token>" (the scheme is
	// case-insensitive), read when the auth field is absent or empty. Zero
	// means "Authorization".
	Header string `toml:"header"`
}

// ConfigError is a problem with one field of a Config.
type ConfigError struct {
	// Field names the offending field as written in TOML, relative to the
	// namespace's auth table, e.g. "jwt.public_key_file".
	Field string
	// Problem says what is wrong and how to fix it.
	Problem string
	// Kind is the specific sentinel (ErrNoMethod, ErrEnvNotSet, ...), or nil.
	Kind error
	// Cause is the underlying error (e.g. from os.ReadFile), or nil.
	Cause error
}

// Error returns "<field>: <problem>".
func (e *ConfigError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// Unwrap returns ErrInvalidConfig, Kind and Cause (those that are set).
func (e *ConfigError) Unwrap() []error {
	errs := []error{ErrInvalidConfig}
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

// configErrors accumulates ConfigErrors.
type configErrors []error

func (l *configErrors) add(field string, kind error, format string, args ...any) {
	*l = append(*l, &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...), Kind: kind})
}

// Validate checks c without touching the environment or files: the mode, that
// at least one method is configured, that each method has a key source (and
// only one, for jwt), the length of an inline secret, an inline PEM key,
// header and environment variable names, and the leeway. Errors name the
// field (e.g. "jwt.public_key_file: ...") and say how to fix it; several
// problems are joined with errors.Join. Every error matches ErrInvalidConfig.
func (c *Config) Validate() error {
	var errs configErrors
	c.validate(&errs)
	return joinErrs(errs)
}

func joinErrs(errs configErrors) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

func (c *Config) validate(errs *configErrors) {
	switch c.Mode {
	case "", ModeAny, ModeAll:
	default:
		errs.add("mode", nil, "%q is not a mode; use %q (one method must pass) or %q (every method must pass)", c.Mode, ModeAny, ModeAll)
	}
	if c.APIKey == nil && c.JWT == nil {
		errs.add("", ErrNoMethod, "no authentication method configured; add an [api_key] table, a [jwt] table, or both, to the namespace's auth table")
	}
	if k := c.APIKey; k != nil {
		if len(k.Keys) == 0 && k.KeysEnv == "" {
			errs.add("api_key", nil, "no keys; set api_key.keys or api_key.keys_env")
		}
		for i, key := range k.Keys {
			if key == "" {
				errs.add(fmt.Sprintf("api_key.keys[%d]", i), nil, "key is empty; remove it or set a value")
			}
		}
		validateEnvName(errs, "api_key.keys_env", k.KeysEnv)
		validateHeader(errs, "api_key.header", k.Header)
	}
	if j := c.JWT; j != nil {
		var set []string
		for _, f := range []struct{ name, v string }{
			{"jwt.secret", j.Secret},
			{"jwt.secret_env", j.SecretEnv},
			{"jwt.public_key_file", j.PublicKeyFile},
			{"jwt.public_key_pem", j.PublicKeyPEM},
		} {
			if f.v != "" {
				set = append(set, f.name)
			}
		}
		switch len(set) {
		case 0:
			errs.add("jwt", nil, "no verification key; set exactly one of jwt.secret_env, jwt.secret (HS256), jwt.public_key_file or jwt.public_key_pem (RS256/ES256)")
		case 1:
		default:
			errs.add("jwt", nil, "%s are all set; set exactly one verification key", strings.Join(set, ", "))
		}
		if j.Secret != "" && len(j.Secret) < MinSecretLen {
			errs.add("jwt.secret", ErrWeakSecret, "secret is %d bytes; HS256 needs at least %d random bytes (e.g. `openssl rand -base64 48`)", len(j.Secret), MinSecretLen)
		}
		validateEnvName(errs, "jwt.secret_env", j.SecretEnv)
		if j.PublicKeyPEM != "" {
			if _, err := parsePublicKeyPEM([]byte(j.PublicKeyPEM), "jwt.public_key_pem"); err != nil {
				*errs = append(*errs, err)
			}
		}
		if j.Leeway < 0 {
			errs.add("jwt.leeway", nil, "%s is negative; use a duration of zero or more, such as \"30s\"", j.Leeway)
		}
		validateHeader(errs, "jwt.header", j.Header)
	}
}

func validateEnvName(errs *configErrors, field, name string) {
	if name != "" && strings.ContainsAny(name, "=\x00") {
		errs.add(field, nil, "%q is not a valid environment variable name", name)
	}
}

func validateHeader(errs *configErrors, field, name string) {
	if name == "" {
		return
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			errs.add(field, nil, "%q is not a valid HTTP header name; use letters, digits and '-', e.g. \"X-API-Key\"", name)
			return
		}
	}
}

// isTokenChar reports whether c may appear in an HTTP header name (RFC 9110
// token).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
