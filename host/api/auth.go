package api

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/valyala/fasthttp"
)

// authorizer checks a request's bearer token against SHA-256 digests of the
// accepted tokens. It is immutable.
type authorizer struct {
	digests [][sha256.Size]byte
}

func newAuthorizer(tokens []string) *authorizer {
	a := &authorizer{}
	for _, t := range tokens {
		a.digests = append(a.digests, sha256.Sum256([]byte(t)))
	}
	return a
}

func (a *authorizer) protected() bool { return len(a.digests) > 0 }

// check returns the error that refuses ctx, or nil. Without tokens only
// loopback clients pass: an API configured with no secret must not be open
// to the network. With tokens, the digest of the presented one is compared
// with every accepted digest in constant time and without stopping early,
// so timing tells neither which token matched nor their lengths.
func (a *authorizer) check(ctx *fasthttp.RequestCtx) *Error {
	if !a.protected() {
		if ctx.RemoteIP().IsLoopback() {
			return nil
		}
		return &Error{Status: fasthttp.StatusForbidden, Code: "loopback_only",
			Message: "no API token is configured ([admin] tokens_env): the API answers loopback clients only"}
	}
	h := ctx.Request.Header.Peek(fasthttp.HeaderAuthorization)
	scheme, token, ok := bytes.Cut(bytes.TrimSpace(h), []byte(" "))
	if len(h) == 0 || !ok || !bytes.EqualFold(scheme, []byte("Bearer")) {
		ctx.Response.Header.Set(fasthttp.HeaderWWWAuthenticate, `Bearer realm="wasmio"`)
		return &Error{Status: fasthttp.StatusUnauthorized, Code: "missing_token",
			Message: "send an API token as \"Authorization: Bearer <token>\""}
	}
	d := sha256.Sum256(bytes.TrimSpace(token))
	match := 0
	for i := range a.digests {
		match |= subtle.ConstantTimeCompare(d[:], a.digests[i][:])
	}
	if match != 1 {
		ctx.Response.Header.Set(fasthttp.HeaderWWWAuthenticate, `Bearer realm="wasmio", error="invalid_token"`)
		return &Error{Status: fasthttp.StatusUnauthorized, Code: "invalid_token", Message: "the API token is not one of the configured tokens"}
	}
	return nil
}
