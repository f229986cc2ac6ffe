package sandbox

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/wasmio/wasmio/abi"
)

// Event is everything a handler may read about the event it handles. The
// sandbox reads it and never modifies it.
type Event struct {
	// Name is "$connect", "$disconnect", "$ack" or the client's event name.
	Name      string
	Namespace string
	SocketID  string
	// Args is the JSON array of arguments: the client's (for $ack, those
	// of its answer), "[]" for $connect, `["<reason>"]` for $disconnect.
	// Nil means "[]".
	Args []byte
	// Attachments are the binary arguments in placeholder order.
	Attachments [][]byte
	// Rooms are the socket's rooms when the event started, its own id first.
	Rooms []string
	// Handshake is the socket's connection handshake, shared by its events.
	Handshake *Handshake
	// Time is when the event was received.
	Time time.Time
	// WantsAck tells whether the client asked for an acknowledgement.
	WantsAck bool
	// AckTag and AckError describe a $ack event: the tag its emit_ack
	// chose, and "" when the client answered, abi.AckErrorTimeout or
	// abi.AckErrorDisconnected when it did not. Empty for other events.
	AckTag, AckError string
	// AckSlots is how many emit_acks the run may make: how many more acks
	// the socket may await (abi.MaxPendingAcks minus those it awaits).
	// Zero, when the socket is gone or nothing could answer, makes
	// emit_ack return ERR_STATE.
	AckSlots int
}

// Handshake is what a socket presented when it connected. Its headers and
// query are taken from their source and encoded when a handler reads them:
// kept encoded for all of the socket's events, they would cost every idle
// socket their size again (bench/ANALYSIS.md), and most handlers never
// read them.
type Handshake struct {
	headers, query func() map[string][]string // nil for none
	Auth           []byte                     // JSON object
	Claims         []byte                     // JSON object, or "null" without a verified JWT
	Address        string
	Time           time.Time
}

// NewHandshake returns a socket's handshake: headers and query return its
// request's headers and query parameters (nil for none), and the handler
// sees them as JSON objects, header names in lower case and only the
// first value of each parameter. auth and claims are raw JSON; nil means
// {} and null.
func NewHandshake(headers, query func() map[string][]string, auth, claims []byte, address string, at time.Time) *Handshake {
	if auth == nil {
		auth = []byte("{}")
	}
	if claims == nil {
		claims = []byte("null")
	}
	return &Handshake{headers: headers, query: query, Auth: auth, Claims: claims, Address: address, Time: at}
}

// Headers returns the headers as handlers read them, a JSON object.
func (h *Handshake) Headers() []byte { return encodeHeaders(call(h.headers)) }

// Query returns the query parameters as handlers read them, a JSON object.
func (h *Handshake) Query() []byte { return encodeQuery(call(h.query)) }

func call(f func() map[string][]string) map[string][]string {
	if f == nil {
		return nil
	}
	return f()
}

func encodeHeaders(h map[string][]string) []byte {
	m := make(map[string]string, len(h))
	for k, v := range h {
		m[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return marshalSorted(m)
}

func encodeQuery(q map[string][]string) []byte {
	m := make(map[string]string, len(q))
	for k, v := range q {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return marshalSorted(m)
}

// marshalSorted encodes a string map with sorted keys, as encoding/json does.
func marshalSorted(m map[string]string) []byte {
	b, _ := json.Marshal(m)
	return b
}

var emptyArray = []byte("[]")

// field returns the bytes of event field id, and whether the id is known.
func (e *Event) field(id int32) ([]byte, bool) {
	switch id {
	case abi.FieldEvent:
		return []byte(e.Name), true
	case abi.FieldNamespace:
		return []byte(e.Namespace), true
	case abi.FieldSocketID:
		return []byte(e.SocketID), true
	case abi.FieldArgs:
		if e.Args == nil {
			return emptyArray, true
		}
		return e.Args, true
	case abi.FieldRooms:
		b, _ := json.Marshal(e.Rooms)
		if e.Rooms == nil {
			b = emptyArray
		}
		return b, true
	case abi.FieldHeaders:
		return e.hs().Headers(), true
	case abi.FieldQuery:
		return e.hs().Query(), true
	case abi.FieldAuth:
		return e.hs().Auth, true
	case abi.FieldClaims:
		return e.hs().Claims, true
	case abi.FieldAddress:
		return []byte(e.hs().Address), true
	case abi.FieldHandshakeTime:
		return strconv.AppendInt(nil, e.hs().Time.UnixMilli(), 10), true
	case abi.FieldTime:
		return strconv.AppendInt(nil, e.Time.UnixMilli(), 10), true
	case abi.FieldAck:
		if e.WantsAck {
			return []byte("1"), true
		}
		return []byte("0"), true
	case abi.FieldAttachments:
		return strconv.AppendInt(nil, int64(len(e.Attachments)), 10), true
	case abi.FieldAckTag:
		return []byte(e.AckTag), true
	case abi.FieldAckError:
		return []byte(e.AckError), true
	}
	return nil, false
}

var emptyHandshake = NewHandshake(nil, nil, nil, nil, "", time.Time{})

func (e *Event) hs() *Handshake {
	if e.Handshake == nil {
		return emptyHandshake
	}
	return e.Handshake
}
