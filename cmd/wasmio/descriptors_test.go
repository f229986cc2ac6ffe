package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wasmio/wasmio/internal/testing/nodetest"
)

// The numbers of the done-when item: a server limited to serverFDs
// descriptors survives attempts connection attempts.
const (
	serverFDs = 20000
	attempts  = 25000
)

// dialHelperEnv, set to "<address> <count> <source IP>", turns the test
// binary into a helper of TestDescriptorLimit: it dials count TCP
// connections to address from source IP, prints "dialed <open> <timed
// out>" (any other failure fails it), and holds the connections open until
// its stdin closes. The attempts need more descriptors than one process may
// have, so helpers share them.
const dialHelperEnv = "WASMIO_DIAL_HELPER"

// helpers is how many helper processes make the attempts.
const helpers = 2

// TestDescriptorLimit runs `wasmio serve` with a limit of 20,000
// descriptors and holds 25,000 TCP connection attempts against it, with
// Socket.IO sockets already open: the server runs out of descriptors
// (its accepts fail with EMFILE and are retried) but stays up, its
// WebSocket sockets keep exchanging events meanwhile, and once the
// attempts close every socket it had, long-polling ones included, still
// works and a new client connects.
func TestDescriptorLimit(t *testing.T) {
	if v := os.Getenv(dialHelperEnv); v != "" {
		dialAndHold(t, v)
		return
	}
	if testing.Short() {
		t.Skip("-short: 25,000 connections take 10 to 60 s, depending on the machine's load")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// The shell gives the server exactly serverFDs, which it can only do
	// within the hard limit; each helper holds attempts/helpers under it.
	if lim.Max < serverFDs {
		t.Skipf("NOT TESTED: the hard descriptor limit is %d, the test needs %d (ulimit -Hn)", lim.Max, serverFDs)
	}
	start := time.Now()
	bin := wasmioBinary(t)
	// The attempts send nothing: read_timeout must not close them while
	// they are held, however slowly a busy machine dials them.
	config := counterConfig(t, "[engine]\nread_timeout = \"10m\"\n")
	srv := startChild(t, bin, config, "sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$@"`, serverFDs), "sh")
	pid := srv.cmd.Process.Pid
	if l := openFilesLimit(t, pid); l != strconv.Itoa(serverFDs) {
		t.Fatalf("the server's descriptor limit is %s, want %d", l, serverFDs)
	}
	d := nodetest.Start(t)
	cs, _ := connectClients(t, d, srv.url, 6)
	exchange := func(cs []*nodetest.Client) {
		t.Helper()
		for _, c := range cs {
			ackedValue(t, c.EmitAck("incr"))
		}
	}
	exchange(cs)
	var ws []*nodetest.Client // transports[0]
	for i := 0; i < len(cs); i += len(transports) {
		ws = append(ws, cs[i])
	}

	addr := strings.TrimPrefix(srv.url, "http://")
	hs := make([]*exec.Cmd, helpers)
	held := make([]io.WriteCloser, helpers)
	type result struct {
		open, timedOut int
		output         string // what the helper printed instead, when it failed
	}
	results := make(chan result, helpers)
	for i := range hs {
		hs[i] = exec.Command(os.Args[0], "-test.run=^TestDescriptorLimit$", "-test.count=1")
		// Each helper dials from a loopback address of its own, so that the
		// attempts do not run out of ephemeral ports.
		hs[i].Env = append(os.Environ(), fmt.Sprintf("%s=%s %d 127.0.0.%d", dialHelperEnv, addr, attempts/helpers, 2+i))
		hs[i].Stderr = os.Stderr
		var err error
		if held[i], err = hs[i].StdinPipe(); err != nil {
			t.Fatal(err)
		}
		out, err := hs[i].StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := hs[i].Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = hs[i].Process.Kill(); _ = hs[i].Wait() }) // when the test fails while they hold
		go func() {
			var r result
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if _, err := fmt.Sscanf(sc.Text(), "dialed %d %d", &r.open, &r.timedOut); err == nil {
					r.output = ""
					break
				}
				r.output += sc.Text() + "\n"
			}
			results <- r
			_, _ = io.Copy(io.Discard, out)
		}()
	}
	var open, timedOut int
	dialing := time.Now()
	for range hs {
		select {
		case r := <-results:
			if r.output != "" {
				t.Fatalf("a helper failed:\n%s", r.output)
			}
			open, timedOut = open+r.open, timedOut+r.timedOut
		case <-time.After(2 * time.Minute):
			t.Fatal("the helpers did not finish dialing within 2 minutes")
		}
	}
	dialed := time.Since(dialing)
	// Every attempt is open or timed out (past the server's descriptors
	// and its backlog), and the server's descriptors ran out.
	if open+timedOut != attempts {
		t.Fatalf("%d attempts open and %d timed out, want %d in all", open, timedOut, attempts)
	}
	// A busy server may still be accepting the backlog.
	waitFor(t, 30*time.Second, "the server's accepts to fail", func() bool {
		return strings.Contains(srv.stderr.String(), "accepting connections failed; retrying")
	})
	atLimit := fdCount(t, pid)
	select {
	case <-srv.exited:
		t.Fatalf("the server died: %v\n%s", srv.cmd.ProcessState, srv.stderr.String())
	default:
	}
	// A polling socket needs new connections (Node's client opens one per
	// request), which wait in the backlog like the attempts: its events
	// resume once descriptors are free, checked below.
	exchange(ws)
	for i := range hs {
		_ = held[i].Close()
		if err := hs[i].Wait(); err != nil {
			t.Fatalf("helper %d: %v", i, err)
		}
	}
	// The server closes what it had accepted, then accepts the backlog
	// and closes that too.
	waitFor(t, 30*time.Second, "the server's descriptors to be released", func() bool { return fdCount(t, pid) < 1000 })
	exchange(cs)
	fresh, _ := connectClients(t, d, srv.url, 2)
	exchange(fresh)
	took := stopGracefully(t, srv)
	t.Logf("%d attempts against a %d-descriptor limit in %v: %d connected, %d timed out; the server held %d descriptors and retried its accepts; stopped in %v; %v in all",
		attempts, serverFDs, dialed.Round(time.Millisecond), open, timedOut, atLimit, took.Round(time.Millisecond), time.Since(start).Round(time.Second))
}

// dialAndHold is the helper process of TestDescriptorLimit.
func dialAndHold(t *testing.T, spec string) {
	var addr, source string
	var count int
	if _, err := fmt.Sscanf(spec, "%s %d %s", &addr, &count, &source); err != nil {
		t.Fatalf("%s=%q: %v", dialHelperEnv, spec, err)
	}
	// Go raises the soft descriptor limit to the hard one at start; say so
	// when even that is not enough.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < uint64(count)+100 {
		t.Fatalf("helper: descriptor limit %d, %d connections to hold", lim.Cur, count)
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	var (
		mu       sync.Mutex
		conns    []net.Conn
		timedOut int
		other    error // the first failure that is not a timeout
		wg       sync.WaitGroup
		next     = make(chan struct{})
	)
	for range 1024 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				c, err := dialer.Dial("tcp", addr)
				mu.Lock()
				var ne net.Error
				switch {
				case err == nil:
					conns = append(conns, c)
				case errors.As(err, &ne) && ne.Timeout():
					timedOut++
				case other == nil:
					other = err
				}
				mu.Unlock()
			}
		}()
	}
	for range count {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	if other != nil {
		t.Fatalf("helper: dial: %v", other)
	}
	fmt.Printf("dialed %d %d\n", len(conns), timedOut)
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		_ = c.Close()
	}
}

// fdCount counts the open descriptors of process pid.
func fdCount(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

// openFilesLimit returns the soft "Max open files" of process pid.
func openFilesLimit(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/limits")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			return strings.Fields(line)[3]
		}
	}
	t.Fatalf("no open files limit in /proc/%d/limits", pid)
	return ""
}

// waitFor polls cond every 10 ms until it holds, failing after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
