package wasmio

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Raw is an argument or value that is already JSON: Emit, Ack and Reject
// splice it as is (it must be valid JSON), and Event.Arg copies an argument
// into it undecoded. It is json.RawMessage, so it also works inside structs.
type Raw = json.RawMessage

// Binary is a binary argument. Passed to Emit or Ack as a top-level
// argument (a plain []byte works too) it travels as a Socket.IO binary
// attachment, like a Buffer in JavaScript, not as base64 JSON. Inside maps,
// slices and structs, []byte and Binary are encoded by encoding/json
// (base64). Event.Arg decodes a binary argument into a *Binary or *[]byte.
type Binary []byte

// Payload is a whole argument list as the wire carries it: Args is a JSON
// array whose binary arguments, at any depth, are placeholders
// {"_placeholder":true,"num":N} numbering into Attachments. Event.Payload
// returns the one a client sent; given as the only argument of Emit or Ack,
// it is sent as is, so a relay is byte-exact, Buffers nested in objects
// included.
type Payload struct {
	Args        Raw
	Attachments [][]byte
}

// encodeArgs encodes Emit and Ack arguments as a JSON array. A top-level
// Binary or []byte becomes a {"_placeholder":true,"num":N} placeholder and
// is returned in atts, in order; a lone Payload is used as it is.
func encodeArgs(args []any) (data []byte, atts [][]byte, err error) {
	if len(args) == 1 {
		if p, ok := args[0].(Payload); ok {
			if len(p.Args) == 0 {
				return []byte("[]"), p.Attachments, nil
			}
			return p.Args, p.Attachments, nil
		}
	}
	data = make([]byte, 0, 64)
	data = append(data, '[')
	for i, a := range args {
		if i > 0 {
			data = append(data, ',')
		}
		switch v := a.(type) {
		case Binary:
			data, atts = appendPlaceholder(data, len(atts)), append(atts, v)
		case []byte:
			data, atts = appendPlaceholder(data, len(atts)), append(atts, v)
		default:
			if data, err = appendJSON(data, a); err != nil {
				return nil, nil, err
			}
		}
	}
	return append(data, ']'), atts, nil
}

func appendPlaceholder(dst []byte, num int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	return append(strconv.AppendInt(dst, int64(num), 10), '}')
}

// marshal encodes one value as JSON, like json.Marshal.
func marshal(v any) ([]byte, error) { return appendJSON(nil, v) }

// appendJSON appends v encoded as JSON. Strings, numbers, booleans, nil,
// Raw, []any, []string, map[string]any and map[string]string are encoded
// without reflection; other values go through encoding/json with the same
// result (except that <, > and & are not escaped).
func appendJSON(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case float64:
		return appendFloat(dst, v, 64)
	case float32:
		return appendFloat(dst, float64(v), 32)
	case Raw:
		if len(v) == 0 {
			return append(dst, "null"...), nil
		}
		if !json.Valid(v) {
			return nil, &wrapError{"wasmio: Raw value is not valid JSON", ErrInvalid}
		}
		return append(dst, v...), nil
	case []any:
		return appendArray(dst, v, appendJSON)
	case []string:
		return appendArray(dst, v, appendStringJSON)
	case map[string]any:
		return appendObject(dst, v, appendJSON)
	case map[string]string:
		return appendObject(dst, v, appendStringJSON)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

func appendStringJSON(dst []byte, s string) ([]byte, error) { return appendString(dst, s), nil }

// appendArray appends v as a JSON array (null when nil), each element
// encoded by enc.
func appendArray[E any](dst []byte, v []E, enc func([]byte, E) ([]byte, error)) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, e := range v {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = enc(dst, e); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

// appendObject appends m as a JSON object (null when nil) with its keys in
// order, as encoding/json does, each value encoded by enc.
func appendObject[V any](dst []byte, m map[string]V, enc func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = enc(append(appendString(dst, k), ':'), m[k]); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendFloat formats f like encoding/json does.
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &wrapError{"wasmio: cannot encode " + strconv.FormatFloat(f, 'g', -1, 64) + " as JSON", ErrInvalid}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, like encoding/json without HTML
// escaping: invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		} else {
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(dst, s[start:]...), '"')
}

// maxDepth is how deeply arrays and objects may nest in the arguments, the
// array of arguments counting as one level, as in the Rust SDK (its JSON
// parser's MAX_DEPTH). It keeps a hostile payload from exhausting the stack
// of encoding/json under TinyGo.
const maxDepth = 128

// splitArray returns the elements of a JSON array as raw JSON, without
// decoding them. It checks the array's structure and its nesting (at most
// maxDepth levels), not every value.
func splitArray(data []byte) ([][]byte, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, errBadArgs
	}
	elems := [][]byte{}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return elems, trailing(data, i+1)
	}
	for {
		end := skipValue(data, i)
		if end < 0 {
			return nil, errBadArgs
		}
		elems = append(elems, data[i:end])
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, errBadArgs
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return elems, trailing(data, i+1)
		default:
			return nil, errBadArgs
		}
	}
}

var errBadArgs = &wrapError{"wasmio: arguments are not a JSON array", ErrInvalid}

func trailing(data []byte, i int) error {
	if skipSpace(data, i) != len(data) {
		return errBadArgs
	}
	return nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at i, or -1; also
// -1 when the value nests more than maxDepth-1 levels (it is an element of
// the array of arguments).
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				if i = skipString(data, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				if depth++; depth >= maxDepth {
					return -1
				}
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	case ',', ']', '}', ':':
		return -1
	}
	start := i
	for i < len(data) {
		switch data[i] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			if i == start {
				return -1
			}
			return i
		}
		i++
	}
	return i
}

// skipString returns the end of the JSON string starting at i, or -1.
func skipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// placeholderNum reports whether raw is a binary placeholder
// {"_placeholder":true,"num":N} and returns N.
func placeholderNum(raw []byte) (int, bool) {
	if len(raw) == 0 || raw[0] != '{' || !bytes.Contains(raw, []byte(`"_placeholder"`)) {
		return 0, false
	}
	var p struct {
		Placeholder bool     `json:"_placeholder"`
		Num         *float64 `json:"num"`
	}
	if json.Unmarshal(raw, &p) != nil || !p.Placeholder || p.Num == nil {
		return 0, false
	}
	n := *p.Num
	if n < 0 || n > math.MaxInt32 || n != math.Trunc(n) {
		return 0, false
	}
	return int(n), true
}

// joinRooms joins room names with NUL bytes, the ABI's list encoding.
func joinRooms(rooms []string) ([]byte, error) {
	if len(rooms) == 0 {
		return nil, nil
	}
	n := len(rooms) - 1
	for _, r := range rooms {
		if err := checkRoom(r); err != nil {
			return nil, err
		}
		n += len(r)
	}
	b := make([]byte, 0, n)
	for i, r := range rooms {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, r...)
	}
	return b, nil
}

var errAckTimeout = &wrapError{"wasmio: an ack timeout must be between 0 (the default, 10s) and 10 minutes", ErrInvalid}

// ackTimeout converts an EmitWithAck timeout to the ABI's milliseconds,
// rounded up so that a positive timeout never becomes 0 (the default).
func ackTimeout(d time.Duration) (int32, error) {
	if d < 0 || d > abiMaxAckTimeoutMs*time.Millisecond {
		return 0, errAckTimeout
	}
	return int32((d + time.Millisecond - 1) / time.Millisecond), nil
}

var errRoom = &wrapError{"wasmio: a room name must be non-empty and contain no NUL byte", ErrInvalid}

func checkRoom(room string) error {
	if room == "" || strings.IndexByte(room, 0) >= 0 {
		return errRoom
	}
	return nil
}
