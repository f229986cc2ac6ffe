package auth

import "errors"

// Authentication failures. Authenticate returns an *Error whose Unwrap
// exposes one or more of these; match them with errors.Is. The text after the
// "auth: " prefix is what the client sees (after "unauthorized: ").
var (
	// ErrNoCredentials means the client presented no credential for any
	// configured method (or, in "all" mode, for one of them).
	ErrNoCredentials = errors.New("auth: no credentials")
	// ErrInvalidKey means the presented API key is not one of the accepted
	// keys, or is not a string.
	ErrInvalidKey = errors.New("auth: invalid API key")
	// ErrInvalidToken means the token is malformed: too large, not three
	// base64url segments, bad JSON, a header or claims value that is not a
	// JSON object, a claim of the wrong type, or a "crit" header.
	ErrInvalidToken = errors.New("auth: invalid token")
	// ErrSignature means the token is well formed but its signature does not
	// verify with the configured key.
	ErrSignature = errors.New("auth: invalid token signature")
	// ErrAlgorithm means the token's "alg" header is not the single
	// algorithm the configured key allows (this includes "none").
	ErrAlgorithm = errors.New("auth: token algorithm not accepted")
	// ErrExpired means the token's "exp" is not after the current time
	// (allowing for the configured leeway).
	ErrExpired = errors.New("auth: token expired")
	// ErrNotYetValid means the token's "nbf" or "iat" is in the future
	// beyond the configured leeway.
	ErrNotYetValid = errors.New("auth: token not yet valid")
	// ErrIssuer means an issuer is configured and the token's "iss" is
	// missing or different.
	ErrIssuer = errors.New("auth: invalid token issuer")
	// ErrAudience means an audience is configured and the token's "aud" is
	// missing or does not contain it.
	ErrAudience = errors.New("auth: invalid token audience")
)

// Configuration errors. Validate and New return *ConfigError values (joined
// with errors.Join when there are several); every one matches
// ErrInvalidConfig and, where it applies, one of the more specific sentinels
// below.
var (
	// ErrInvalidConfig matches every error returned by Validate and New.
	ErrInvalidConfig = errors.New("auth: invalid config")
	// ErrNoMethod means the Config enables neither api_key nor jwt.
	ErrNoMethod = errors.New("auth: no authentication method configured")
	// ErrEnvNotSet means a *_env field names an environment variable that is
	// not set, or that holds nothing usable.
	ErrEnvNotSet = errors.New("auth: environment variable not set")
	// ErrWeakSecret means an HS256 secret is shorter than MinSecretLen bytes.
	ErrWeakSecret = errors.New("auth: secret too short")
	// ErrBadKey means a public key file cannot be read or does not hold a
	// parseable PEM public key.
	ErrBadKey = errors.New("auth: invalid public key")
	// ErrUnsupportedKey means a public key parsed but is of a type, curve or
	// size this package does not accept (only RSA >= 2048 bits and ECDSA
	// P-256 are accepted).
	ErrUnsupportedKey = errors.New("auth: unsupported public key")
)
