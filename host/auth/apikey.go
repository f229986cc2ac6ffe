package auth

import (
	"crypto/sha256"
	"crypto/subtle"
)

// apiKeyVerifier checks API keys against SHA-256 digests of the accepted
// keys. It is immutable.
type apiKeyVerifier struct {
	digests [][sha256.Size]byte
	field   string
	header  string
}

// verify reports whether key is one of the accepted keys. It compares the
// fixed-size digest of key with every accepted digest in constant time and
// without stopping early, so timing reveals neither which key matched nor
// the keys' lengths.
func (v *apiKeyVerifier) verify(key string) bool {
	if len(key) > MaxCredentialLen {
		return false
	}
	d := sha256.Sum256([]byte(key))
	match := 0
	for i := range v.digests {
		match |= subtle.ConstantTimeCompare(d[:], v.digests[i][:])
	}
	return match == 1
}
