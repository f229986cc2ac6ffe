package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"
	"github.com/wasmio/wasmio/engineio"
)

// Error is an answer other than success: its HTTP status and the JSON body
// {"code": Code, "message": Message}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func badRequest(format string, args ...any) *Error {
	return &Error{Status: fasthttp.StatusBadRequest, Code: "invalid_request", Message: fmt.Sprintf(format, args...)}
}

// readBody returns the request body, refusing one over max
// (engineio.ReadBody).
func readBody(ctx *fasthttp.RequestCtx, max int) ([]byte, *Error) {
	body, err := engineio.ReadBody(ctx, max)
	switch {
	case errors.Is(err, engineio.ErrBodyTooLarge):
		return nil, &Error{Status: fasthttp.StatusRequestEntityTooLarge, Code: "body_too_large",
			Message: fmt.Sprintf("the request body is over %d bytes ([admin] max_body)", max)}
	case err != nil:
		return nil, badRequest("reading the body: %v", err)
	}
	return body, nil
}

// DefaultEvent is the event a broadcast or an emit without one sends, as
// the documentation's Realtime Event function does ("sends a message of
// type 'event' to the channel specified").
const DefaultEvent = "event"

// messageBody is what an emit's body holds: {"event"?, "data"?}.
type messageBody struct {
	Event *string         `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// message turns the body into a Message: the event defaults to
// DefaultEvent, data becomes the one argument (none when absent).
func (m *messageBody) message() (Message, *Error) {
	msg := Message{Event: DefaultEvent}
	if m.Event != nil {
		if *m.Event == "" {
			return Message{}, badRequest("event is empty: leave it out for %q, or name the event", DefaultEvent)
		}
		msg.Event = *m.Event
	}
	if m.Data != nil {
		msg.Args = append(append([]byte{'['}, m.Data...), ']')
	}
	return msg, nil
}

// broadcastBody is POST /api/socket/broadcast's body.
type broadcastBody struct {
	messageBody
	Namespace string     `json:"namespace"`
	Channel   *string    `json:"channel"`
	Channels  []string   `json:"channels"`
	Except    stringList `json:"except"`
}

// stringList decodes a JSON string or array of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*l = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = stringList{s}
		return nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return errors.New("must be a string or an array of strings")
	}
	*l = a
	return nil
}

// broadcast is a decoded, validated broadcast request.
type broadcast struct {
	namespace string
	channels  []string
	except    []string
	msg       Message
}

// decodeJSON decodes body, one JSON object with only v's fields, into v.
func decodeJSON(body []byte, v any) *Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("the body is empty: send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute) && ute.Field != "":
			return &Error{Status: fasthttp.StatusBadRequest, Code: "invalid_json", Message: fmt.Sprintf("%s must be %s, not a JSON %s", ute.Field, jsonKind(ute.Type.Kind().String()), ute.Value)}
		case errors.As(err, &ute):
			return &Error{Status: fasthttp.StatusBadRequest, Code: "invalid_json", Message: "the body must be a JSON object, not a JSON " + ute.Value}
		}
		return &Error{Status: fasthttp.StatusBadRequest, Code: "invalid_json", Message: "the body is not a valid request: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	if dec.More() {
		return &Error{Status: fasthttp.StatusBadRequest, Code: "invalid_json", Message: "the body holds more than one JSON value"}
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string", "ptr":
		return "a string"
	case "slice":
		return "an array"
	}
	return "a " + goKind
}

// decodeBroadcast decodes and checks a broadcast's body.
func decodeBroadcast(body []byte) (broadcast, *Error) {
	var b broadcastBody
	if err := decodeJSON(body, &b); err != nil {
		return broadcast{}, err
	}
	msg, err := b.message()
	if err != nil {
		return broadcast{}, err
	}
	if b.Namespace != "" && !strings.HasPrefix(b.Namespace, "/") {
		return broadcast{}, badRequest("namespace %q must start with /, like \"/chat\"; leave it out for every namespace", b.Namespace)
	}
	var channels []string
	switch {
	case b.Channel != nil && b.Channels != nil:
		return broadcast{}, badRequest("give channel or channels, not both")
	case b.Channel != nil:
		channels = []string{*b.Channel}
	case len(b.Channels) > 0:
		channels = b.Channels
	default:
		return broadcast{}, badRequest("no channel: give \"channel\": \"chat:room1\" or \"channels\": [...]")
	}
	for _, c := range channels {
		if c == "" {
			return broadcast{}, badRequest("a channel name is empty")
		}
	}
	for _, e := range b.Except {
		if e == "" {
			return broadcast{}, badRequest("an except entry is empty")
		}
	}
	return broadcast{namespace: b.Namespace, channels: channels, except: b.Except, msg: msg}, nil
}

// decodeMessage decodes and checks the body of an emit to one connection.
func decodeMessage(body []byte) (Message, *Error) {
	var m messageBody
	if err := decodeJSON(body, &m); err != nil {
		return Message{}, err
	}
	return m.message()
}
