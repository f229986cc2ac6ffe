package wasmio

import (
	"encoding/json"
	"strings"
	"time"
)

// Handshake describes the socket's connection, like socket.handshake in
// Socket.IO.
type Handshake struct{ r *run }

// Headers returns the handshake request's headers: lower-case names, the
// values of a repeated header joined by ", ". Do not modify the map.
func (h *Handshake) Headers() map[string]string {
	if h.r.headers == nil {
		h.r.headers = decodeStrings(h.r.field(abiFieldHeaders))
	}
	return h.r.headers
}

// Header returns the value of the named header (any case), "" if absent.
func (h *Handshake) Header(name string) string { return h.Headers()[strings.ToLower(name)] }

// Query returns the handshake URL's query parameters (the first value of
// each). Do not modify the map.
func (h *Handshake) Query() map[string]string {
	if h.r.query == nil {
		h.r.query = decodeStrings(h.r.field(abiFieldQuery))
	}
	return h.r.query
}

func decodeStrings(data []byte) map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal(data, &m)
	return m
}

// Auth decodes into v the auth object the client passed when connecting to
// the namespace ({} when none), like socket.handshake.auth.
func (h *Handshake) Auth(v any) error { return json.Unmarshal(h.AuthJSON(), v) }

// AuthJSON returns the auth object as JSON. Do not modify it.
func (h *Handshake) AuthJSON() []byte { return h.r.field(abiFieldAuth) }

// Claims decodes into v the claims of the JWT the namespace verified when
// the socket connected. It returns ErrNotFound when the namespace did not
// authenticate the socket with a JWT.
func (h *Handshake) Claims(v any) error {
	data := h.ClaimsJSON()
	if string(data) == "null" || len(data) == 0 {
		return ErrNotFound
	}
	return json.Unmarshal(data, v)
}

// ClaimsJSON returns the verified JWT claims as a JSON object, or null
// when there is no JWT. Do not modify it.
func (h *Handshake) ClaimsJSON() []byte { return h.r.field(abiFieldClaims) }

// Address returns the client's IP address.
func (h *Handshake) Address() string { return h.r.str(abiFieldAddress) }

// Time returns when the connection was opened.
func (h *Handshake) Time() time.Time { return time.UnixMilli(h.r.int(abiFieldHandshakeTime)) }
