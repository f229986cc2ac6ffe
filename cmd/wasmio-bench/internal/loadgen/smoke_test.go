//go:build linux

package loadgen

import (
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/results"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/servers"
)

// startNative serves the native server on a free port and returns its address.
func startNative(t *testing.T, secret string) string {
	t.Helper()
	srv, err := servers.NewNative(secret, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln, nil) }()
	t.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String()
}

func testLog(t *testing.T) io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return io.Discard
}

// TestSmokeFanout runs a tiny fanout end to end against the native server,
// in both load patterns: 10 subscribers (the loop's pattern: 2 of them
// long-polling; goroutines: all on WebSocket, each read by a goroutine of
// its own), a closed loop and two open-loop steps. It checks completeness
// and that the accounting adds up, never timings.
func TestSmokeFanout(t *testing.T) {
	for _, c := range []struct {
		scenario string
		polling  int
	}{{"fanout", 2}, {"fanout-goroutines", 0}} {
		t.Run(c.scenario, func(t *testing.T) {
			addr := startNative(t, "")
			spec := &results.LoadSpec{Scenario: c.scenario, Addr: addr, ServerPID: os.Getpid(), N: 10, Polling: c.polling,
				Settle: 100 * time.Millisecond, Closed: 300 * time.Millisecond, StepDur: 300 * time.Millisecond,
				Pause: 50 * time.Millisecond, Quiet: time.Second, Fractions: []float64{0.1, 0.2}, BaseRate: 20000, MaxExtraSteps: -1}
			res, err := run(spec, testLog(t))
			if err != nil {
				t.Fatal(err)
			}
			if res.Setup == nil || res.Setup.Sockets != 11 {
				t.Fatalf("setup: %+v", res.Setup)
			}
			steps := res.AllSteps()
			if len(steps) != 3 {
				t.Fatalf("%d steps, want 3", len(steps))
			}
			for _, st := range steps {
				if st.Sent == 0 || st.Expected != st.Sent*10 || st.Delivered != st.Expected || st.Lost != 0 {
					t.Errorf("%s step: sent %d, expected %d, delivered %d, lost %d", st.Kind, st.Sent, st.Expected, st.Delivered, st.Lost)
				}
				if st.Latency.Count != st.Delivered || st.First.Count != st.Sent || st.Last.Count != st.Sent {
					t.Errorf("%s step: latency counts %d/%d/%d", st.Kind, st.Latency.Count, st.First.Count, st.Last.Count)
				}
			}
			if res.BadEvents != 0 {
				t.Errorf("%d events did not parse", res.BadEvents)
			}
		})
	}
}

func TestSmokeEchoAndStorm(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	addr := startNative(t, secret)
	token := MintJWT(secret, "bench", time.Hour)
	res, err := run(&results.LoadSpec{Scenario: "echo", Addr: addr, Senders: 4, EchoWindow: 2, Token: token,
		Settle: 50 * time.Millisecond, Closed: 200 * time.Millisecond, Quiet: time.Second}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Closed; st.Sent == 0 || st.Delivered != st.Sent {
		t.Errorf("echo: sent %d, delivered %d", st.Sent, st.Delivered)
	}
	res, err = run(&results.LoadSpec{Scenario: "storm", Addr: addr, StormTotal: 50, Concurrency: 8,
		Token: token}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Closed; st.Delivered != 50 {
		t.Errorf("storm: %d of 50 connected", st.Delivered)
	}
	// A wrong token is refused, and the storm says so.
	_, err = run(&results.LoadSpec{Scenario: "storm", Addr: addr, StormTotal: 2, Concurrency: 2,
		Token: MintJWT("another secret, also 32 bytes long!", "bench", time.Hour)}, io.Discard)
	if err == nil {
		t.Error("a storm with a bad token succeeded")
	}
}

// TestSmokeCeiling runs the ceiling scenario at 20 subscribers against the
// native server with JWT auth: every subscriber connects through the storm
// and joins, and every broadcast of both phases reaches all of them.
func TestSmokeCeiling(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	addr := startNative(t, secret)
	res, err := run(&results.LoadSpec{Scenario: "ceiling", Addr: addr, ServerPID: os.Getpid(), N: 20, Concurrency: 4,
		Token: MintJWT(secret, "bench", time.Hour), Settle: 50 * time.Millisecond, StepDur: 2 * time.Second,
		Closed: 200 * time.Millisecond, Pause: 50 * time.Millisecond, Quiet: time.Second}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Storm; st == nil || st.Delivered != 20 || st.Latency.Count != 20 {
		t.Fatalf("storm: %+v", st)
	}
	if res.Setup == nil || res.Setup.Sockets != 21 || res.FileMax == 0 {
		t.Fatalf("setup: %+v, file-max %d", res.Setup, res.FileMax)
	}
	if len(res.Steps) != 1 || res.Closed == nil {
		t.Fatalf("%d open steps, closed %v", len(res.Steps), res.Closed)
	}
	if st := res.Steps[0]; st.Sent != 2 {
		t.Errorf("once per second for 2 s: %d broadcasts", st.Sent)
	}
	for _, st := range res.AllSteps() {
		if st.Sent == 0 || st.Delivered != st.Sent*20 || st.Lost != 0 {
			t.Errorf("%s step: sent %d, delivered %d, lost %d", st.Kind, st.Sent, st.Delivered, st.Lost)
		}
	}
}
