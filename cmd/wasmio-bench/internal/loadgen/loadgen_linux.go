//go:build linux

// Package loadgen is the benchmark's load generator: one epoll loop that
// speaks Engine.IO v4 / Socket.IO v5 over WebSocket and long-polling
// itself, and the scenarios it runs against a server (fanout, calibrate,
// echo, connect storm), measuring the server's CPU and memory and its own.
// The driver runs it as a process of its own: `wasmio-bench load -spec JSON`.
package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/procstat"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/results"
)

// Main is the load generator process: it reads the spec, runs it and
// prints the result as JSON on stdout.
func Main(specJSON string, stdout, stderr io.Writer) int {
	var spec results.LoadSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintln(stderr, "wasmio-bench load:", err)
		return 2
	}
	// A watchdog: never hang the run.
	go func() {
		time.Sleep(8 * time.Minute)
		fmt.Fprintln(stderr, "wasmio-bench load: watchdog: giving up after 8 minutes")
		os.Exit(3)
	}()
	res, err := run(&spec, stderr)
	if res == nil {
		res = &results.LoadResult{Scenario: spec.Scenario}
	}
	if err != nil {
		res.Error = err.Error()
	}
	_ = json.NewEncoder(stdout).Encode(res)
	if err != nil {
		return 1
	}
	return 0
}

// run runs one load generator scenario against a server and returns its
// results. Progress goes to log (nil discards it).
func run(spec *results.LoadSpec, log io.Writer) (*results.LoadResult, error) {
	if log == nil {
		log = io.Discard
	}
	defaults(spec)
	l, err := newLoop(loopConfig{Addr: spec.Addr, Path: spec.Path, Token: spec.Token, Pad: spec.Pad})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	r := &runner{spec: spec, l: l, log: log, res: &results.LoadResult{Scenario: spec.Scenario, N: spec.N, Polling: spec.Polling}}
	switch spec.Scenario {
	case "fanout", "fanout-goroutines":
		err = r.fanout()
	case "calibrate":
		err = r.calibrate()
	case "echo":
		err = r.echo()
	case "storm":
		err = r.storm()
	case "ceiling":
		err = r.ceiling()
	default:
		err = fmt.Errorf("bench: unknown scenario %q", spec.Scenario)
	}
	l.mu.Lock()
	r.res.Stray, r.res.BadEvents = l.stray, l.bad
	l.mu.Unlock()
	return r.res, err
}

// defaults fills the spec's unset fields.
func defaults(s *results.LoadSpec) {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if s.Concurrency == 0 {
		s.Concurrency = 256
	}
	def(&s.Settle, 2*time.Second)
	def(&s.SetupTimeout, 60*time.Second)
	def(&s.Closed, 4*time.Second)
	def(&s.StepDur, 3*time.Second)
	def(&s.Pause, 300*time.Millisecond)
	def(&s.Quiet, 2*time.Second)
	def(&s.DrainCap, 15*time.Second)
	if s.Window == 0 {
		s.Window = max(4, 20_000/max(s.N, 1))
	}
	if s.Fractions == nil {
		s.Fractions = []float64{0.25, 0.5, 0.7, 0.85, 1.0, 1.15, 1.3}
	}
	if s.MaxExtraSteps == 0 {
		s.MaxExtraSteps = 6
	}
	if s.BlastFrames == 0 {
		s.BlastFrames = 64
	}
	if s.Senders == 0 {
		s.Senders = 32
	}
	if s.EchoWindow == 0 {
		s.EchoWindow = 8
	}
}

type runner struct {
	spec *results.LoadSpec
	l    *loop
	rd   *readers // the subscribers' reader goroutines (fanout-goroutines), or nil
	log  io.Writer
	res  *results.LoadResult
}

func (r *runner) logf(format string, args ...any) { fmt.Fprintf(r.log, format+"\n", args...) }

// sample reads the server's /proc stat and the load generator's own CPU.
type sample struct {
	at     time.Time
	server procstat.Stat
	client time.Duration
	cpus   [2]time.Duration // busy time of CPU 0 and CPU 1 (all processes)
}

func (r *runner) sample() sample {
	s := sample{at: time.Now(), client: selfCPU()}
	if r.spec.ServerPID > 0 {
		s.server, _ = procstat.Read(r.spec.ServerPID)
	}
	for i, c := range procstat.CPUs("cpu0 ", "cpu1 ") {
		s.cpus[i] = c.Busy
	}
	return s
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// connect opens n sockets of one kind, at most conc handshakes at a time,
// and fails unless every one of them becomes ready.
func (r *runner) connect(n int, ro role, polling bool, conc int) error {
	l := r.l
	target := l.ready + n
	started := 0
	deadline := time.Now().Add(r.spec.SetupTimeout)
	for l.ready < target {
		for started < n && l.dialing < conc {
			if err := l.dial(ro, polling); err != nil {
				return err
			}
			started++
		}
		if l.failed > 0 || l.lost > 0 {
			return fmt.Errorf("bench: %d of %d connections failed during setup: %v", l.failed+l.lost, n, l.firstErr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: setup timed out with %d of %d sockets ready (is the server up and answering? %v)", l.ready-(target-n), n, l.firstErr)
		}
		if err := l.poll(20 * time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// setupFanout connects the publisher and the N subscribers and measures the
// server's memory before and after.
func (r *runner) setupFanout(event string) error {
	l, s := r.l, r.spec
	time.Sleep(200 * time.Millisecond)
	before := r.sample()
	start := time.Now()
	if err := r.connect(1, rolePub, false, 1); err != nil {
		return err
	}
	l.pub = l.conns[len(l.conns)-1]
	l.event = event
	if err := r.connect(s.N-s.Polling, roleSub, false, s.Concurrency); err != nil {
		return err
	}
	if s.Polling > 0 {
		if err := r.connect(s.Polling, roleSub, true, s.Concurrency); err != nil {
			return err
		}
	}
	return r.idleMemory(before, s.N+1, time.Since(start))
}

// idleMemory lets the sockets sit idle for the settle time, then records
// the setup: the server's RSS before (sample before) and after, per socket.
func (r *runner) idleMemory(before sample, sockets int, connect time.Duration) error {
	setup := &results.Setup{Sockets: sockets, ConnectTime: connect}
	if err := r.l.runFor(r.spec.Settle); err != nil {
		return err
	}
	after := r.sample()
	setup.RSSBefore, setup.RSSAfter = before.server.RSS, after.server.RSS
	setup.ServerThreads = after.server.Threads
	if setup.Sockets > 0 {
		setup.RSSPerSocket = float64(after.server.RSS-before.server.RSS) / float64(setup.Sockets)
	}
	r.res.Setup = setup
	r.logf("  %d sockets ready in %v; server RSS %.1f -> %.1f MiB (%.0f B/socket)", setup.Sockets,
		setup.ConnectTime.Round(time.Millisecond), float64(setup.RSSBefore)/(1<<20), float64(setup.RSSAfter)/(1<<20), setup.RSSPerSocket)
	return nil
}

// phase resets the accounting for a new phase of broadcasts or events.
func (l *loop) phase(mode loopMode, track bool, broadcasts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mode = mode
	l.track = track
	l.seqBase = l.nextSeq
	l.sent, l.received, l.lastRecv = 0, 0, 0
	l.hist.Reset()
	if track {
		if cap(l.bc) < broadcasts {
			l.bc = make([]bcast, broadcasts)
		}
		l.bc = l.bc[:broadcasts]
		clear(l.bc)
	} else {
		l.bc = l.bc[:0]
	}
}

// drain waits until expected deliveries arrived, or none arrived for the
// quiet period, or the cap passed.
func (r *runner) drain(expected func() uint64) error {
	l := r.l
	start := time.Now()
	lastCount, lastProgress := l.delivered(), time.Now()
	for got := lastCount; got < expected(); got = l.delivered() {
		if got != lastCount {
			lastCount, lastProgress = got, time.Now()
		}
		if time.Since(lastProgress) > r.spec.Quiet || time.Since(start) > r.spec.DrainCap {
			return nil
		}
		if err := l.poll(20 * time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// delivered returns the deliveries of the phase so far.
func (l *loop) delivered() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.received
}

// finish fills a step's measurements from the loop and two samples.
func (r *runner) finish(st *results.Step, a, b sample, t0 int64, minElapsed time.Duration) {
	l := r.l
	l.mu.Lock()
	defer l.mu.Unlock()
	st.Delivered = l.received
	st.Latency = l.hist.Summary()
	setCPU(st, a, b)
	st.Lost = l.lost + r.rd.lostCount()
	elapsed := time.Duration(l.lastRecv - t0)
	if elapsed < minElapsed {
		elapsed = minElapsed
	}
	st.Elapsed = elapsed
	if elapsed > 0 {
		st.Rate = float64(st.Delivered) / elapsed.Seconds()
	}
	if l.track {
		var first, last histogram
		for i := range l.bc[:l.sent] {
			bc := &l.bc[i]
			if bc.count > 0 {
				first.Record(time.Duration(bc.first - bc.sched))
				last.Record(time.Duration(bc.last - bc.sched))
			}
		}
		st.First, st.Last = first.Summary(), last.Summary()
	}
}

// closed runs the fanout closed loop: broadcasts go out as long as fewer
// than Window*N deliveries are in flight.
func (r *runner) closed() (*results.Step, error) {
	l, s := r.l, r.spec
	maxB := int(math.Min(float64(1<<18), 4e6*s.Closed.Seconds()/float64(s.N)+1000))
	l.phase(modeClosed, true, maxB)
	l.recipient = uint64(s.N)
	l.window = uint64(s.Window) * uint64(s.N)
	st := &results.Step{Kind: "closed", Window: s.Window}
	a := r.sample()
	t0 := l.now()
	l.sendUntil = t0 + int64(s.Closed)
	l.pump()
	if err := l.runFor(s.Closed); err != nil {
		return nil, err
	}
	l.mode = modeIdle
	if err := r.drain(func() uint64 { return l.sent * uint64(s.N) }); err != nil {
		return nil, err
	}
	b := r.sample()
	st.Sent = l.sent
	st.Expected = l.sent * uint64(s.N)
	r.finish(st, a, b, t0, 0)
	st.Pass = st.Delivered == st.Expected && st.Lost == 0
	r.logf("  closed loop (window %d broadcasts): %s", s.Window, line(st))
	return st, nil
}

// open runs one open-loop step at rate deliveries per second: broadcasts
// are scheduled at fixed intervals and carry their scheduled time, so a
// late send counts in the latency (no coordinated omission).
func (r *runner) open(rate float64) (*results.Step, error) {
	l, s := r.l, r.spec
	perSec := rate / float64(s.N) // broadcasts per second
	interval := int64(float64(time.Second) / perSec)
	plan := int(math.Round(s.StepDur.Seconds() * perSec))
	if plan < 2 {
		plan = 2
	}
	l.phase(modeOpen, true, plan)
	l.plan, l.interval = uint64(plan), interval
	st := &results.Step{Kind: "open", Offered: float64(s.N) * float64(time.Second) / float64(interval)}
	a := r.sample()
	l.t0 = l.now() + int64(20*time.Millisecond)
	timerfdSet(l.tfd, l.t0-l.now())
	planEnd := time.Duration(int64(plan) * interval)
	if err := l.runUntil(time.Now().Add(planEnd+time.Minute), "sending an open-loop step", func() bool { return l.sent >= l.plan || l.pub.state != stReady }); err != nil {
		return nil, err
	}
	if err := r.drain(func() uint64 { return l.plan * uint64(s.N) }); err != nil {
		return nil, err
	}
	l.mode = modeIdle
	b := r.sample()
	st.Sent = l.sent
	st.Expected = l.plan * uint64(s.N)
	r.finish(st, a, b, l.t0, planEnd)
	st.Pass = st.Delivered == st.Expected && st.Lost == 0 && st.Rate >= 0.95*st.Offered
	r.logf("  open %8.0f/s: %s", st.Offered, line(st))
	return st, nil
}

func (r *runner) fanout() error {
	s := r.spec
	r.logf("%s N=%d (%d polling) on %s", s.Scenario, s.N, s.Polling, s.Addr)
	if err := r.setupFanout("pub"); err != nil {
		return err
	}
	if s.Scenario == "fanout-goroutines" {
		if err := r.startReaders(); err != nil {
			return err
		}
		defer r.rd.stop()
	}
	cl, err := r.closed()
	if err != nil {
		return err
	}
	r.res.Closed = cl
	if cl.Lost > 0 {
		r.logf("  %d sockets lost in the closed loop (%v): no open-loop steps", cl.Lost, r.firstErr())
		return nil
	}
	base := cl.Rate
	if s.BaseRate > 0 {
		base = s.BaseRate
	}
	type plan struct {
		rate   float64
		target bool
	}
	var plans []plan
	for _, f := range s.Fractions {
		if base*f >= float64(s.N) { // at least one broadcast per second
			plans = append(plans, plan{base * f, false})
		}
	}
	for _, r := range s.Rates {
		if r >= float64(s.N) {
			plans = append(plans, plan{r, true})
		}
	}
	sort.SliceStable(plans, func(i, j int) bool { return plans[i].rate < plans[j].rate })
	fails, top, lost := 0, 0.0, false
	step := func(pl plan) error {
		time.Sleep(s.Pause)
		st, err := r.open(pl.rate)
		if err != nil {
			return err
		}
		st.Target = pl.target
		r.res.Steps = append(r.res.Steps, st)
		if st.Lost > 0 {
			// The server dropped sockets (a slow consumer, most likely):
			// the step failed, and the room is no longer whole.
			r.logf("  %d sockets lost (%v): no further steps", st.Lost, r.firstErr())
			lost = true
		}
		if st.Pass {
			fails = 0
		} else {
			fails++
		}
		top = math.Max(top, pl.rate)
		return nil
	}
	for _, pl := range plans {
		if lost || fails >= 2 && !pl.target {
			continue
		}
		if err := step(pl); err != nil {
			return err
		}
	}
	// Still passing at the top: keep going up until two steps fail.
	for extra := 0; !lost && fails < 2 && extra < s.MaxExtraSteps && top > 0; extra++ {
		if err := step(plan{top * 1.25, false}); err != nil {
			return err
		}
	}
	return nil
}

// calibrate measures the load generator against the blast server, which
// writes prebuilt frames as fast as the sockets take them: the result is
// the load generator's own ceiling and CPU per delivery.
func (r *runner) calibrate() error {
	l, s := r.l, r.spec
	r.logf("calibrate N=%d, %d frames per server write", s.N, s.BlastFrames)
	if err := r.setupFanout("blast"); err != nil {
		return err
	}
	l.phase(modeIdle, false, 0)
	st := &results.Step{Kind: "calibrate", Window: s.BlastFrames}
	a := r.sample()
	t0 := l.now()
	l.pkt = append(l.pkt[:0], fmt.Sprintf(`42["blast","%d:%d"]`, s.Closed.Milliseconds(), s.BlastFrames)...)
	l.send(l.pub, l.pkt)
	if err := l.runFor(s.Closed); err != nil {
		return err
	}
	if err := r.drain(func() uint64 { return math.MaxUint64 }); err != nil {
		return err
	}
	b := r.sample()
	r.finish(st, a, b, t0, 0)
	st.Latency = results.Summary{} // the blast server's timestamps are not the loop's clock
	st.Expected = st.Delivered
	st.Pass = st.Lost == 0
	r.res.Closed = st
	r.logf("  calibration: %s", line(st))
	return nil
}

// echo measures events per second through a handler that replies to the
// sender: Senders sockets each keep Window events in flight.
func (r *runner) echo() error {
	l, s := r.l, r.spec
	r.logf("echo: %d senders x %d in flight on %s", s.Senders, s.EchoWindow, s.Addr)
	if err := r.connect(s.Senders, roleEcho, false, s.Concurrency); err != nil {
		return err
	}
	if err := l.runFor(s.Settle); err != nil {
		return err
	}
	l.phase(modeEcho, false, 0)
	st := &results.Step{Kind: "echo", Window: s.EchoWindow}
	a := r.sample()
	t0 := l.now()
	l.sendUntil = t0 + int64(s.Closed)
	for _, c := range l.conns {
		for i := 0; i < s.EchoWindow && c.state == stReady; i++ {
			l.echo(c, t0)
		}
	}
	if err := l.runFor(s.Closed); err != nil {
		return err
	}
	l.mode = modeIdle
	if err := r.drain(func() uint64 { return l.sent }); err != nil {
		return err
	}
	b := r.sample()
	st.Sent = l.sent
	st.Expected = l.sent
	r.finish(st, a, b, t0, 0)
	st.Pass = st.Delivered == st.Expected && st.Lost == 0
	r.res.Closed = st
	r.logf("  echo: %s", line(st))
	if st.Lost > 0 {
		return fmt.Errorf("bench: %d sockets were lost: %v", st.Lost, l.firstErr)
	}
	return nil
}

// storm opens Total connections, Concurrency at a time, each with a JWT in
// its CONNECT auth, and measures connections per second up to the
// namespace's CONNECT answer. The sockets stay open until the end.
func (r *runner) storm() error {
	s := r.spec
	r.logf("connect storm: %d connections, %d at a time, on %s", s.StormTotal, s.Concurrency, s.Addr)
	time.Sleep(200 * time.Millisecond)
	st, err := r.stormStep(s.StormTotal, roleStorm)
	r.res.Closed = st
	return err
}

// stormStep opens total connections of role ro, Concurrency at a time, each
// with the spec's token in its CONNECT auth, and measures connections per
// second: up to the namespace's CONNECT answer (roleStorm), or up to the
// ack of the room's join (roleSub). It fails unless all of them connected.
func (r *runner) stormStep(total int, ro role) (*results.Step, error) {
	l, s := r.l, r.spec
	if s.Token == "" {
		return nil, errors.New("bench: the connect storm needs a token")
	}
	l.phase(modeStorm, false, 0)
	base := l.ready
	l.stormTotal, l.stormConc, l.stormStarted, l.stormRole = total, s.Concurrency, 0, ro
	st := &results.Step{Kind: "storm", Window: s.Concurrency}
	a := r.sample()
	t0 := l.now()
	l.stormNext()
	err := l.runUntil(time.Now().Add(s.SetupTimeout), "during the connect storm", func() bool {
		return l.ready-base+l.failed >= total
	})
	last := l.now()
	b := r.sample()
	l.mode = modeIdle
	ready := l.ready - base
	st.Sent = uint64(total)
	st.Expected = uint64(total)
	st.Delivered = uint64(ready)
	st.Latency = l.stormHist.Summary()
	setCPU(st, a, b)
	st.Elapsed = time.Duration(last - t0)
	st.Rate = float64(ready) / st.Elapsed.Seconds()
	st.Lost = l.failed + l.lost
	st.Pass = ready == total
	r.logf("  storm: %s", line(st))
	if err != nil {
		return st, err
	}
	if !st.Pass {
		return st, fmt.Errorf("bench: %d of %d connections failed: %v", total-ready, total, l.firstErr)
	}
	return st, nil
}

// ceiling is one server process at its descriptor limit: N subscribers
// connected by a connect storm (JWT auth, then the join), their idle
// memory, a broadcast to all of them once per second for StepDur, and the
// closed loop to saturation. It records fs.file-max for the projection.
func (r *runner) ceiling() error {
	l, s := r.l, r.spec
	r.logf("ceiling: %d subscribers by a connect storm, %d at a time, on %s", s.N, s.Concurrency, s.Addr)
	if b, err := os.ReadFile("/proc/sys/fs/file-max"); err == nil {
		r.res.FileMax, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	}
	time.Sleep(200 * time.Millisecond)
	before := r.sample()
	if err := r.connect(1, rolePub, false, 1); err != nil {
		return err
	}
	l.pub = l.conns[len(l.conns)-1]
	l.event = "pub"
	st, err := r.stormStep(s.N, roleSub)
	r.res.Storm = st
	if err != nil {
		return err
	}
	if err := r.idleMemory(before, s.N+1, st.Elapsed); err != nil {
		return err
	}
	// One broadcast per second: N deliveries per second.
	once, err := r.open(float64(s.N))
	if err != nil {
		return err
	}
	r.res.Steps = append(r.res.Steps, once)
	if once.Lost > 0 {
		r.logf("  %d sockets lost (%v): no closed loop", once.Lost, r.firstErr())
		return nil
	}
	time.Sleep(s.Pause)
	r.res.Closed, err = r.closed()
	return err
}

// setCPU records the step's CPU time between samples a and b: the server's,
// the load generator's, the wall time, and how much of the two CPUs other
// processes used (CPU 0's busy time minus the server's, CPU 1's minus the
// load generator's, as shares of the wall time).
func setCPU(st *results.Step, a, b sample) {
	st.ServerCPU = b.server.CPU - a.server.CPU
	st.ServerRSS = b.server.RSS
	st.ClientCPU = b.client - a.client
	st.Wall = b.at.Sub(a.at)
	if st.Wall <= 0 || (a.cpus[0] == 0 && b.cpus[0] == 0) {
		return
	}
	o0 := b.cpus[0] - a.cpus[0] - st.ServerCPU
	o1 := b.cpus[1] - a.cpus[1] - st.ClientCPU
	st.Others = [2]float64{max(0, float64(o0)/float64(st.Wall)), max(0, float64(o1)/float64(st.Wall))}
}

// line is a step's progress line.
func line(s *results.Step) string {
	return fmt.Sprintf("%s %.0f/s, %.2f%% delivered, p50 %v p99 %v max %v, server %.2fµs/delivery (%.0f%% core), client %.2fµs (%.0f%% core)",
		passWord(s.Pass), s.Rate, 100*s.Completeness(), rd(s.Latency.P50), rd(s.Latency.P99), rd(s.Latency.Max),
		us(s.ServerPer()), 100*s.ServerUtil(), us(s.ClientPer()), 100*s.ClientUtil())
}

func passWord(ok bool) string {
	if ok {
		return "ok  "
	}
	return "FAIL"
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// rd rounds a latency for display.
func rd(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
