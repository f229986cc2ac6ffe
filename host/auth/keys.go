package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// parsePublicKeyPEM parses the single PEM block in data as an RSA (>= 2048
// bits) or ECDSA P-256 public key. Leading and trailing blanks on each line
// are ignored, so an inline key may be indented in a TOML multi-line string.
// field names the config field for errors, which are *ConfigError.
func parsePublicKeyPEM(data []byte, field string) (any, error) {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		lines[i] = strings.Trim(l, " \t\r")
	}
	data = []byte(strings.Join(lines, "\n"))
	bad := func(kind error, cause error, format string, args ...any) error {
		return &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...), Kind: kind, Cause: cause}
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, bad(ErrBadKey, nil, "no PEM block found; expect a \"-----BEGIN PUBLIC KEY-----\" block (e.g. from `openssl pkey -pubout`)")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, bad(ErrBadKey, nil, "unexpected data after the %q PEM block; keep exactly one public key", block.Type)
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		cert, err = x509.ParseCertificate(block.Bytes)
		if err == nil {
			pub = cert.PublicKey
		}
	default:
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, bad(ErrBadKey, nil, "holds a %q; configure the public key instead (`openssl pkey -in key.pem -pubout`) and keep the private key off this host", block.Type)
		}
		return nil, bad(ErrBadKey, nil, "PEM block type %q is not a public key; expect \"PUBLIC KEY\", \"RSA PUBLIC KEY\" or \"CERTIFICATE\"", block.Type)
	}
	if err != nil {
		return nil, bad(ErrBadKey, err, "cannot parse the %q PEM block: %v", block.Type, err)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < MinRSABits {
			return nil, bad(ErrUnsupportedKey, nil, "RSA key is %d bits; RS256 needs at least %d", bits, MinRSABits)
		}
		return k, nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, bad(ErrUnsupportedKey, nil, "ECDSA key uses curve %s; only P-256 (ES256) is supported", k.Curve.Params().Name)
		}
		return k, nil
	case ed25519.PublicKey:
		return nil, bad(ErrUnsupportedKey, nil, "Ed25519 keys (EdDSA) are not supported; use an RSA (RS256) or ECDSA P-256 (ES256) key, or an HS256 secret")
	default:
		return nil, bad(ErrUnsupportedKey, nil, "key type %T is not supported; use an RSA (RS256) or ECDSA P-256 (ES256) key", pub)
	}
}
