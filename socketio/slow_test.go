package socketio_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/socketio"
)

// stalledClient opens a WebSocket session, joins namespace "/" as name, and
// then never reads again.
func stalledClient(t *testing.T, url, name string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	// A masked text frame carrying the Socket.IO CONNECT with our name.
	payload := []byte(`40{"name":"` + name + `"}`)
	frame := []byte{0x81, 0x80 | byte(len(payload)), 1, 2, 3, 4}
	for i, b := range payload {
		frame = append(frame, b^[]byte{1, 2, 3, 4}[i%4])
	}
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSlowConsumerIsDisconnected broadcasts far more than a stalled client's
// buffers hold: the stalled client is dropped with "slow consumer" while a
// reading client receives every message.
func TestSlowConsumerIsDisconnected(t *testing.T) {
	h := newHarness(t, &socketio.Config{Engine: engineio.Config{MaxBufferedBytes: 256 << 10}})
	nsp := h.serve("/", nil)
	stalledClient(t, h.url, "stalled")
	h.socket("/", "stalled")
	d := nodetest.Start(t)
	reader, _ := h.connect(d, "/", "reader", map[string]any{"transports": []string{"websocket"}})

	// Rounds of 160 KiB, under the bound: a client that reads keeps up, while
	// the stalled one falls behind by 16 MiB, more than any socket buffer.
	const rounds, perRound, size = 100, 10, 16 << 10
	arg := fmt.Sprintf(`[%q]`, strings.Repeat("x", size))
	for r := 0; r < rounds; r++ {
		for i := 0; i < perRound; i++ {
			if _, err := nsp.Emit("blob", []byte(arg)); err != nil {
				t.Fatal(err)
			}
		}
		_, _ = nsp.Emit(fmt.Sprint("round", r), nil)
		reader.Event(fmt.Sprint("round", r))
	}
	_, _ = nsp.Emit("done", nil)
	if r := h.disconnectReason("/", "stalled"); r != engineio.ReasonSlowConsumer {
		t.Fatalf("stalled client: reason %q", r)
	}
	reader.Event("done")
	if got := len(reader.Events()); got != rounds*perRound {
		t.Fatalf("the reading client got %d blobs, want %d", got, rounds*perRound)
	}
}
