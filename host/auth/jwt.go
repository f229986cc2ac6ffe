package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"strings"
	"time"
)

// JWS algorithm names.
const (
	algHS256 = "HS256"
	algRS256 = "RS256"
	algES256 = "ES256"
)

// b64 decodes JWS segments: unpadded base64url with zero trailing bits.
// Characters are pre-checked by validSegment because the decoder ignores
// '\r' and '\n'.
var b64 = base64.RawURLEncoding.Strict()

// jwtVerifier verifies tokens for one JWTConfig. It is immutable.
type jwtVerifier struct {
	alg      string
	secret   []byte
	rsaKey   *rsa.PublicKey
	ecKey    *ecdsa.PublicKey
	issuer   string
	audience string
	leeway   time.Duration
	field    string
	header   string
}

// verify checks token at time now and returns its claims object.
func (v *jwtVerifier) verify(token string, now time.Time) (json.RawMessage, error) {
	if len(token) > MaxCredentialLen {
		return nil, ErrInvalidToken
	}
	h, rest, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrInvalidToken
	}
	p, s, ok := strings.Cut(rest, ".")
	if !ok || strings.IndexByte(s, '.') >= 0 {
		return nil, ErrInvalidToken
	}
	// The signature segment may be empty here so that an unsigned
	// "alg":"none" token is reported as an algorithm error.
	if !validSegment(h) || !validSegment(p) || (s != "" && !validSegment(s)) {
		return nil, ErrInvalidToken
	}
	hdrJSON, err := b64.DecodeString(h)
	if err != nil {
		return nil, ErrInvalidToken
	}
	payload, err := b64.DecodeString(p)
	if err != nil {
		return nil, ErrInvalidToken
	}
	sig, err := b64.DecodeString(s)
	if err != nil {
		return nil, ErrInvalidToken
	}

	hdr, err := decodeObject(hdrJSON)
	if err != nil {
		return nil, ErrInvalidToken
	}
	var alg string
	if raw, ok := hdr["alg"]; !ok || json.Unmarshal(raw, &alg) != nil {
		return nil, ErrInvalidToken
	}
	if alg != v.alg {
		return nil, ErrAlgorithm
	}
	if _, ok := hdr["crit"]; ok {
		return nil, ErrInvalidToken
	}
	if len(sig) == 0 {
		return nil, ErrInvalidToken
	}
	if !v.verifySignature(token[:len(h)+1+len(p)], sig) {
		return nil, ErrSignature
	}

	// Only now, with the signature verified, is the payload parsed.
	claims, err := decodeObject(payload)
	if err != nil {
		return nil, ErrInvalidToken
	}
	if err := v.checkClaims(claims, now); err != nil {
		return nil, err
	}
	return json.RawMessage(payload), nil
}

// verifySignature reports whether sig is a valid signature of signingInput
// under the configured algorithm and key.
func (v *jwtVerifier) verifySignature(signingInput string, sig []byte) bool {
	switch v.alg {
	case algHS256:
		mac := hmac.New(sha256.New, v.secret)
		io.WriteString(mac, signingInput)
		return hmac.Equal(mac.Sum(nil), sig)
	case algRS256:
		d := sha256.Sum256([]byte(signingInput))
		return rsa.VerifyPKCS1v15(v.rsaKey, crypto.SHA256, d[:], sig) == nil
	case algES256:
		// JWS ES256 signatures are R || S, each 32 bytes big-endian (RFC
		// 7518 section 3.4), not ASN.1.
		if len(sig) != 64 {
			return false
		}
		d := sha256.Sum256([]byte(signingInput))
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(v.ecKey, d[:], r, s)
	}
	return false
}

// checkClaims checks the registered claims exp, nbf, iat, iss and aud.
func (v *jwtVerifier) checkClaims(c map[string]json.RawMessage, now time.Time) error {
	// Compare in float seconds: NumericDate may be fractional, and huge
	// values must not overflow a time.Time conversion.
	t := float64(now.UnixNano()) / 1e9
	leeway := v.leeway.Seconds()
	if raw, ok := c["exp"]; ok {
		exp, err := numericDate(raw)
		if err != nil {
			return err
		}
		if t >= exp+leeway {
			return ErrExpired
		}
	}
	if raw, ok := c["nbf"]; ok {
		nbf, err := numericDate(raw)
		if err != nil {
			return err
		}
		if nbf > t+leeway {
			return ErrNotYetValid
		}
	}
	if raw, ok := c["iat"]; ok {
		iat, err := numericDate(raw)
		if err != nil {
			return err
		}
		if iat > t+leeway {
			return ErrNotYetValid
		}
	}
	if v.issuer != "" {
		var iss string
		raw, ok := c["iss"]
		if !ok || json.Unmarshal(raw, &iss) != nil || iss != v.issuer {
			return ErrIssuer
		}
	}
	if v.audience != "" && !hasAudience(c["aud"], v.audience) {
		return ErrAudience
	}
	return nil
}

// numericDate decodes a NumericDate claim (a JSON number of seconds).
func numericDate(raw json.RawMessage) (float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, ErrInvalidToken // null, string, bool, object, array
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, ErrInvalidToken // e.g. out of float64 range
	}
	return f, nil
}

// hasAudience reports whether the "aud" claim raw (a string or an array of
// strings) contains want.
func hasAudience(raw json.RawMessage, want string) bool {
	if raw == nil {
		return false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return false
	}
	for _, a := range many {
		if a == want {
			return true
		}
	}
	return false
}

// validSegment reports whether s is a non-empty string of base64url
// characters (no padding, no whitespace).
func validSegment(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

var errNotObject = errors.New("not a JSON object")

// decodeObject decodes b, which must be exactly one JSON object with no
// duplicate member names, into its members.
func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	m := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errNotObject
		}
		if _, dup := m[name]; dup {
			return nil, errors.New("duplicate member " + name)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		m[name] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after JSON object")
	}
	return m, nil
}
