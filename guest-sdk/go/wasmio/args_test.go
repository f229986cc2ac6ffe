package wasmio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEncodeArgs(t *testing.T) {
	type point struct {
		X int `json:"x"`
		Y int `json:"y,omitempty"`
	}
	for _, tc := range []struct {
		name string
		args []any
		want string
		atts [][]byte
	}{
		{"none", nil, `[]`, nil},
		{"scalars", []any{"a", 1, -2.5, true, nil}, `["a",1,-2.5,true,null]`, nil},
		{"ints", []any{int8(-8), int16(16), int32(-32), int64(1 << 62), uint(7), uint8(8), uint16(16), uint32(32), uint64(math.MaxUint64)},
			`[-8,16,-32,4611686018427387904,7,8,16,32,18446744073709551615]`, nil},
		{"float32", []any{float32(0.1)}, `[0.1]`, nil},
		{"raw", []any{Raw(`{"a": [1, 2]}`), Raw(nil)}, `[{"a": [1, 2]},null]`, nil},
		{"binary", []any{Binary("ab"), "x", []byte{1, 2}}, `[{"_placeholder":true,"num":0},"x",{"_placeholder":true,"num":1}]`, [][]byte{[]byte("ab"), {1, 2}}},
		{"nested bytes are base64", []any{map[string]any{"b": []byte("hi")}}, `[{"b":"aGk="}]`, nil},
		{"map", []any{map[string]any{"z": 1, "a": []any{"x", map[string]string{"k": "v"}}}}, `[{"a":["x",{"k":"v"}],"z":1}]`, nil},
		{"strings", []any{[]string{"a", "b"}, []string(nil), map[string]any(nil), []any(nil)}, `[["a","b"],null,null,null]`, nil},
		{"struct", []any{point{1, 0}, &point{2, 3}}, `[{"x":1},{"x":2,"y":3}]`, nil},
		{"no html escaping", []any{"<a&b>"}, `["<a&b>"]`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, atts, err := encodeArgs(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tc.want {
				t.Errorf("json = %s, want %s", data, tc.want)
			}
			if !reflect.DeepEqual(atts, tc.atts) {
				t.Errorf("attachments = %q, want %q", atts, tc.atts)
			}
			if !json.Valid(data) {
				t.Errorf("invalid JSON %s", data)
			}
		})
	}
}

func TestEncodeArgsErrors(t *testing.T) {
	for _, args := range [][]any{
		{math.NaN()},
		{math.Inf(1)},
		{float32(math.Inf(-1))},
		{Raw(`{"a":`)},
		{map[string]any{"f": math.NaN()}},
		{[]any{Raw("nope")}},
		{make(chan int)},
	} {
		if _, _, err := encodeArgs(args); err == nil {
			t.Errorf("encodeArgs(%v): no error", args)
		}
	}
	if _, _, err := encodeArgs([]any{Raw("{")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid Raw: %v, want ErrInvalid", err)
	}
}

// TestAppendJSONMatchesEncodingJSON checks the reflection-free encoder
// against encoding/json (without HTML escaping).
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		"", "plain", "quote\" backslash\\ slash/", "\x00\x01\x1f\x7f", "\b\f\n\r\t",
		"caf\u00e9 \u2028\u2029 \U0001F600", "bad \xff\xfe utf8 \xc3", "<>&",
		0, -1, math.MaxInt64, math.MinInt64, uint64(math.MaxUint64),
		true, false, nil,
		0.0, math.Copysign(0, -1), 1.0, -1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.123, 5e-324,
		math.MaxFloat64, -math.SmallestNonzeroFloat64, 0.000001234, 1.7976931348623157e308,
		float32(1e20), float32(1e21), float32(1e-7), float32(3.4028235e38), float32(-0.3),
		[]any{1, "a", []any{}, map[string]any{}}, []string{"x\n"},
		map[string]any{"b": 1, "a": map[string]any{"\u00e9": nil}}, map[string]string{"k\"": "v\\"},
	}
	for _, v := range values {
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Errorf("%#v: %v", v, err)
			continue
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if w := strings.TrimSuffix(want.String(), "\n"); string(got) != w {
			t.Errorf("%#v: got %s, want %s", v, got, w)
		}
	}
}

func TestSplitArray(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`[]`, []string{}},
		{` [ ] `, []string{}},
		{`[1]`, []string{`1`}},
		{`["a",2,true,null,-1.5e3]`, []string{`"a"`, `2`, `true`, `null`, `-1.5e3`}},
		{` [ "a" , { "b" : [1,2] } , [ ] ] `, []string{`"a"`, `{ "b" : [1,2] }`, `[ ]`}},
		{`["]\"[",{"k":"}{"}]`, []string{`"]\"["`, `{"k":"}{"}`}},
		{`["\\",1]`, []string{`"\\"`, `1`}},
		{"[\n{\"_placeholder\":true,\"num\":0}\n]", []string{`{"_placeholder":true,"num":0}`}},
	} {
		got, err := splitArray([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		gs := make([]string, len(got))
		for i, g := range got {
			gs[i] = string(g)
		}
		if !reflect.DeepEqual(gs, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.in, gs, tc.want)
		}
	}
	// 128 levels of nesting, the array of arguments included, and no more.
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	if got, err := splitArray([]byte("[" + nest(maxDepth-1) + "]")); err != nil || len(got) != 1 {
		t.Errorf("%d levels: %q, %v", maxDepth, got, err)
	}
	for _, in := range []string{``, `{}`, `"a"`, `[`, `[1`, `[1,]`, `[,1]`, `[1 2]`, `["a]`, `[{"a":1]`, `[1]x`, `[]]`, `[1,`,
		"[" + nest(maxDepth) + "]", `[1,{"a":` + nest(maxDepth) + `}]`} {
		if got, err := splitArray([]byte(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: got %q, %v, want ErrInvalid", in, got, err)
		}
	}
}

func TestPlaceholderNum(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int
		ok bool
	}{
		{`{"_placeholder":true,"num":0}`, 0, true},
		{`{"num":3,"_placeholder":true}`, 3, true},
		{` {"_placeholder":true,"num":1}`, 0, false}, // elements are trimmed
		{`{"_placeholder":false,"num":0}`, 0, false},
		{`{"_placeholder":true}`, 0, false},
		{`{"_placeholder":true,"num":-1}`, 0, false},
		{`{"_placeholder":true,"num":1.5}`, 0, false},
		{`{"_placeholder":true,"num":"1"}`, 0, false},
		{`{"_placeholder":"true","num":1}`, 0, false},
		{`{"other":1}`, 0, false},
		{`"_placeholder"`, 0, false},
		{``, 0, false},
	} {
		n, ok := placeholderNum([]byte(tc.in))
		if n != tc.n || ok != tc.ok {
			t.Errorf("%s: got %d, %v, want %d, %v", tc.in, n, ok, tc.n, tc.ok)
		}
	}
}

func TestJoinRooms(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
		err  bool
	}{
		{nil, "", false},
		{[]string{"a"}, "a", false},
		{[]string{"a", "bc", "d"}, "a\x00bc\x00d", false},
		{[]string{"a", ""}, "", true},
		{[]string{"a\x00b"}, "", true},
	} {
		got, err := joinRooms(tc.in)
		if string(got) != tc.want || (err != nil) != tc.err {
			t.Errorf("%q: got %q, %v", tc.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v is not ErrInvalid", tc.in, err)
		}
	}
	if got, _ := joinRooms(nil); got != nil {
		t.Error("empty list is not nil")
	}
}

func TestDecodeList(t *testing.T) {
	enc := func(parts ...string) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, byte(len(p)), byte(len(p)>>8), 0, 0)
			b = append(b, p...)
		}
		return b
	}
	got, err := decodeList(enc("a", "1", "bb", "", "c", strings.Repeat("x", 300)))
	want := []Entry{{"a", []byte("1")}, {"bb", []byte{}}, {"c", []byte(strings.Repeat("x", 300))}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v", got, err)
	}
	if got, err := decodeList(nil); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
	full := enc("key", "value")
	for i := 1; i < len(full); i++ {
		if _, err := decodeList(full[:i]); !errors.Is(err, ErrInvalid) {
			t.Errorf("truncated at %d: %v", i, err)
		}
	}
	if _, err := decodeList([]byte{0xff, 0xff, 0xff, 0xff}); err == nil {
		t.Error("huge length: no error")
	}
}

func TestCodeError(t *testing.T) {
	for code, want := range map[int32]error{
		0: nil, 1: nil, 42: nil,
		-1: ErrInvalid, -2: ErrNotFound, -3: ErrTooLarge, -4: ErrState,
		-5: ErrNotInteger, -6: ErrOverflow, -7: ErrStorage,
	} {
		if got := codeError(code); got != want {
			t.Errorf("codeError(%d) = %v, want %v", code, got, want)
		}
	}
	if err := codeError(-99); err == nil || !strings.Contains(err.Error(), "-99") {
		t.Errorf("codeError(-99) = %v", err)
	}
	if !errors.Is(ErrNoAck, ErrState) || errors.Is(ErrState, ErrNoAck) {
		t.Error("ErrNoAck is not an ErrState")
	}
	for _, err := range []error{ErrInvalid, ErrNotFound, ErrTooLarge, ErrState, ErrNoAck, ErrNotInteger, ErrOverflow, ErrStorage} {
		if !strings.HasPrefix(err.Error(), "wasmio: ") {
			t.Errorf("%q lacks the prefix", err)
		}
	}
}

func TestErrorCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int32
	}{
		{errors.New("mine"), codeHandlerError},
		{ErrInvalid, abiErrInvalid},
		{errRoom, abiErrInvalid},
		{fmt.Errorf("wrapped: %w", ErrNotInteger), abiErrNotInteger},
		{ErrStorage, abiErrStorage},
		{codeError(-99), codeHandlerError},
	} {
		if got := errorCode(tc.err); got != tc.want {
			t.Errorf("errorCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestListLimit(t *testing.T) {
	for in, want := range map[int]int32{-5: 0, 0: 0, 1: 1, 1000: 1000, math.MaxInt32: math.MaxInt32, math.MaxInt32 + 1: math.MaxInt32} {
		if got := listLimit(in); got != want {
			t.Errorf("listLimit(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestReadOut(t *testing.T) {
	data := []byte(strings.Repeat("d", 1000))
	calls := 0
	fill := func(buf []byte) int32 {
		calls++
		copy(buf, data)
		return int32(len(data))
	}
	got, err := readOut(16, fill)
	if err != nil || !bytes.Equal(got, data) || calls != 2 {
		t.Errorf("got %d bytes, %v after %d calls", len(got), err, calls)
	}
	calls = 0
	if got, err := readOut(2000, fill); err != nil || !bytes.Equal(got, data) || calls != 1 || cap(got) != len(data) {
		t.Errorf("big guess: %d bytes (cap %d), %v after %d calls", len(got), cap(got), err, calls)
	}
	if got, err := readOut(0, func([]byte) int32 { return 0 }); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
	if _, err := readOut(8, func([]byte) int32 { return -2 }); err != ErrNotFound {
		t.Errorf("error code: %v", err)
	}
	n := int32(10)
	if _, err := readOut(8, func([]byte) int32 { n *= 2; return n }); err != ErrTooLarge {
		t.Errorf("growing data: %v", err)
	}
}

func TestFormatKV(t *testing.T) {
	for _, tc := range []struct {
		kv   []any
		want string
	}{
		{nil, "msg"},
		{[]any{"room", "lobby", "n", 3, "ok", true}, "msg room=lobby n=3 ok=true"},
		{[]any{"text", "two words", "empty", ""}, `msg text="two words" empty=""`},
		{[]any{"err", errors.New("bad")}, "msg err=bad"},
		{[]any{"d", time.Second, 7, int64(8)}, "msg d=1s 7=8"},
		{[]any{"odd"}, "msg !BADKEY=odd"},
	} {
		if got := formatKV("msg", tc.kv); got != tc.want {
			t.Errorf("formatKV(%v) = %q, want %q", tc.kv, got, tc.want)
		}
	}
}

func TestAckTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want int32
		err  error
	}{
		{0, 0, nil}, // the host's default
		{time.Nanosecond, 1, nil},
		{time.Millisecond, 1, nil},
		{1500 * time.Microsecond, 2, nil},
		{10 * time.Minute, 600000, nil},
		{10*time.Minute + time.Nanosecond, 0, ErrInvalid},
		{-time.Millisecond, 0, ErrInvalid},
		{1 << 62, 0, ErrInvalid},
	} {
		got, err := ackTimeout(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("ackTimeout(%v) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
