package proto

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// unmask decodes a client frame as a server would: it checks the header and
// returns the opcode and the unmasked payload.
func unmask(t *testing.T, f []byte) (byte, []byte) {
	t.Helper()
	if f[0]&0x80 == 0 || f[1]&0x80 == 0 {
		t.Fatalf("frame %x: not final or not masked", f[:2])
	}
	op := f[0] & 0x0F
	n, i := int(f[1]&0x7F), 2
	switch n {
	case 126:
		n, i = int(f[2])<<8|int(f[3]), 4
	case 127:
		n, i = 0, 10
		for _, c := range f[2:10] {
			n = n<<8 | int(c)
		}
	}
	key := f[i : i+4]
	p := append([]byte(nil), f[i+4:]...)
	if len(p) != n {
		t.Fatalf("payload length %d, header says %d", len(p), n)
	}
	for j := range p {
		p[j] ^= key[j&3]
	}
	return op, p
}

func TestAppendFrame(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 1000, 65535, 65536, 70000} {
		payload := bytes.Repeat([]byte("abcdefg"), n/7+1)[:n]
		f := AppendFrame([]byte("prefix"), OpText, payload, 0xdeadbeef)
		if !bytes.HasPrefix(f, []byte("prefix")) {
			t.Fatal("AppendFrame overwrote dst")
		}
		op, p := unmask(t, f[len("prefix"):])
		if op != OpText || !bytes.Equal(p, payload) {
			t.Errorf("n=%d: round trip failed", n)
		}
	}
}

func TestFrameHeader(t *testing.T) {
	for _, n := range []int{0, 5, 125, 126, 300, 65535, 65536, 100000} {
		p := bytes.Repeat([]byte{'x'}, n)
		f := AppendServerFrame(nil, p)
		op, hdr, plen, err := FrameHeader(f)
		if err != nil || op != OpText || plen != n || hdr+plen != len(f) {
			t.Errorf("n=%d: op %d hdr %d plen %d err %v", n, op, hdr, plen, err)
		}
		// Every proper prefix of the header is incomplete, not an error.
		for i := 0; i < hdr; i++ {
			if _, h, _, err := FrameHeader(f[:i]); h != 0 || err != nil {
				t.Errorf("n=%d: header prefix of %d bytes: hdr %d err %v", n, i, h, err)
			}
		}
	}
	bad := [][]byte{
		{0x81 | 0x40, 0}, // RSV1 without an extension
		{0x81, 0x80 | 1}, // a masked server frame
		{0x01, 1, 'x'},   // not final: fragments are refused
		{0x80, 1, 'x'},   // a continuation frame
	}
	for _, f := range bad {
		if _, _, _, err := FrameHeader(f); err == nil {
			t.Errorf("frame %x: no error", f)
		}
	}
}

func TestEventRoundTrip(t *testing.T) {
	cases := []struct {
		ack, pad int
		ts       int64
		seq      uint64
	}{{-1, 0, 1, 0}, {-1, 10, 1732300000123456789, 42}, {7, 0, 123, 18446744073709551615}, {0, 3, 999, 1}}
	for _, c := range cases {
		pkt := AppendEvent(nil, "pub", c.ack, c.ts, c.seq, c.pad)
		want := "42"
		if c.ack >= 0 {
			want += strconv.Itoa(c.ack)
		}
		if !strings.HasPrefix(string(pkt), want+`["pub","`) || !strings.HasSuffix(string(pkt), `"]`) {
			t.Errorf("packet %s", pkt)
		}
		if c.seq > 1<<62 {
			continue // more than 19 digits: ParseEvent refuses it, by design
		}
		// What a handler forwards: the same argument under another name,
		// as Node, wasmio and gws do.
		tick := bytes.Replace(pkt, []byte(`["pub",`), []byte(`["tick",`), 1)
		ts, seq, ok := ParseEvent(tick[2:])
		if !ok || ts != c.ts || seq != c.seq {
			t.Errorf("%s: parsed %d %d %v", tick, ts, seq, ok)
		}
	}
	for _, p := range []string{
		`/chat,["tick","5:6"]`, `12["tick","5:6"]`, `/chat,3["tick","5:6:pad"]`,
	} {
		if ts, seq, ok := ParseEvent([]byte(p)); !ok || ts != 5 || seq != 6 {
			t.Errorf("%s: parsed %d %d %v", p, ts, seq, ok)
		}
	}
	for _, p := range []string{
		``, `[]`, `["tick"]`, `["tick",5]`, `["tick","x:1"]`, `["tick","5"]`, `["tick","5:"]`, `["tick","5:6`, `["tick",{"t":"5:6"}]`, `["ti`,
	} {
		if _, _, ok := ParseEvent([]byte(p)); ok {
			t.Errorf("%s parsed", p)
		}
	}
}

func TestUpgradeResponse(t *testing.T) {
	ok := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + wsAccept + "\r\n\r\n"
	rest := "\x81\x02ab"
	n, err := ParseUpgradeResponse([]byte(ok + rest))
	if err != nil || n != len(ok) {
		t.Fatalf("n %d err %v", n, err)
	}
	if n, err := ParseUpgradeResponse([]byte(ok[:20])); n != 0 || err != nil {
		t.Errorf("partial: n %d err %v", n, err)
	}
	if _, err := ParseUpgradeResponse([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("400: %v", err)
	}
	bad := strings.Replace(ok, wsAccept, "bm9wZQ==", 1)
	if _, err := ParseUpgradeResponse([]byte(bad)); err == nil {
		t.Error("a wrong Sec-WebSocket-Accept passed")
	}
	// RFC 6455's example key and accept (section 1.3), to check the computation.
	if got := acceptFor("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("accept for the RFC's key: %q", got)
	}
	if got := UpgradeRequest("h:1", "/socket.io/"); !bytes.Contains(got, []byte("Sec-WebSocket-Key: "+wsKey)) || !bytes.HasPrefix(got, []byte("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n")) {
		t.Errorf("request %q", got)
	}
}

func TestHTTPResponse(t *testing.T) {
	resp := "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\ncontent-length: 11\r\n\r\n42[\"a\"]\x1e2xy"
	st, body, n, err := ParseHTTPResponse([]byte(resp + "HTTP/1.1"))
	if err != nil || st != 200 || string(body) != "42[\"a\"]\x1e2xy" || n != len(resp) {
		t.Fatalf("%d %q %d %v", st, body, n, err)
	}
	for i := 0; i < len(resp); i++ {
		if _, _, n, err := ParseHTTPResponse([]byte(resp[:i])); n != 0 || err != nil {
			t.Fatalf("prefix %d: n %d err %v", i, n, err)
		}
	}
	for _, bad := range []string{
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"SSH-2.0 nope\r\n\r\n",
	} {
		if _, _, _, err := ParseHTTPResponse([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	req := AppendPollingRequest(nil, "h:1", "/socket.io/", "abc", []byte("40"))
	if string(req) != "POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\nHost: h:1\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\n\r\n40" {
		t.Errorf("%q", req)
	}
	if sid := OpenSID([]byte(`{"sid":"Ab-9_","upgrades":[]}`)); sid != "Ab-9_" {
		t.Errorf("sid %q", sid)
	}
}
