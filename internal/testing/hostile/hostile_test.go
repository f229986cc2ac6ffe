package hostile

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/wasmio/wasmio/engineio"
	"github.com/wasmio/wasmio/socketio"
)

// serve runs a Socket.IO server serving "/" for the test, every timeout
// set to timeout.
func serve(t *testing.T, timeout time.Duration) Target {
	t.Helper()
	srv, err := socketio.NewServer(&socketio.Config{AttachmentTimeout: timeout, ConnectTimeout: timeout,
		Engine: engineio.Config{PingInterval: timeout, PingTimeout: timeout, ReadTimeout: timeout, UpgradeTimeout: timeout, Logger: slog.New(slog.DiscardHandler)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Of("/", socketio.Hooks{}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln, nil)
	t.Cleanup(func() {
		// Polling sessions that the attacks left to the server's long
		// timeouts would hold the shutdown up.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return Target{URL: "http://" + ln.Addr().String(), Conns: 10}
}

// TestAttacksNeedTimeouts runs the attacks that wait for a server's
// timeouts against a server with short ones, which they pass, and one
// whose timeouts are an hour, which keeps their connections open.
func TestAttacksNeedTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		held    bool
	}{
		{"short timeouts", 200 * time.Millisecond, false},
		{"hour-long timeouts", time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := serve(t, tc.timeout)
			for _, attack := range []func(context.Context, Target) error{slowAttack, partialBinary} {
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				err := attack(ctx, target)
				cancel()
				if errors.Is(err, errHeld) != tc.held || !tc.held && err != nil {
					t.Errorf("got %v, want held %v", err, tc.held)
				}
			}
		})
	}
}

func TestAnswers(t *testing.T) {
	if err := Answers(t.Context(), serve(t, time.Second)); err != nil {
		t.Fatal(err)
	}
	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	if err := Answers(t.Context(), Target{URL: "http://" + ln.Addr().String()}); err == nil {
		t.Fatal("a mute server answered")
	}
	if d := time.Since(start); d > 2*AnswerWithin {
		t.Fatalf("Answers gave up after %v", d)
	}
}

// TestFrames reads frames written as a server writes them (unmasked)
// back through ReadFrame, at each length encoding's edges.
func TestFrames(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 0xffff, 0x10000} {
		payload := bytes.Repeat([]byte{'x'}, n)
		b := frame{op: OpBinary, unmasked: true, payload: payload}.bytes()
		w := &WS{br: bufio.NewReader(bytes.NewReader(b))}
		op, p, err := w.ReadFrame()
		if err != nil || op != OpBinary || !bytes.Equal(p, payload) {
			t.Fatalf("length %d: op %d, %d bytes, %v", n, op, len(p), err)
		}
	}
	// A client's frame is masked: its payload is not sent as is.
	if b := (frame{op: OpText, payload: []byte("4hello")}).bytes(); b[1] != 0x80|6 || bytes.Contains(b, []byte("hello")) {
		t.Fatalf("client frame %x", b)
	}
}

func TestRSS(t *testing.T) {
	self, err := RSS(0)
	if err != nil || self < 1<<20 {
		t.Fatalf("RSS(0) = %d, %v", self, err)
	}
	if byPID, err := RSS(os.Getpid()); err != nil || byPID < self/2 || byPID > 2*self {
		t.Fatalf("RSS(own pid) = %d, %v; RSS(0) = %d", byPID, err, self)
	}
	if _, err := RSS(-1); err == nil {
		t.Fatal("RSS of no process")
	}
}
