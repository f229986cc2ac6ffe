package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/engineio"
)

func TestDecodePacket(t *testing.T) {
	const ph0 = `{"_placeholder":true,"num":0}`
	const ph1 = `{"_placeholder":true,"num":1}`
	type want struct {
		typ   PacketType
		nsp   string
		id    uint64
		hasID bool
		atts  int
		data  string // "" means nil
	}
	ok := []struct {
		in   string
		want want
	}{
		// CONNECT
		{"0", want{typ: PacketConnect, nsp: "/"}},
		{`0{"token":"x"}`, want{typ: PacketConnect, nsp: "/", data: `{"token":"x"}`}},
		{"0/admin,", want{typ: PacketConnect, nsp: "/admin"}},
		{"0/admin", want{typ: PacketConnect, nsp: "/admin"}},
		{`0/admin,{"a":[1,2]}`, want{typ: PacketConnect, nsp: "/admin", data: `{"a":[1,2]}`}},
		{`0 {}`, want{typ: PacketConnect, nsp: "/", data: ` {}`}},
		{"0/", want{typ: PacketConnect, nsp: "/"}},
		{`0/,{}`, want{typ: PacketConnect, nsp: "/", data: `{}`}},
		// DISCONNECT
		{"1", want{typ: PacketDisconnect, nsp: "/"}},
		{"1/admin,", want{typ: PacketDisconnect, nsp: "/admin"}},
		// EVENT
		{`2["hello"]`, want{typ: PacketEvent, nsp: "/", data: `["hello"]`}},
		{`2["hello",1,{"a":null}]`, want{typ: PacketEvent, nsp: "/", data: `["hello",1,{"a":null}]`}},
		{`2/admin,["hello"]`, want{typ: PacketEvent, nsp: "/admin", data: `["hello"]`}},
		{`212["hello"]`, want{typ: PacketEvent, nsp: "/", id: 12, hasID: true, data: `["hello"]`}},
		{`2/admin,12["hello"]`, want{typ: PacketEvent, nsp: "/admin", id: 12, hasID: true, data: `["hello"]`}},
		{`20["x"]`, want{typ: PacketEvent, nsp: "/", id: 0, hasID: true, data: `["x"]`}},
		{`2007["x"]`, want{typ: PacketEvent, nsp: "/", id: 7, hasID: true, data: `["x"]`}},
		{`29007199254740991["x"]`, want{typ: PacketEvent, nsp: "/", id: maxAckID, hasID: true, data: `["x"]`}},
		{`2[1,"x"]`, want{typ: PacketEvent, nsp: "/", data: `[1,"x"]`}},
		{`2[-1.5e3]`, want{typ: PacketEvent, nsp: "/", data: `[-1.5e3]`}},
		{`2 [ "a" , 1 ]`, want{typ: PacketEvent, nsp: "/", data: ` [ "a" , 1 ]`}},
		{`2["\u0063onnec"]`, want{typ: PacketEvent, nsp: "/", data: `["\u0063onnec"]`}},
		{`2["Connect"]`, want{typ: PacketEvent, nsp: "/", data: `["Connect"]`}},
		{`2["connect_errors"]`, want{typ: PacketEvent, nsp: "/", data: `["connect_errors"]`}},
		{`2[""]`, want{typ: PacketEvent, nsp: "/", data: `[""]`}},
		// ACK
		{`3[]`, want{typ: PacketAck, nsp: "/", data: `[]`}},
		{`312["ok",1]`, want{typ: PacketAck, nsp: "/", id: 12, hasID: true, data: `["ok",1]`}},
		{`3/x,5[null]`, want{typ: PacketAck, nsp: "/x", id: 5, hasID: true, data: `[null]`}},
		// CONNECT_ERROR
		{`4{"message":"nope"}`, want{typ: PacketConnectError, nsp: "/", data: `{"message":"nope"}`}},
		{`4"nope"`, want{typ: PacketConnectError, nsp: "/", data: `"nope"`}},
		{`4/x,{"message":"nope","data":1}`, want{typ: PacketConnectError, nsp: "/x", data: `{"message":"nope","data":1}`}},
		// BINARY_EVENT and BINARY_ACK
		{`51-["a",` + ph0 + `]`, want{typ: PacketBinaryEvent, nsp: "/", atts: 1, data: `["a",` + ph0 + `]`}},
		{`52-/admin,7["a",` + ph0 + `,` + ph1 + `]`, want{typ: PacketBinaryEvent, nsp: "/admin", id: 7, hasID: true, atts: 2, data: `["a",` + ph0 + `,` + ph1 + `]`}},
		{`510-["a"]`, want{typ: PacketBinaryEvent, nsp: "/", atts: 10, data: `["a"]`}},
		{`5001-["a"]`, want{typ: PacketBinaryEvent, nsp: "/", atts: 1, data: `["a"]`}},
		{`61-3[` + ph0 + `]`, want{typ: PacketBinaryAck, nsp: "/", id: 3, hasID: true, atts: 1, data: `[` + ph0 + `]`}},
		{`61-/x,3[` + ph0 + `]`, want{typ: PacketBinaryAck, nsp: "/x", id: 3, hasID: true, atts: 1, data: `[` + ph0 + `]`}},
	}
	for _, tt := range ok {
		t.Run("ok "+tt.in, func(t *testing.T) {
			p, err := DecodePacket([]byte(tt.in), 10)
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want
			if p.Type != w.typ || p.Namespace != w.nsp || p.ID != w.id || p.HasID != w.hasID || p.Attachments != w.atts {
				t.Fatalf("got %+v, want %+v", p, w)
			}
			if (w.data == "") != (p.Data == nil) || string(p.Data) != w.data {
				t.Fatalf("data %q (nil %v), want %q", p.Data, p.Data == nil, w.data)
			}
		})
	}

	bad := []struct {
		in, err string
		max     int // maxAttachments; 0 means 10
	}{
		// Types.
		{in: "", err: "unknown packet type"},
		{in: "7", err: "unknown packet type"},
		{in: "9[]", err: "unknown packet type"},
		{in: "a", err: "unknown packet type"},
		{in: "/", err: "unknown packet type"},
		// Reserved event names, as plain, escaped and binary events.
		{in: `2["connect"]`, err: "reserved event name"},
		{in: `2["connect_error"]`, err: "reserved event name"},
		{in: `2["disconnect"]`, err: "reserved event name"},
		{in: `2["disconnecting"]`, err: "reserved event name"},
		{in: `2["newListener"]`, err: "reserved event name"},
		{in: `2["removeListener",1]`, err: "reserved event name"},
		{in: `2/admin,5["connect"]`, err: "reserved event name"},
		{in: `2["\u0063onnect"]`, err: "reserved event name"},
		{in: `2[ "disconnect" ]`, err: "reserved event name"},
		{in: `51-["disconnect",{"_placeholder":true,"num":0}]`, err: "reserved event name"},
		// EVENT payloads that are not an array, or whose name is neither a
		// string nor a number.
		{in: `2{"a":1}`, err: "invalid payload"},
		{in: `2"hello"`, err: "invalid payload"},
		{in: `2null`, err: "invalid payload"},
		{in: `2[]`, err: "string or a number"},
		{in: `2[ ]`, err: "string or a number"},
		{in: `2[{}]`, err: "string or a number"},
		{in: `2[null,1]`, err: "string or a number"},
		{in: `2[true]`, err: "string or a number"},
		{in: `2[["a"]]`, err: "string or a number"},
		{in: `51-[{"_placeholder":true,"num":0}]`, err: "string or a number"},
		// An event needs a name (stricter than the reference parser, which
		// lets an EVENT without payload through to an undefined event).
		{in: `2`, err: "invalid payload"},
		{in: `21`, err: "invalid payload"},
		{in: `2/admin,`, err: "invalid payload"},
		// CONNECT payload must be an object.
		{in: `0"x"`, err: "invalid payload"},
		{in: `0[]`, err: "invalid payload"},
		{in: `0null`, err: "invalid payload"},
		{in: `0/,"x"`, err: "invalid payload"},
		{in: `0/admin,[1]`, err: "invalid payload"},
		// DISCONNECT must have none.
		{in: `1{}`, err: "invalid payload"},
		{in: `1/admin,{}`, err: "invalid payload"},
		{in: `1[]`, err: "invalid payload"},
		{in: `1"bye"`, err: "invalid payload"},
		// ACK payload must be an array (and is required).
		{in: `3{"a":1}`, err: "invalid payload"},
		{in: `31"x"`, err: "invalid payload"},
		{in: `31`, err: "invalid payload"},
		// CONNECT_ERROR payload must be an object or a string.
		{in: `4[]`, err: "invalid payload"},
		{in: `41`, err: "invalid payload"},
		{in: `4`, err: "invalid payload"},
		// Ack ids.
		{in: `29007199254740992["x"]`, err: "illegal ack id"},
		{in: `399999999999999999999[]`, err: "illegal ack id"},
		{in: `3/x,18446744073709551616[]`, err: "illegal ack id"},
		// Attachment counts.
		{in: `5-["a"]`, err: "illegal attachments"},
		{in: `5-1-["a"]`, err: "illegal attachments"},
		{in: `5a-["a"]`, err: "illegal attachments"},
		{in: `51["a"]`, err: "illegal attachments"},
		{in: `51["a-b"]`, err: "illegal attachments"},
		{in: `5`, err: "illegal attachments"},
		{in: `50-["a"]`, err: "illegal attachments"},
		{in: `6-1-[]`, err: "illegal attachments"},
		{in: `51234567-["a"]`, err: "illegal attachments"},
		{in: `511-["a"]`, err: "too many attachments"},
		{in: `6999999-[]`, err: "too many attachments"},
		{in: `51-["a"]`, err: "too many attachments", max: -1},
		{in: `53-["a"]`, err: "too many attachments", max: 2},
		// Invalid JSON.
		{in: `2[`, err: "invalid JSON"},
		{in: `2["a",]`, err: "invalid JSON"},
		{in: `2["a"]x`, err: "invalid JSON"},
		{in: `2['a']`, err: "invalid JSON"},
		{in: `2["a"`, err: "invalid JSON"},
		{in: `2["a\"]`, err: "invalid JSON"},
		{in: `0{`, err: "invalid JSON"},
		{in: `3[1,]`, err: "invalid JSON"},
		{in: `51-`, err: "invalid payload"},
		{in: `51-[`, err: "invalid JSON"},
		{in: "2[\"a\xff\"]x", err: "invalid JSON"},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.in, func(t *testing.T) {
			max := tt.max
			switch max {
			case 0:
				max = 10
			case -1:
				max = 0
			}
			_, err := DecodePacket([]byte(tt.in), max)
			if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want ErrParse containing %q", err, tt.err)
			}
		})
	}
}

func TestDecodePacketDataIsAView(t *testing.T) {
	b := []byte(`2/a,1["x"]`)
	p, err := DecodePacket(b, 10)
	if err != nil {
		t.Fatal(err)
	}
	if &p.Data[0] != &b[len(b)-len(p.Data)] {
		t.Fatal("Data is a copy")
	}
}

func TestSplitEvent(t *testing.T) {
	tests := []struct {
		data string
		name string
		args string // data[off:] with '[' at off; "" when off is -1
		err  string
	}{
		{data: `["a"]`, name: "a"},
		{data: `["a",1,2]`, name: "a", args: `[1,2]`},
		{data: `["chat message",{"text":"hi"}]`, name: "chat message", args: `[{"text":"hi"}]`},
		{data: " \t\r\n[ \n\"a\" \t, 1 ]\n", name: "a", args: "[ 1 ]\n"},
		{data: `[ "a" ]`, name: "a"},
		{data: `["a" ,"b"]`, name: "a", args: `["b"]`},
		{data: `["a\"b",1]`, name: `a"b`, args: `[1]`},
		{data: `["x\\"]`, name: `x\`},
		{data: `["x\\",true]`, name: `x\`, args: `[true]`},
		{data: `["\u00e9t\u00e9"]`, name: "été"},
		{data: `["\/path"]`, name: "/path"},
		{data: `["été",null]`, name: "été", args: `[null]`},
		{data: `[""]`, name: ""},
		{data: `[1]`, name: "1"},
		{data: `[42,"x"]`, name: "42", args: `["x"]`},
		{data: `[-1.5e+3 , 2]`, name: "-1.5e+3", args: `[ 2]`},
		{data: `[0.25E-2]`, name: "0.25E-2"},
		{data: `["connect"]`, err: "reserved event name"},
		{data: `["\u0064isconnect"]`, err: "reserved event name"},
		{data: `["newListener",1]`, err: "reserved event name"},
		{data: `[]`, err: "string or a number"},
		{data: `[{}]`, err: "string or a number"},
		{data: `[null]`, err: "string or a number"},
		{data: `[false,"a"]`, err: "string or a number"},
		{data: `[["a"]]`, err: "string or a number"},
		{data: `{"a":1}`, err: "not an array"},
		{data: `"a"`, err: "not an array"},
		{data: ``, err: "not an array"},
		{data: `   `, err: "not an array"},
		{data: `[`, err: "truncated"},
		{data: `[  `, err: "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			data := []byte(tt.data)
			name, off, err := splitEvent(data)
			if tt.err != "" {
				if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want ErrParse containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name != tt.name {
				t.Fatalf("name %q, want %q", name, tt.name)
			}
			if got := eventArgs(data, off); got != tt.args {
				t.Fatalf("args %q (off %d), want %q", got, off, tt.args)
			}
		})
	}
}

// eventArgs returns the argument array splitEvent located, as Socket.onEvent
// builds it, or "" when there are no arguments.
func eventArgs(data []byte, off int) string {
	if off < 0 {
		return ""
	}
	if data[off] != ',' {
		return fmt.Sprintf("offset %d is at %q, not a comma", off, data[off])
	}
	args := bytes.Clone(data[off:])
	args[0] = '['
	return string(args)
}

func TestAppendHeader(t *testing.T) {
	tests := []struct {
		t     PacketType
		nsp   string
		atts  int
		id    uint64
		hasID bool
		want  string
	}{
		{PacketConnect, "/", 0, 0, false, "0"},
		{PacketConnect, "/admin", 0, 0, false, "0/admin,"},
		{PacketDisconnect, "/x", 0, 0, false, "1/x,"},
		{PacketEvent, "/", 0, 0, false, "2"},
		{PacketEvent, "/admin", 0, 5, true, "2/admin,5"},
		{PacketAck, "/", 0, 0, true, "30"},
		{PacketAck, "/", 0, maxAckID, true, "39007199254740991"},
		{PacketConnectError, "/", 0, 0, false, "4"},
		{PacketBinaryEvent, "/", 2, 0, false, "52-"},
		{PacketBinaryEvent, "/a", 12, 3, true, "512-/a,3"},
		{PacketBinaryAck, "/x", 1, 9, true, "61-/x,9"},
	}
	for _, tt := range tests {
		if got := string(appendHeader([]byte("~"), tt.t, tt.nsp, tt.atts, tt.id, tt.hasID)); got != "~"+tt.want {
			t.Errorf("appendHeader(%d, %q, %d, %d, %v) = %q, want %q", tt.t, tt.nsp, tt.atts, tt.id, tt.hasID, got, "~"+tt.want)
		}
	}
}

func TestCheckArgs(t *testing.T) {
	for in, want := range map[string]string{"": "[]", "  ": "[]", "[]": "[]", ` [1, "a"] `: `[1, "a"]`, "[\n]": "[\n]"} {
		got, err := checkArgs([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("checkArgs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"{}", `"a"`, "1", "[", "]", "[1", "null"} {
		if _, err := checkArgs([]byte(in)); !errors.Is(err, ErrInvalidArgs) {
			t.Errorf("checkArgs(%q) = %v, want ErrInvalidArgs", in, err)
		}
	}
}

func TestAppendEvent(t *testing.T) {
	const ph0 = `{"_placeholder":true,"num":0}`
	tests := []struct {
		nsp, event, args string
		atts             int
		id               uint64
		hasID            bool
		want             string
	}{
		{"/", "chat", `["hi",1]`, 0, 0, false, `2["chat","hi",1]`},
		{"/", "chat", `[]`, 0, 0, false, `2["chat"]`},
		{"/", "chat", `[ ]`, 0, 0, false, `2["chat"]`},
		{"/", "chat", "[\n  1 ,2\n]", 0, 0, false, `2["chat",1 ,2]`},
		{"/admin", "chat", `[{"a":1}]`, 0, 12, true, `2/admin,12["chat",{"a":1}]`},
		{"/", "x", `[` + ph0 + `]`, 1, 0, false, `51-["x",` + ph0 + `]`},
		{"/b", "x", `[` + ph0 + `,{"_placeholder":true,"num":1}]`, 2, 4, true, `52-/b,4["x",` + ph0 + `,{"_placeholder":true,"num":1}]`},
		{"/", `say "hi"`, `[]`, 0, 0, false, `2["say \"hi\""]`},
		{"/", "été\\", `[]`, 0, 0, false, `2["été\\"]`},
		{"/", "", `[]`, 0, 0, false, `2[""]`},
	}
	for _, tt := range tests {
		got := appendEvent(nil, tt.nsp, tt.event, []byte(tt.args), tt.atts, tt.id, tt.hasID)
		if string(got) != tt.want {
			t.Errorf("appendEvent(%q, %q, %q) = %q, want %q", tt.nsp, tt.event, tt.args, got, tt.want)
			continue
		}
		// The packet decodes back to what was encoded.
		p, err := DecodePacket(got, 10)
		if err != nil {
			t.Errorf("%q: %v", got, err)
			continue
		}
		name, off, err := splitEvent(p.Data)
		if err != nil || name != tt.event || p.Namespace != tt.nsp || p.ID != tt.id || p.HasID != tt.hasID || p.Attachments != tt.atts {
			t.Errorf("%q decodes to %+v, name %q, %v", got, p, name, err)
		}
		if args := eventArgs(p.Data, off); !jsonSame(args, tt.args) {
			t.Errorf("%q: args %q, want %q", got, args, tt.args)
		}
	}
	// HTML-sensitive characters are escaped, and still decode.
	got := appendEvent(nil, "/", "<a&b>", []byte("[]"), 0, 0, false)
	p, err := DecodePacket(got, 10)
	if err != nil {
		t.Fatal(err)
	}
	if name, _, err := splitEvent(p.Data); err != nil || name != "<a&b>" {
		t.Fatalf("%q: name %q, %v", got, name, err)
	}
}

func jsonSame(a, b string) bool {
	if a == "" {
		a = "[]"
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func TestAppendAck(t *testing.T) {
	tests := []struct {
		nsp  string
		id   uint64
		args string
		atts int
		want string
	}{
		{"/", 5, `["ok"]`, 0, `35["ok"]`},
		{"/", 0, `[]`, 0, `30[]`},
		{"/chat", 17, `[1,null]`, 0, `3/chat,17[1,null]`},
		{"/", 2, `[{"_placeholder":true,"num":0}]`, 1, `61-2[{"_placeholder":true,"num":0}]`},
		{"/x", 9, `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, 2, `62-/x,9[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
	}
	for _, tt := range tests {
		got := appendAck(nil, tt.nsp, tt.id, []byte(tt.args), tt.atts)
		if string(got) != tt.want {
			t.Errorf("appendAck(%q, %d, %q, %d) = %q, want %q", tt.nsp, tt.id, tt.args, tt.atts, got, tt.want)
			continue
		}
		p, err := DecodePacket(got, 10)
		if err != nil || p.ID != tt.id || !p.HasID || p.Namespace != tt.nsp || p.Attachments != tt.atts || string(p.Data) != tt.args {
			t.Errorf("%q decodes to %+v, %v", got, p, err)
		}
	}
}

// messageData reads an engineio.Message's packet, which the engine does not
// export.
func messageData(t *testing.T, m *engineio.Message) (data string, binary bool) {
	t.Helper()
	p := reflect.ValueOf(m).Elem().FieldByName("p")
	d, b := p.FieldByName("Data"), p.FieldByName("Binary")
	if !d.IsValid() || !b.IsValid() {
		t.Fatal("engineio.Message no longer holds its packet in p.Data and p.Binary")
	}
	if m.Len() != d.Len() {
		t.Fatalf("Len %d, data %d bytes", m.Len(), d.Len())
	}
	return string(d.Bytes()), b.Bool()
}

func TestEncodeControlPackets(t *testing.T) {
	tests := []struct {
		name string
		m    *engineio.Message
		want string
	}{
		{"connect", encodeConnect("/", "abc"), `0{"sid":"abc"}`},
		{"connect to a namespace", encodeConnect("/admin", "x-y_z"), `0/admin,{"sid":"x-y_z"}`},
		{"connect escapes the sid", encodeConnect("/", `a"b`), `0{"sid":"a\"b"}`},
		{"connect error", encodeConnectError("/", "Invalid namespace", nil), `4{"message":"Invalid namespace"}`},
		{"connect error with data", encodeConnectError("/x", "not authorized", []byte(`{"code":"E_AUTH"}`)), `4/x,{"message":"not authorized","data":{"code":"E_AUTH"}}`},
		{"connect error escapes the message", encodeConnectError("/", "a\nb\"c", []byte(`1`)), `4{"message":"a\nb\"c","data":1}`},
		{"disconnect", encodeDisconnect("/"), `1`},
		{"disconnect from a namespace", encodeDisconnect("/admin"), `1/admin,`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, binary := messageData(t, tt.m)
			if data != tt.want || binary {
				t.Fatalf("got %q (binary %v), want %q", data, binary, tt.want)
			}
			// What the server sends, the reference parser accepts.
			if _, err := DecodePacket([]byte(data), 10); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEncodeEvent(t *testing.T) {
	msgs, err := encodeEvent("/a", "file", []byte(`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), 3, true, [][]byte{{1, 2}, {}})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	want := []struct {
		data   string
		binary bool
	}{
		{`52-/a,3["file",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, false},
		{"\x01\x02", true},
		{"", true},
	}
	for i, w := range want {
		if d, b := messageData(t, msgs[i]); d != w.data || b != w.binary {
			t.Errorf("message %d: %q binary %v, want %q %v", i, d, b, w.data, w.binary)
		}
	}
	msgs, err = encodeEvent("/", "x", nil, 0, false, nil)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
	if d, _ := messageData(t, msgs[0]); d != `2["x"]` {
		t.Fatalf("got %q", d)
	}
	for name := range reservedEvents {
		if _, err := encodeEvent("/", name, nil, 0, false, nil); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("%q: %v", name, err)
		}
	}
	if _, err := encodeEvent("/", "x", []byte(`{"a":1}`), 0, false, nil); !errors.Is(err, ErrInvalidArgs) {
		t.Errorf("object args: %v", err)
	}
}

func TestDecoder(t *testing.T) {
	type step struct {
		data   string
		binary bool
		// Expected outcome: a complete packet (ok) with data and attachments,
		// or an error containing err.
		ok   bool
		typ  PacketType
		want string
		atts []string
		err  string
	}
	ph := func(n int) string { return fmt.Sprintf(`{"_placeholder":true,"num":%d}`, n) }
	tests := []struct {
		name     string
		maxBytes int
		steps    []step
	}{
		{name: "text packets pass through", steps: []step{
			{data: `2["a"]`, ok: true, typ: PacketEvent, want: `["a"]`},
			{data: `0{}`, ok: true, typ: PacketConnect, want: `{}`},
			{data: `31[]`, ok: true, typ: PacketAck, want: `[]`},
		}},
		{name: "binary event reassembled in order", steps: []step{
			{data: `52-["up",` + ph(0) + `,` + ph(1) + `]`},
			{data: "first", binary: true},
			{data: "second", binary: true, ok: true, typ: PacketBinaryEvent, want: `["up",` + ph(0) + `,` + ph(1) + `]`, atts: []string{"first", "second"}},
			// The decoder is ready for the next packet.
			{data: `2["after"]`, ok: true, typ: PacketEvent, want: `["after"]`},
			{data: `61-4[` + ph(0) + `]`},
			{data: "", binary: true, ok: true, typ: PacketBinaryAck, want: `[` + ph(0) + `]`, atts: []string{""}},
		}},
		{name: "text while reassembling", steps: []step{
			{data: `52-["up",` + ph(0) + `,` + ph(1) + `]`},
			{data: "first", binary: true},
			{data: `2["a"]`, err: "text packet while reassembling"},
		}},
		{name: "binary without header", steps: []step{
			{data: "\x01\x02", binary: true, err: "binary data outside a binary packet"},
		}},
		{name: "binary after a complete binary packet", steps: []step{
			{data: `51-["x",` + ph(0) + `]`},
			{data: "a", binary: true, ok: true, typ: PacketBinaryEvent, want: `["x",` + ph(0) + `]`, atts: []string{"a"}},
			{data: "b", binary: true, err: "binary data outside a binary packet"},
		}},
		{name: "attachments exactly at the byte limit", maxBytes: 8, steps: []step{
			{data: `52-["x",` + ph(0) + `,` + ph(1) + `]`},
			{data: "1234", binary: true},
			{data: "5678", binary: true, ok: true, typ: PacketBinaryEvent, want: `["x",` + ph(0) + `,` + ph(1) + `]`, atts: []string{"1234", "5678"}},
			// The count starts again for the next packet.
			{data: `51-["x",` + ph(0) + `]`},
			{data: "abcdefgh", binary: true, ok: true, typ: PacketBinaryEvent, want: `["x",` + ph(0) + `]`, atts: []string{"abcdefgh"}},
		}},
		{name: "too many bytes", maxBytes: 8, steps: []step{
			{data: `52-["x",` + ph(0) + `,` + ph(1) + `]`},
			{data: "1234", binary: true},
			{data: "56789", binary: true, err: "attachments exceed 8 bytes"},
		}},
		{name: "too many attachments", steps: []step{
			{data: `511-["x"]`, err: "too many attachments"},
		}},
		{name: "malformed text", steps: []step{
			{data: `2[`, err: "invalid JSON"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxBytes := tt.maxBytes
			if maxBytes == 0 {
				maxBytes = 1 << 20
			}
			d := &decoder{maxAttachments: 10, maxBytes: maxBytes}
			for i, s := range tt.steps {
				in := []byte(s.data)
				p, atts, ok, err := d.add(in, s.binary)
				// The caller's buffer is reused for the next message.
				for j := range in {
					in[j] = '#'
				}
				if s.err != "" {
					if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), s.err) {
						t.Fatalf("step %d: err = %v, want ErrParse containing %q", i, err, s.err)
					}
					return
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if ok != s.ok {
					t.Fatalf("step %d: ok = %v", i, ok)
				}
				if !ok {
					continue
				}
				if p.Type != s.typ || p.Attachments != len(s.atts) {
					t.Fatalf("step %d: packet %+v", i, p)
				}
				if p.Attachments > 0 && string(p.Data) != s.want {
					// Binary packets keep their own copy of the header's data.
					t.Fatalf("step %d: data %q, want %q", i, p.Data, s.want)
				}
				if len(atts) != len(s.atts) {
					t.Fatalf("step %d: %d attachments, want %d", i, len(atts), len(s.atts))
				}
				for j := range atts {
					if string(atts[j]) != s.atts[j] {
						t.Fatalf("step %d: attachment %d is %q, want %q", i, j, atts[j], s.atts[j])
					}
				}
			}
		})
	}
}

func TestDecoderTextDataIsAView(t *testing.T) {
	d := &decoder{maxAttachments: 10, maxBytes: 100}
	in := []byte(`2["a",1]`)
	p, _, ok, err := d.add(in, false)
	if err != nil || !ok || string(p.Data) != `["a",1]` || &p.Data[0] != &in[1] {
		t.Fatalf("%+v %v %v", p, ok, err)
	}
}
