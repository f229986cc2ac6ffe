package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/txn"
	"github.com/wasmio/wasmio/internal/testing/nodetest"
	"github.com/wasmio/wasmio/internal/testing/wat"
	"github.com/wasmio/wasmio/kv"
)

// The tests in this file run `wasmio serve` as a child process, the way an
// operator does, and stop it the ways a machine does: kill -9 and SIGTERM.

// wasmioBinary builds this command into a folder of the test.
func wasmioBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wasmio")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// counterConfig writes, in a fresh folder, a wasmio.toml that serves
// testdata/counter.wat on "/" from an address of the system's choosing,
// with settings (TOML before the namespace: top-level keys, then tables
// like [engine]) added. It returns the file's path.
func counterConfig(t *testing.T, settings string) string {
	t.Helper()
	dir := writeFiles(t, map[string]string{
		"counter.wasm": string(wat.Build(t, filepath.Join("testdata", "counter.wat"))),
		"wasmio.toml":  "listen = \"127.0.0.1:0\"\n" + settings + "[[namespace]]\npath = \"/\"\nmodule = \"counter.wasm\"\n",
	})
	return filepath.Join(dir, "wasmio.toml")
}

// child is a `wasmio serve` process.
type child struct {
	cmd            *exec.Cmd
	url            string // http://127.0.0.1:<port>, from the banner
	stdout, stderr syncBuffer
	exited         chan struct{} // closed once the process exited and cmd.ProcessState is set
}

var bannerURL = regexp.MustCompile(`serving on (http://\S+) `)

// startChild runs `bin serve --config config`, through the command prefix
// (like sh -c '...' when the process needs a limit of its own), and waits
// for its banner. The process is killed at the end of the test if it still
// runs.
func startChild(t *testing.T, bin, config string, prefix ...string) *child {
	t.Helper()
	args := append(prefix, bin, "serve", "--config", config)
	c := &child{cmd: exec.Command(args[0], args[1:]...), exited: make(chan struct{})}
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := bannerURL.FindStringSubmatch(c.stdout.String()); m != nil {
			c.url = m[1]
			return c
		}
		select {
		case <-c.exited:
			t.Fatalf("wasmio serve exited before serving: %v\n%s%s", c.cmd.ProcessState, c.stdout.String(), c.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner within 10 s:\n%s%s", c.stdout.String(), c.stderr.String())
		}
	}
}

// wait waits up to timeout for the process to exit and returns its state.
func (c *child) wait(t *testing.T, timeout time.Duration) *os.ProcessState {
	t.Helper()
	select {
	case <-c.exited:
		return c.cmd.ProcessState
	case <-time.After(timeout):
		t.Fatalf("wasmio serve still runs %v later:\n%s", timeout, c.stderr.String())
		return nil
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 10*time.Second)
}

// transports spreads clients over WebSocket and long-polling.
var transports = [][]string{{"websocket"}, {"polling"}}

// connectClients connects n clients to the root namespace at url,
// alternating the transports, and returns them with their socket ids.
func connectClients(t *testing.T, d *nodetest.Driver, url string, n int) ([]*nodetest.Client, []string) {
	t.Helper()
	cs := make([]*nodetest.Client, n)
	for i := range cs {
		cs[i] = d.Connect(url, map[string]any{"transports": transports[i%len(transports)]})
	}
	sids := make([]string, n)
	for i, c := range cs {
		sids[i] = c.Connected().Sid
	}
	return cs, sids
}

// ackedValue decodes counter.wat's ack, [n].
func ackedValue(t *testing.T, reply json.RawMessage) int64 {
	t.Helper()
	var v []int64
	if err := json.Unmarshal(reply, &v); err != nil || len(v) != 1 {
		t.Fatalf("ack %s, want [n]", reply)
	}
	return v[0]
}

// namespaceKeys opens the store of a stopped server and returns every key
// of the root namespace with its value.
func namespaceKeys(t *testing.T, config string) map[string]string {
	t.Helper()
	s, err := kv.Open(filepath.Join(filepath.Dir(config), "data", "kv.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, err := txn.Scope{Txn: s.Begin(), Namespace: "/"}.List(abi.ScopeNamespace, nil, 100000)
	if err != nil {
		t.Fatal(err)
	}
	keys := make(map[string]string, len(entries))
	for _, e := range entries {
		keys[string(e.Key)] = string(e.Value)
	}
	return keys
}

// stopGracefully sends SIGTERM and checks that the process exits with
// status 0 within the shutdown's budget of 10 s (plus a second for the
// process to start and end its shutdown); it returns how long it took.
func stopGracefully(t *testing.T, c *child) time.Duration {
	t.Helper()
	start := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	st := c.wait(t, 20*time.Second)
	took := time.Since(start)
	if st.ExitCode() != 0 {
		t.Fatalf("exit status %v after SIGTERM (%v):\n%s", st, took, c.stderr.String())
	}
	if took > 11*time.Second {
		t.Fatalf("SIGTERM took %v, over the 10 s budget", took)
	}
	return took
}

// TestKillDuringIncrements kills `wasmio serve` with SIGKILL while clients
// stream acknowledged increments of one counter, restarts it on the same
// data folder, and checks, round after round, that every acknowledged
// increment survived: the counter is at least the highest value acked
// (each increment acks the value it made, so the acked values are distinct
// and the highest one counts every increment before it), and at most the
// increments sent (an increment committed whose ack the kill cut off is not
// lost, just unacknowledged). A lost write would also show as a value acked
// twice.
func TestKillDuringIncrements(t *testing.T) {
	const rounds, clients = 3, 8
	bin := wasmioBinary(t)
	config := counterConfig(t, "")
	d := nodetest.Start(t)
	var (
		mu      sync.Mutex
		sent    atomic.Int64      // increments emitted, over every round
		highest int64             // the highest value acked
		acked   = map[int64]int{} // value → the round that acked it
	)
	for round := 1; ; round++ {
		srv := startChild(t, bin, config)
		cs, _ := connectClients(t, d, srv.url, clients)
		stored := ackedValue(t, cs[0].EmitAck("get"))
		if stored < highest {
			t.Fatalf("round %d: the counter is %d after kill -9, but %d was acked: %d acknowledged increments lost", round, stored, highest, highest-stored)
		}
		if stored > sent.Load() {
			t.Fatalf("round %d: the counter is %d, but only %d increments were sent", round, stored, sent.Load())
		}
		if round > rounds {
			took := stopGracefully(t, srv)
			keys := namespaceKeys(t, config)
			if keys["n"] != strconv.FormatInt(stored, 10) {
				t.Fatalf("the store holds n = %q, the server said %d", keys["n"], stored)
			}
			t.Logf("after %d kills: counter %d, %d increments acked (highest %d), %d sent; the last server stopped on SIGTERM in %v",
				rounds, stored, len(acked), highest, sent.Load(), took.Round(time.Millisecond))
			return
		}
		// Stream increments from every client; kill the server once a
		// number of them, different each round, was acked.
		killAt := 300 + rand.IntN(300)
		var (
			wg       sync.WaitGroup
			n        int // acked this round
			reached  = make(chan struct{})
			problems []string
		)
		for _, c := range cs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					sent.Add(1)
					reply, err := c.EmitAckTimeout("incr", 2*time.Second)
					if err != nil {
						return // the server is gone: the ack was cut off
					}
					var v []int64
					mu.Lock()
					switch {
					case json.Unmarshal(reply, &v) != nil || len(v) != 1:
						problems = append(problems, fmt.Sprintf("ack %s", reply))
					case acked[v[0]] != 0:
						problems = append(problems, fmt.Sprintf("%d acked in round %d and again in round %d", v[0], acked[v[0]], round))
					default:
						acked[v[0]] = round
						highest = max(highest, v[0])
						if n++; n == killAt {
							close(reached)
						}
					}
					mu.Unlock()
				}
			}()
		}
		select {
		case <-reached:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: fewer than %d increments acked in 60 s", round, killAt)
		}
		srv.kill(t)
		wg.Wait()
		for _, p := range problems {
			t.Error(p)
		}
		t.Logf("round %d: counter %d at the start; kill -9 after %d acks, %d acked in all this round (highest %d), %d sent in all",
			round, stored, killAt, n, highest, sent.Load())
	}
}

// shutdownDropped is how the host logs the events a shutdown skipped.
var shutdownDropped = regexp.MustCompile(`shutdown dropped queued events.* dropped=(\d+)`)

// TestSIGTERMUnderLoad sends SIGTERM to `wasmio serve` while each of 50
// sockets, over WebSocket and long-polling, has slow events queued: the
// process exits with status 0 within the 10 s budget, every client sees its
// connection close, most queued events are skipped, and every socket's
// $disconnect ran exactly once, with "server shutting down".
//
// The events running or waiting for a run slot when the signal came end
// too (nothing of them applies), so the budget holds however few workers
// there are: the queued events alone would take 50 × 20 × 1 s / workers.
func TestSIGTERMUnderLoad(t *testing.T) {
	const sockets, queued = 50, 20
	bin := wasmioBinary(t)
	for _, tc := range []struct{ workers int }{{8}, {2}} {
		t.Run(fmt.Sprintf("%d workers", tc.workers), func(t *testing.T) {
			config := counterConfig(t, fmt.Sprintf("workers = %d\n", tc.workers))
			srv := startChild(t, bin, config)
			d := nodetest.Start(t)
			cs, sids := connectClients(t, d, srv.url, sockets)
			for _, c := range cs {
				for range queued {
					c.Emit("slow")
				}
			}
			d.Sync()
			time.Sleep(300 * time.Millisecond) // for the emits to reach the server, well within the first events' 1 s
			took := stopGracefully(t, srv)
			for i, c := range cs {
				if m := c.Wait("disconnect", nil); m.Reason != "transport close" {
					t.Errorf("client %d (%v): disconnect reason %q, want transport close", i, transports[i%2], m.Reason)
				}
			}
			m := shutdownDropped.FindStringSubmatch(srv.stderr.String())
			if m == nil {
				t.Fatalf("no queued event was skipped:\n%s", srv.stderr.String())
			}
			if dropped, _ := strconv.Atoi(m[1]); dropped < sockets*queued/2 {
				t.Errorf("%d queued events skipped, want most of the %d", dropped, sockets*queued)
			}
			keys := namespaceKeys(t, config)
			want := map[string]string{`["server shutting down"]`: strconv.Itoa(sockets)}
			for _, sid := range sids {
				want[sid] = "1"
			}
			for k, v := range keys {
				if want[k] != v {
					t.Errorf("key %q = %s, want %q", k, v, want[k])
				}
			}
			for k, v := range want {
				if _, ok := keys[k]; !ok {
					t.Errorf("key %q missing, want %s", k, v)
				}
			}
			t.Logf("SIGTERM with %d sockets × %d slow events: exit 0 after %v, %s queued events skipped, %d $disconnect runs",
				sockets, queued, took.Round(time.Millisecond), m[1], sockets)
		})
	}
}
