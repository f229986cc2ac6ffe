package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmio/wasmio/internal/testing/nodetest"
)

var soakFor = flag.Duration("soak", 0, "run TestSoak for this long (`just soak`)")

// The soak's load and sampling.
const (
	soakEvery       = 10 * time.Second      // between samples of the server
	soakSubscribers = 20                    // fanout receivers
	soakPublish     = 50 * time.Millisecond // between publications: 20/s, 400 deliveries/s
	soakKVClients   = 4                     // each increments, acked, then waits soakKVPause
	soakKVPause     = 20 * time.Millisecond
	soakChurners    = 2                      // each connects, increments and disconnects every soakChurnEvery
	soakChurnEvery  = 200 * time.Millisecond // 10 connections/s in all
)

// Growth is judged on the means of the first and the last third of the
// samples, not on two single samples: RSS saws up and down by up to the
// heap floor (16 MiB) between collections, and the descriptors and
// goroutines of the moment include the churned connections and polling
// requests in flight. A metric fails when its last-third mean exceeds the
// first-third mean by more than 10% plus a fixed allowance: 8 MiB of RSS,
// 10 descriptors, 20 goroutines. One descriptor or goroutine leaked per
// 60 churned connections already fails a 3-minute run (1,200 connections
// between the thirds' midpoints); RSS is the coarsest check (about 7 KiB
// per connection over 30 minutes).
var soakMetrics = []struct {
	name        string
	value       func(sample) float64
	unit        string
	allow       float64 // on top of 10%
	judged      bool
	showDecimal bool
}{
	{"RSS", func(s sample) float64 { return float64(s.rss) / (1 << 20) }, "MiB", 8, true, true},
	{"anonymous RSS", func(s sample) float64 { return float64(s.anon) / (1 << 20) }, "MiB", 0, false, true},
	{"open descriptors", func(s sample) float64 { return float64(s.fds) }, "", 10, true, false},
	{"goroutines", func(s sample) float64 { return float64(s.goroutines) }, "", 20, true, false},
	{"threads", func(s sample) float64 { return float64(s.threads) }, "", 0, false, false},
}

// sample is one reading of the server process, with the load so far.
type sample struct {
	at                      time.Duration // since the load started
	rss, anon               int64         // VmRSS and RssAnon, bytes
	threads, fds            int
	goroutines              int
	churned, delivered, kvs int64
}

// readSample reads the server's /proc status and descriptors, and asks it
// for its goroutine count (SIGUSR1).
func readSample(t *testing.T, c *child) sample {
	t.Helper()
	pid := c.cmd.Process.Pid
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	var s sample
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			s.rss = n << 10
		case "RssAnon":
			s.anon = n << 10
		case "Threads":
			s.threads = int(n)
		}
	}
	s.fds = fdCount(t, pid)
	s.goroutines = goroutines(t, c)
	return s
}

var goroutinesLog = regexp.MustCompile(`msg=runtime goroutines=(\d+)`)

// goroutines sends SIGUSR1 and returns the count the server logs.
func goroutines(t *testing.T, c *child) int {
	t.Helper()
	logged := func() [][]string { return goroutinesLog.FindAllStringSubmatch(c.stderr.String(), -1) }
	before := len(logged())
	if err := c.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the goroutine count", func() bool { return len(logged()) > before })
	m := logged()
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

// TestGoroutineSignal checks that SIGUSR1 makes `wasmio serve` log its
// goroutine count, and that it keeps serving.
func TestGoroutineSignal(t *testing.T) {
	srv := startChild(t, wasmioBinary(t), counterConfig(t, ""))
	if n := goroutines(t, srv); n < 2 {
		t.Fatalf("%d goroutines", n)
	}
	cs, _ := connectClients(t, nodetest.Start(t), srv.url, 1)
	ackedValue(t, cs[0].EmitAck("incr"))
	stopGracefully(t, srv)
}

// TestSoak runs `wasmio serve` under connect/disconnect churn, fanout and
// KV traffic for -soak (just soak; skipped without it), samples its RSS,
// descriptors, threads and goroutines every 10 s, and fails on growth (see
// soakMetrics). Once the load stops and every client left, descriptors and
// goroutines must come back to what the idle server had. The load checks
// itself too: every publication reaches every subscriber, the counter
// equals the increments acked, and every churned socket's $disconnect ran
// once. The result replaces the Soak section of bench/RESULTS.md.
func TestSoak(t *testing.T) {
	if *soakFor == 0 {
		t.Skip("the soak runs with -soak DURATION: just soak [DURATION]")
	}
	if *soakFor < time.Minute {
		t.Fatal("-soak: at least 1m, for thirds of several 10 s samples")
	}
	config := counterConfig(t, "")
	srv := startChild(t, wasmioBinary(t), config)
	d := nodetest.Start(t)
	idle := readSample(t, srv)

	subs, _ := connectClients(t, d, srv.url, soakSubscribers)
	steady, _ := connectClients(t, d, srv.url, 1+soakKVClients)
	pub, kvClients := steady[0], steady[1:]
	var (
		published, delivered, kvs, churned atomic.Int64
		mu                                 sync.Mutex
		churnedSids                        []string
		problems                           []string
		wg                                 sync.WaitGroup
		stop                               = make(chan struct{})
	)
	problem := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	countDeliveries := func() {
		for _, s := range subs {
			for _, m := range s.Events() {
				if m.Name == "tick" {
					delivered.Add(1)
				}
			}
		}
	}
	every := func(period time.Duration, f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(period)
			defer tick.Stop()
			for i := 0; !stopped(); i++ {
				f(i)
				select {
				case <-tick.C:
				case <-stop:
				}
			}
		}()
	}
	every(soakPublish, func(i int) {
		pub.Emit("pub", i)
		published.Add(1)
	})
	every(time.Second, func(int) { countDeliveries() })
	for _, c := range kvClients {
		every(soakKVPause, func(int) {
			if _, err := c.EmitAckTimeout("incr", 10*time.Second); err != nil {
				problem("incr: %v", err)
				return
			}
			kvs.Add(1)
		})
	}
	for k := range soakChurners {
		every(soakChurnEvery, func(i int) {
			c := d.Connect(srv.url, map[string]any{"transports": transports[(i+k)%len(transports)]})
			sid := c.Connected().Sid
			if _, err := c.EmitAckTimeout("incr", 10*time.Second); err != nil {
				problem("churned incr: %v", err)
			} else {
				kvs.Add(1)
			}
			c.Disconnect()
			c.Wait("disconnect", nil)
			mu.Lock()
			churnedSids = append(churnedSids, sid)
			mu.Unlock()
			churned.Add(1)
		})
	}

	start := time.Now()
	var samples []sample
	tick := time.NewTicker(soakEvery)
	defer tick.Stop()
	for time.Since(start) < *soakFor {
		<-tick.C
		s := readSample(t, srv)
		s.at, s.churned, s.delivered, s.kvs = time.Since(start), churned.Load(), delivered.Load(), kvs.Load()
		samples = append(samples, s)
	}
	close(stop)
	wg.Wait()

	// Every publication reaches every subscriber; the counter is exact.
	want := published.Load() * soakSubscribers
	waitFor(t, 30*time.Second, "the last deliveries", func() bool { countDeliveries(); return delivered.Load() >= want })
	if got := delivered.Load(); got != want {
		problem("%d deliveries, want %d (%d publications × %d subscribers)", got, want, published.Load(), soakSubscribers)
	}
	if got := ackedValue(t, kvClients[0].EmitAck("get")); got != kvs.Load() {
		problem("the counter is %d after %d acked increments", got, kvs.Load())
	}
	// With every client gone, descriptors and goroutines come back to the
	// idle server's (fasthttp's idle workers leave within 10 s).
	all := append(subs, steady...)
	for _, c := range all {
		c.Disconnect()
	}
	for _, c := range all {
		c.Wait("disconnect", nil)
	}
	var after sample
	settled := func() bool {
		after = readSample(t, srv)
		return after.fds <= idle.fds+2 && after.goroutines <= idle.goroutines+5
	}
	deadline := time.Now().Add(60 * time.Second)
	for !settled() && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	if after.fds > idle.fds+2 || after.goroutines > idle.goroutines+5 {
		problem("after the load: %d descriptors and %d goroutines, idle %d and %d", after.fds, after.goroutines, idle.fds, idle.goroutines)
	}
	took := stopGracefully(t, srv)
	// Every socket's $disconnect ran once.
	keys := namespaceKeys(t, config)
	if got, want := keys[`["client namespace disconnect"]`], strconv.Itoa(int(churned.Load())+len(all)); got != want {
		problem("$disconnect ran %s times with \"client namespace disconnect\", want %s", got, want)
	}
	for _, sid := range churnedSids {
		if keys[sid] != "1" {
			problem("socket %s: $disconnect ran %q times", sid, keys[sid])
		}
	}

	verdicts, grew := judge(samples)
	if len(problems) > 10 {
		problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
	}
	report := soakReport(samples, verdicts, problems, idle, after, took, published.Load())
	if err := writeSoakSection(filepath.Join(nodetest.RepoRoot(), "bench", "RESULTS.md"), report); err != nil {
		t.Error(err)
	}
	t.Log("\n" + report)
	for _, p := range problems {
		t.Error(p)
	}
	for _, g := range grew {
		t.Error(g)
	}
}

// verdict is one metric's growth between the first and the last third.
type verdict struct {
	name, unit         string
	first, last, limit float64
	judged, ok         bool
	decimal            bool
}

// judge compares the first and the last third of the samples for every
// metric, and returns the verdicts and the failures.
func judge(samples []sample) ([]verdict, []string) {
	third := len(samples) / 3
	mean := func(ss []sample, f func(sample) float64) float64 {
		var sum float64
		for _, s := range ss {
			sum += f(s)
		}
		return sum / float64(len(ss))
	}
	var vs []verdict
	var grew []string
	for _, m := range soakMetrics {
		v := verdict{name: m.name, unit: m.unit, judged: m.judged, decimal: m.showDecimal, ok: true,
			first: mean(samples[:third], m.value), last: mean(samples[len(samples)-third:], m.value)}
		if m.judged {
			v.limit = v.first*1.1 + m.allow
			if v.ok = v.last <= v.limit; !v.ok {
				grew = append(grew, fmt.Sprintf("%s grew: %.1f%s in the first third, %.1f%s in the last (limit %.1f)", m.name, v.first, m.unit, v.last, m.unit, v.limit))
			}
		}
		vs = append(vs, v)
	}
	return vs, grew
}

// soakReport renders the Soak section of bench/RESULTS.md.
func soakReport(samples []sample, verdicts []verdict, problems []string, idle, after sample, stopped time.Duration, published int64) string {
	var b strings.Builder
	last := samples[len(samples)-1]
	ok := len(problems) == 0
	for _, v := range verdicts {
		ok = ok && v.ok
	}
	result := "**pass**"
	if !ok {
		result = "**FAIL**"
	}
	length, flag := soakFor.String()+" run", soakFor.String()
	if *soakFor%time.Minute == 0 {
		length, flag = fmt.Sprintf("%d-minute run", *soakFor/time.Minute), fmt.Sprintf("%dm", *soakFor/time.Minute)
	}
	fmt.Fprintf(&b, "## Soak\n\n")
	fmt.Fprintf(&b, "Written by `just soak` (`TestSoak` in `cmd/wasmio/soak_test.go`, 30 minutes by default; not in CI). ")
	fmt.Fprintf(&b, "This is the result of a **%s** (`just soak %s`)", length, flag)
	if *soakFor != 30*time.Minute {
		fmt.Fprintf(&b, ", not the 30-minute default")
	}
	fmt.Fprintf(&b, ": %s.\n\n", result)
	fmt.Fprintf(&b, "- Date: %s; commit %s; %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), gitCommit(), machine())
	fmt.Fprintf(&b, "- Server: one `wasmio serve` child process (testdata/counter.wat on `/`, default settings), driven by socket.io-client sockets in Node (`internal/testing/nodetest`), WebSocket and long-polling alternating.\n")
	fmt.Fprintf(&b, "- Load: churn (%d clients that connect, increment, disconnect, every %v each: %d connections), fanout (%d subscribers, one publication every %v: %d publications, %d deliveries), KV (%d clients incrementing one counter, acked: %d increments with the churn's). Checked: every publication reached every subscriber, the counter equals the increments acked, every socket's $disconnect ran once (problems, if any, are listed below the table).\n",
		soakChurners, soakChurnEvery, last.churned, soakSubscribers, soakPublish, published, last.delivered, soakKVClients, last.kvs)
	fmt.Fprintf(&b, "- Sampled every %v: VmRSS and RssAnon and Threads from `/proc/<pid>/status`, open descriptors from `/proc/<pid>/fd`, goroutines as the server logs them on SIGUSR1.\n", soakEvery)
	fmt.Fprintf(&b, "- Growth fails a metric when the mean of the last third of the samples exceeds the first third's by more than 10%% plus 8 MiB of RSS, 10 descriptors or 20 goroutines (means over thirds smooth the GC's sawtooth of up to the 16 MiB heap floor and the connections in flight of the moment); threads and anonymous RSS are shown, not judged.\n")
	fmt.Fprintf(&b, "- After the load, with every client gone: %d descriptors and %d goroutines (idle server before the load: %d and %d; must come back within 2 and 5); SIGTERM then stopped the server in %v.\n\n",
		after.fds, after.goroutines, idle.fds, idle.goroutines, stopped.Round(time.Millisecond))
	fmt.Fprintf(&b, "| metric | first third | last third | limit | verdict |\n|---|---|---|---|---|\n")
	for _, v := range verdicts {
		f := "%.0f"
		if v.decimal {
			f = "%.1f"
		}
		limit, verdict := "—", "shown"
		if v.judged {
			limit, verdict = fmt.Sprintf(f, v.limit), "ok"
			if !v.ok {
				verdict = "**grew**"
			}
		}
		fmt.Fprintf(&b, "| %s%s | "+f+" | "+f+" | %s | %s |\n", v.name, unitSuffix(v.unit), v.first, v.last, limit, verdict)
	}
	for _, p := range problems {
		fmt.Fprintf(&b, "\n- Problem: %s", p)
	}
	if len(problems) > 0 {
		b.WriteString("\n")
	}
	// Every sample up to 30 rows, then one every len/30.
	step := max(1, len(samples)/30)
	fmt.Fprintf(&b, "\n| time | RSS MiB | anon RSS MiB | descriptors | goroutines | threads | connections churned | deliveries | increments |\n|---|---|---|---|---|---|---|---|---|\n")
	for i := 0; i < len(samples); i += step {
		s := samples[i]
		fmt.Fprintf(&b, "| %v | %.1f | %.1f | %d | %d | %d | %d | %d | %d |\n", s.at.Round(time.Second), float64(s.rss)/(1<<20), float64(s.anon)/(1<<20),
			s.fds, s.goroutines, s.threads, s.churned, s.delivered, s.kvs)
	}
	return b.String()
}

func unitSuffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " (" + unit + ")"
}

// gitCommit returns the short commit the tree is at.
func gitCommit() string {
	out, err := exec.Command("git", "-C", nodetest.RepoRoot(), "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// machine describes the CPUs and the kernel.
func machine() string {
	release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d CPUs, Linux %s, shared with other work", runtime.NumCPU(), bytes.TrimSpace(release))
}

// The Soak section's markers in bench/RESULTS.md, so that the benchmark's
// report can keep the section when it regenerates the file.
const (
	soakBegin = "<!-- soak -->"
	soakEnd   = "<!-- /soak -->"
)

// writeSoakSection replaces the text between the markers in the file at
// path, or appends the section with its markers.
func writeSoakSection(path, section string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	block := soakBegin + "\n" + section + soakEnd + "\n"
	i, j := strings.Index(s, soakBegin), strings.Index(s, soakEnd)
	switch {
	case i >= 0 && j > i:
		s = s[:i] + block + strings.TrimPrefix(s[j+len(soakEnd):], "\n")
	default:
		s = strings.TrimRight(s, "\n") + "\n\n" + block
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

// TestWriteSoakSection checks that the section is appended once, then
// replaced in place with the text around it kept.
func TestWriteSoakSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	for _, step := range []struct{ before, section, after string }{
		{"# Results\n\nbench\n", "## Soak\n\nfirst\n", "# Results\n\nbench\n\n<!-- soak -->\n## Soak\n\nfirst\n<!-- /soak -->\n"},
		{"", "## Soak\n\nsecond\n", "# Results\n\nbench\n\n<!-- soak -->\n## Soak\n\nsecond\n<!-- /soak -->\n"},
		{"# Results\n\n<!-- soak -->\nold\n<!-- /soak -->\n\n## Later\n", "new\n", "# Results\n\n<!-- soak -->\nnew\n<!-- /soak -->\n\n## Later\n"},
	} {
		if step.before != "" {
			if err := os.WriteFile(path, []byte(step.before), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := writeSoakSection(path, step.section); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != step.after {
			t.Fatalf("got %q, want %q", b, step.after)
		}
	}
}
