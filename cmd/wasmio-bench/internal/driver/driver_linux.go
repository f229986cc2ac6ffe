//go:build linux

// Package driver runs the whole benchmark: it checks the machine, builds
// wasmio and the handler modules, starts a fresh server for every system
// and scenario (pinned to CPU 0), runs the load generator against it (on
// CPU 1) and has the report written.
package driver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/loadgen"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/procstat"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/report"
	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/results"
)

// driver runs the scenarios and keeps their results.
type driver struct {
	opt     Options
	self    string // this executable: servers and the load generator are subcommands
	wasmio  string // the wasmio binary
	modules map[string]string
	port    int
	secret  string
	env     *results.Env
	res     *results.Run
	mu      sync.Mutex
	child   *exec.Cmd // the running server, killed on interrupt
}

const jwtSecret = "wasmio-bench-hs256-secret-0123456789abcdef"

// Run runs the benchmark and writes the report. It fails, with a message
// saying what is missing, instead of hanging.
func Run(ctx context.Context, opt Options) error {
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	d := &driver{opt: opt, port: opt.Port, secret: jwtSecret, modules: map[string]string{},
		res: &results.Run{Fanout: map[int][]*results.Entry{}, FanoutGoroutines: map[int][]*results.Entry{}, Durations: map[string]time.Duration{}}}
	start := time.Now()
	if err := d.checkNames(); err != nil {
		return err
	}
	if err := d.preflight(); err != nil {
		return err
	}
	d.env.LoadBefore = loadavg()
	if err := d.build(ctx); err != nil {
		return err
	}
	d.pin()
	// The builds just ran, so the load average says little now: measure
	// how busy the CPUs are with nothing of ours running.
	d.env.BusyBefore = cpuBusy(2 * time.Second)
	d.logf("load average before the builds: %s; CPUs busy before measuring: %.0f%%", d.env.LoadBefore, 100*d.env.BusyBefore)
	if d.env.BusyBefore > 0.10 {
		d.logf("WARNING: other work is using the CPUs: results will be noisy")
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { <-ctx.Done(); d.killChild() }()

	err := d.runAll(ctx)
	d.env.LoadAfter = loadavg()
	d.env.BusyAfter = cpuBusy(2 * time.Second)
	d.res.Durations["total"] = time.Since(start)
	d.logf("load average after: %s; CPUs busy after: %.0f%%", d.env.LoadAfter, 100*d.env.BusyAfter)
	if werr := d.write(); werr != nil {
		return errors.Join(err, werr)
	}
	if err != nil {
		return err
	}
	if len(d.res.Failures) > 0 {
		return fmt.Errorf("bench: %d runs failed (see %s): %s", len(d.res.Failures), d.opt.Results, strings.Join(d.res.Failures, "; "))
	}
	return nil
}

func (d *driver) logf(format string, args ...any) { fmt.Fprintf(d.opt.Log, format+"\n", args...) }

// want reports whether name is selected by list (every name when empty).
func want(list []string, name string) bool { return len(list) == 0 || slices.Contains(list, name) }

var scenarioNames = []string{"calibrate", "fanout", "fanout-goroutines", "echo", "storm", "ceiling", "polling", "sandbox"}

// checkNames refuses unknown -systems and -scenarios.
func (d *driver) checkNames() error {
	var known []string
	for _, s := range allSystems {
		known = append(known, s.Name)
	}
	for _, s := range d.opt.Systems {
		if !slices.Contains(known, s) {
			return fmt.Errorf("bench: unknown system %q (known: %s)", s, strings.Join(known, ", "))
		}
	}
	for _, s := range d.opt.Scenarios {
		if !slices.Contains(scenarioNames, s) {
			return fmt.Errorf("bench: unknown scenario %q (known: %s)", s, strings.Join(scenarioNames, ", "))
		}
	}
	return nil
}

// preflight checks the tools and limits the run needs.
func (d *driver) preflight() error {
	var missing []string
	need := func(cmd, why string) {
		if _, err := exec.LookPath(cmd); err != nil {
			missing = append(missing, fmt.Sprintf("%s (%s)", cmd, why))
		}
	}
	need("taskset", "pins the server and the load generator to separate CPUs; Debian package util-linux")
	need("node", "runs the socket.io reference; run `just deps`")
	need("cargo", "builds the Rust handler; run `just deps`")
	if _, err := os.Stat("/usr/bin/rustc"); err != nil {
		missing = append(missing, "/usr/bin/rustc (Debian's rustc with the wasm32 standard library; run `just deps`)")
	}
	for _, pkg := range []string{"socket.io", "bufferutil", "utf-8-validate"} {
		if _, err := os.Stat(filepath.Join(d.opt.Root, "node_modules", pkg, "package.json")); err != nil {
			missing = append(missing, fmt.Sprintf("node_modules/%s (run `just deps` or `npm ci` at the repository root)", pkg))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("bench: missing:\n  %s", strings.Join(missing, "\n  "))
	}
	// 10,000 sockets per process, plus margin: raise the soft limit to the
	// hard one. Children inherit it (Go restores the soft limit for
	// children only when the program does not set it itself).
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return err
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("bench: raising ulimit -n: %w", err)
	}
	maxN := 10_000
	if d.opt.Quick {
		maxN = 1_000
	}
	if rl.Cur < uint64(maxN+500) {
		return fmt.Errorf("bench: ulimit -n is %d (hard limit); 10,000 sockets need at least %d: raise the hard limit (e.g. `ulimit -Hn 65536` as root, or LimitNOFILE)", rl.Cur, maxN+500)
	}
	d.env = &results.Env{Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), NoFile: rl.Cur, Versions: map[string]string{},
		Command: d.opt.Command, Kernel: readTrim("/proc/sys/kernel/osrelease"), CPUs: strconv.Itoa(runtime.NumCPU())}
	d.env.Machine = cpuModel()
	d.env.Memory = memTotal()
	d.res.Env = d.env
	if runtime.NumCPU() < 2 {
		d.env.Notes = append(d.env.Notes, "fewer than 2 CPUs: server and load generator share a CPU; results are not comparable to the targets")
	}
	if err := os.MkdirAll(filepath.Join(d.opt.Out, "logs"), 0o755); err != nil {
		return err
	}
	var err error
	d.self, err = os.Executable()
	return err
}

// build compiles the wasmio binary and the handler modules.
func (d *driver) build(ctx context.Context) error {
	bin := filepath.Join(d.opt.Out, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	d.wasmio = filepath.Join(bin, "wasmio")
	d.logf("building wasmio (go build ./cmd/wasmio)")
	if out, err := d.command(ctx, "go", "build", "-o", d.wasmio, "./cmd/wasmio").CombinedOutput(); err != nil {
		return fmt.Errorf("bench: building wasmio: %v\n%s", err, out)
	}
	mods := filepath.Join(d.opt.Out, "handlers")
	if err := os.MkdirAll(mods, 0o755); err != nil {
		return err
	}
	// The handlers are built the way users build theirs: `wasmio build`.
	for _, mod := range []struct{ name, tc, dir string }{
		{"rust", "rust", "rust"}, {"rust-min", "rust", "rust-min"}, {"tinygo", "tinygo", "go"}, {"go", "go", "go"},
	} {
		tc := mod.tc
		if !d.wantModule(mod.name) {
			continue
		}
		dir := filepath.Join(d.opt.Root, "bench", "handlers", mod.dir)
		if tc == "tinygo" {
			if _, err := exec.LookPath("tinygo"); err != nil {
				d.env.Notes = append(d.env.Notes, "TinyGo is not installed: the TinyGo handler was NOT measured (run `just deps`)")
				continue
			}
		}
		out := filepath.Join(mods, mod.name+".wasm")
		d.logf("building the %s handler (wasmio build --toolchain %s %s)", mod.name, tc, dir)
		if b, err := d.command(ctx, d.wasmio, "build", "--toolchain", tc, "-o", out, dir).CombinedOutput(); err != nil {
			return fmt.Errorf("bench: building the %s handler with `wasmio build`: %v\n%s", mod.name, err, b)
		}
		d.modules[mod.name] = out
		if st, err := os.Stat(out); err == nil {
			d.env.Versions["handler "+mod.name] = fmt.Sprintf("%d bytes", st.Size())
		}
	}
	d.versions(ctx)
	return nil
}

// wantModule tells whether a handler module is needed by the systems run.
func (d *driver) wantModule(tc string) bool {
	for _, s := range d.systems() {
		if s.Kind == "wasmio" && s.Wasm == tc {
			return true
		}
	}
	return false
}

// command runs name in the repository root.
func (d *driver) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = d.opt.Root
	return cmd
}

func (d *driver) versions(ctx context.Context) {
	v := d.env.Versions
	v["go"] = runtime.Version()
	run := func(name string, args ...string) string {
		out, err := d.command(ctx, name, args...).Output()
		if err != nil {
			return "unknown"
		}
		return strings.TrimSpace(string(out))
	}
	v["wasmio"] = run(d.wasmio, "version")
	commit := run("git", "rev-parse", "--short", "HEAD")
	if st := run("git", "status", "--porcelain"); st != "" && st != "unknown" {
		commit += " (with uncommitted changes)"
	}
	d.env.Commit = commit
	for _, line := range strings.Split(run("go", "version", "-m", d.wasmio), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "dep" {
			switch f[1] {
			case "github.com/lxzan/gws", "github.com/tetratelabs/wazero", "github.com/valyala/fasthttp":
				v[f[1][strings.LastIndex(f[1], "/")+1:]] = f[2]
			}
		}
	}
	v["rustc"] = run("/usr/bin/rustc", "--version")
	if _, err := exec.LookPath("tinygo"); err == nil {
		v["tinygo"] = run("tinygo", "version")
	}
}

// pin moves the driver (every thread) to CPU 1, where the load generator
// runs, so that it never takes CPU 0 from the server.
func (d *driver) pin() {
	if runtime.NumCPU() < 2 {
		return
	}
	out, err := exec.Command("taskset", "-a", "-p", "-c", "1", strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		d.env.Notes = append(d.env.Notes, fmt.Sprintf("could not pin the driver to CPU 1: %v %s", err, out))
		return
	}
	d.env.Pinned = true
}

// allSystems are the systems wasmio-bench knows.
var allSystems = []*results.System{
	{Name: "node", Label: "Node socket.io 4 (ws + bufferutil + utf-8-validate), handler in-process", Kind: "node"},
	{Name: "gws", Label: "plain gws broadcast server (no Socket.IO, no WebAssembly)", Kind: "gws"},
	{Name: "native", Label: "wasmio engine (engineio + socketio) with a native Go handler", Kind: "native"},
	{Name: "wasm-rust", Label: "wasmio serve, Rust handler, instance reset per event (as shipped)", Kind: "wasmio", Wasm: "rust"},
	{Name: "wasm-rust-min", Label: "wasmio serve, Rust handler on the raw ABI without the SDK (518 bytes), instance reset per event", Kind: "wasmio", Wasm: "rust-min"},
	{Name: "wasm-tinygo", Label: "wasmio serve, TinyGo handler, instance reset per event", Kind: "wasmio", Wasm: "tinygo"},
	{Name: "wasm-go", Label: "wasmio serve, Go handler, instance reset per event", Kind: "wasmio", Wasm: "go"},
}

// systems lists the systems to measure.
func (d *driver) systems() []*results.System {
	var out []*results.System
	for _, s := range allSystems {
		if want(d.opt.Systems, s.Name) {
			out = append(out, s)
		}
	}
	return out
}

func (d *driver) system(name string) *results.System {
	for _, s := range d.systems() {
		if s.Name == name {
			return s
		}
	}
	return nil
}

var blastSystem = &results.System{Name: "blast", Label: "calibration server: prebuilt frames written as fast as sockets take them", Kind: "blast"}

// runAll runs every scenario in order.
func (d *driver) runAll(ctx context.Context) error {
	q := d.opt.Quick
	fanoutSystems := []string{"node", "gws", "native", "wasm-rust"}
	if want(d.opt.Scenarios, "calibrate") {
		t := time.Now()
		cal := []struct {
			n, k int
			dur  time.Duration
		}{{1000, 1, 2 * time.Second}, {1000, 64, 3 * time.Second}, {10_000, 64, 3 * time.Second}}
		if q {
			cal = cal[:2]
		}
		for _, c := range cal {
			spec := &results.LoadSpec{Scenario: "calibrate", N: c.n, BlastFrames: c.k, Closed: c.dur}
			e := d.runOne(ctx, blastSystem, spec, nil)
			d.res.Calibration = append(d.res.Calibration, e)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		d.res.Durations["calibrate"] = time.Since(t)
	}
	ns := []int{1000, 10_000}
	if q {
		ns = ns[:1]
	}
	if want(d.opt.Scenarios, "fanout") {
		for _, n := range ns {
			t := time.Now()
			for _, name := range fanoutSystems {
				spec := &results.LoadSpec{Scenario: "fanout", N: n}
				if q {
					spec.Closed, spec.StepDur, spec.Fractions, spec.MaxExtraSteps = 2*time.Second, 2*time.Second, []float64{0.5, 0.85, 1.0, 1.15}, 2
				}
				if n >= 10_000 {
					spec.StepDur = 4 * time.Second
					spec.Settle = 3 * time.Second
				}
				if err := d.fanoutOne(ctx, name, spec, d.res.Fanout, results.FanoutTargets); err != nil {
					return err
				}
			}
			d.res.Durations[fmt.Sprintf("fanout %d", n)] = time.Since(t)
		}
	}
	if want(d.opt.Scenarios, "fanout-goroutines") {
		// Fewer and shorter steps than the fanout: this scenario looks at
		// how the load pattern changes the result, within the run's budget.
		t := time.Now()
		for _, n := range ns {
			for _, name := range fanoutSystems {
				spec := &results.LoadSpec{Scenario: "fanout-goroutines", N: n, Closed: 3 * time.Second, StepDur: 2 * time.Second,
					Fractions: []float64{0.5, 0.85, 1.0}, MaxExtraSteps: 2}
				if q {
					spec.Closed, spec.Fractions, spec.MaxExtraSteps = 2*time.Second, []float64{0.5, 1.0}, -1
				}
				if n >= 10_000 {
					spec.StepDur = 3 * time.Second
					spec.Settle = 3 * time.Second
				}
				if err := d.fanoutOne(ctx, name, spec, d.res.FanoutGoroutines, results.GoroutineTargets); err != nil {
					return err
				}
			}
		}
		d.res.Durations["fanout-goroutines"] = time.Since(t)
	}
	if want(d.opt.Scenarios, "echo") {
		t := time.Now()
		for _, s := range d.systems() {
			if s.Wasm != "" && d.modules[s.Wasm] == "" {
				continue
			}
			spec := &results.LoadSpec{Scenario: "echo", Senders: 32, EchoWindow: 8, Closed: 5 * time.Second}
			if s.Wasm == "go" {
				spec.Closed = 3 * time.Second // slow start-up per event: a few hundred per second
			}
			if q {
				spec.Closed = 2 * time.Second
			}
			d.res.Echo = append(d.res.Echo, d.runOne(ctx, s, spec, nil))
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		d.res.Durations["echo"] = time.Since(t)
	}
	if want(d.opt.Scenarios, "storm") {
		t := time.Now()
		token := loadgen.MintJWT(d.secret, "bench-user", 24*time.Hour)
		for _, name := range fanoutSystems {
			s := d.system(name)
			if s == nil {
				continue
			}
			spec := &results.LoadSpec{Scenario: "storm", StormTotal: 5000, Concurrency: 128, Token: token}
			if q {
				spec.StormTotal = 2000
			}
			d.res.Storm = append(d.res.Storm, d.runOne(ctx, s, spec, &serverOpts{jwt: true}))
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		d.res.Durations["storm"] = time.Since(t)
	}
	if want(d.opt.Scenarios, "ceiling") {
		if err := d.ceiling(ctx); err != nil {
			return err
		}
	}
	if want(d.opt.Scenarios, "sandbox") {
		t := time.Now()
		d.res.Sandbox = d.sandboxBench(ctx)
		d.res.Durations["sandbox"] = time.Since(t)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if want(d.opt.Scenarios, "polling") {
		t := time.Now()
		for _, name := range []string{"node", "native", "wasm-rust"} {
			s := d.system(name)
			if s == nil {
				continue
			}
			spec := &results.LoadSpec{Scenario: "fanout", N: 1000, Polling: 100, Fractions: []float64{0.5, 0.7, 0.85, 1.0}}
			if q {
				spec.Closed, spec.StepDur, spec.Fractions, spec.MaxExtraSteps = 2*time.Second, 2*time.Second, []float64{0.5, 1.0}, -1
			}
			d.res.Polling = append(d.res.Polling, d.runOne(ctx, s, spec, nil))
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		d.res.Durations["polling"] = time.Since(t)
	}
	return nil
}

// ceiling runs the ceiling scenario: one server process (node, native,
// wasm-rust) at results.CeilingSockets subscribers, connected by a connect
// storm with the storm scenario's JWT configuration. Without the
// descriptors for it, the run notes why and goes on.
func (d *driver) ceiling(ctx context.Context) error {
	n := results.CeilingSockets
	if need := uint64(n + 500); d.env.NoFile < need {
		d.env.Notes = append(d.env.Notes, fmt.Sprintf("the ceiling scenario was NOT run: ulimit -n is %d (hard limit), %d subscribers need at least %d", d.env.NoFile, n, need))
		return nil
	}
	t := time.Now()
	token := loadgen.MintJWT(d.secret, "bench-user", 24*time.Hour)
	for _, name := range []string{"node", "native", "wasm-rust"} {
		s := d.system(name)
		if s == nil {
			continue
		}
		spec := &results.LoadSpec{Scenario: "ceiling", N: n, Concurrency: 128, Token: token, SetupTimeout: 2 * time.Minute,
			Settle: 3 * time.Second, StepDur: 10 * time.Second, Closed: 4 * time.Second}
		if d.opt.Quick {
			spec.StepDur, spec.Closed = 5*time.Second, 2*time.Second
		}
		d.res.Ceiling = append(d.res.Ceiling, d.runOne(ctx, s, spec, &serverOpts{jwt: true}))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	d.res.Durations["ceiling"] = time.Since(t)
	return nil
}

// fanoutOne runs a fanout spec for system name (if selected) and adds its
// entry to byN. For the wasmio systems it also runs the rate of every
// target at spec.N: Factor times Node's highest fully delivered rate in
// byN.
func (d *driver) fanoutOne(ctx context.Context, name string, spec *results.LoadSpec, byN map[int][]*results.Entry, targets []results.FanoutTarget) error {
	s := d.system(name)
	if s == nil {
		return nil
	}
	n := spec.N
	if node := results.Find(byN[n], "node"); name != "node" && name != "gws" && node.OK() {
		if b := node.BestWithin(0); b != nil {
			for _, tg := range targets {
				if tg.N == n {
					spec.Rates = []float64{tg.Factor * b.Rate}
				}
			}
		}
	}
	byN[n] = append(byN[n], d.runOne(ctx, s, spec, nil))
	return ctx.Err()
}

type serverOpts struct {
	jwt bool // the connect storm's configuration: JWT auth and a $connect handler
}

// runOne starts a fresh server for s, runs the load generator against it
// and stops the server. Failures are recorded, not fatal.
func (d *driver) runOne(ctx context.Context, s *results.System, spec *results.LoadSpec, so *serverOpts) *results.Entry {
	if so == nil {
		so = &serverOpts{}
	}
	e := &results.Entry{System: s, Spec: spec}
	name := fmt.Sprintf("%s-%s-%d", spec.Scenario, s.Name, spec.N)
	d.logf("\n== %s: %s", name, s.Label)
	srv, err := d.startServer(ctx, s, so, name)
	if err != nil {
		e.Err = err.Error()
		d.res.Failures = append(d.res.Failures, name+": "+e.Err)
		d.logf("   FAILED: %v", err)
		return e
	}
	defer srv.stop()
	spec.Addr = srv.addr
	spec.ServerPID = srv.cmd.Process.Pid
	res, err := d.load(ctx, spec)
	e.Result = res
	if err != nil {
		e.Err = err.Error()
		d.res.Failures = append(d.res.Failures, name+": "+e.Err)
		d.logf("   FAILED: %v (server log: %s)", err, srv.logPath)
		if tail := srv.tail(); tail != "" {
			d.logf("   server log tail:\n%s", tail)
		}
	}
	return e
}

// server is a running server process.
type server struct {
	d       *driver
	cmd     *exec.Cmd
	addr    string
	logPath string
	logFile *os.File
	done    chan struct{}
}

// freePort returns the next port nothing listens on.
func (d *driver) freePort() (int, error) {
	for i := 0; i < 200; i++ {
		p := d.port
		d.port++
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			_ = ln.Close()
			return p, nil
		}
	}
	return 0, fmt.Errorf("bench: no free port from %d", d.opt.Port)
}

func (d *driver) pinArgs(cpu string, name string, args ...string) (string, []string) {
	if runtime.NumCPU() < 2 {
		return name, args
	}
	return "taskset", append([]string{"-c", cpu, name}, args...)
}

func (d *driver) startServer(ctx context.Context, s *results.System, so *serverOpts, name string) (*server, error) {
	port, err := d.freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := append(os.Environ(), "GOMAXPROCS=1")
	var bin string
	var args []string
	switch s.Kind {
	case "node":
		bin, args = "node", []string{filepath.Join(d.opt.Root, "bench", "node", "server.js"), strconv.Itoa(port)}
		if so.jwt {
			env = append(env, "BENCH_JWT_SECRET="+d.secret)
		}
	case "gws", "native", "blast":
		bin, args = d.self, []string{"serve-" + s.Kind, "-listen", addr}
		if so.jwt {
			args = append(args, "-jwt-secret", d.secret)
		}
	case "wasmio":
		cfg, err := d.wasmioConfig(s, so, name)
		if err != nil {
			return nil, err
		}
		bin, args = d.wasmio, []string{"serve", "--config", cfg, "--listen", addr}
	default:
		return nil, fmt.Errorf("bench: unknown system %q", s.Kind)
	}
	bin, args = d.pinArgs("0", bin, args...)
	logPath := filepath.Join(d.opt.Out, "logs", name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Dir = d.opt.Root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var stdout bytes.Buffer
	cmd.Stdout = io.MultiWriter(lf, &lockedBuffer{b: &stdout, mu: &d.mu})
	cmd.Stderr = lf
	if err := cmd.Start(); err != nil {
		_ = lf.Close()
		return nil, fmt.Errorf("bench: starting %s: %w", bin, err)
	}
	srv := &server{d: d, cmd: cmd, addr: addr, logPath: logPath, logFile: lf, done: make(chan struct{})}
	d.mu.Lock()
	d.child = cmd
	d.mu.Unlock()
	go func() { _ = cmd.Wait(); close(srv.done) }()
	// Ready when it accepts connections (and, for Node, printed its versions).
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-srv.done:
			srv.stop() // closes the log and forgets the child
			return nil, fmt.Errorf("bench: %s exited at start-up: %s", s.Name, srv.tail())
		case <-ctx.Done():
			srv.stop()
			return nil, ctx.Err()
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			if s.Kind != "node" || strings.Contains(d.locked(stdout.String), "listening") {
				break
			}
		}
		if time.Now().After(deadline) {
			srv.stop()
			return nil, fmt.Errorf("bench: %s did not accept connections on %s within 30s: %s", s.Name, addr, srv.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s.Kind == "node" {
		d.nodeVersions(d.locked(stdout.String))
	}
	return srv, nil
}

func (d *driver) locked(f func() string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return f()
}

type lockedBuffer struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (d *driver) nodeVersions(out string) {
	line, _, _ := strings.Cut(out, "\n")
	var v map[string]any
	if json.Unmarshal([]byte(line), &v) != nil {
		return
	}
	for _, k := range []string{"node", "socketio", "engineio", "ws", "bufferutil", "utf8validate"} {
		if s, ok := v[k].(string); ok {
			d.env.Versions["node:"+k] = s
		}
	}
}

// stop kills the server and waits for it.
func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
	}
	_ = s.logFile.Close()
	s.d.mu.Lock()
	s.d.child = nil
	s.d.mu.Unlock()
}

func (s *server) tail() string {
	b, _ := os.ReadFile(s.logPath)
	return lastLines(string(b), 15, "\n")
}

func (d *driver) killChild() {
	d.mu.Lock()
	c := d.child
	d.mu.Unlock()
	if c != nil && c.Process != nil {
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	}
}

// wasmioConfig writes the wasmio.toml of a run in a fresh folder.
func (d *driver) wasmioConfig(s *results.System, so *serverOpts, name string) (string, error) {
	mod := d.modules[s.Wasm]
	if mod == "" {
		return "", fmt.Errorf("bench: the %s handler was not built", s.Wasm)
	}
	dir := filepath.Join(d.opt.Out, "run", name)
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by wasmio-bench for %s.\ndata_dir = \"data\"\n\n[[namespace]]\npath = \"/\"\n\n[namespace.handlers]\n", name)
	for _, ev := range []string{"join", "pub", "echo"} {
		m := mod
		if ev == "join" && s.Wasm == "rust-min" {
			// The raw-ABI module does only echo and pub.
			if m = d.modules["rust"]; m == "" {
				continue
			}
		}
		fmt.Fprintf(&b, "%s = %q\n", ev, m)
	}
	if so.jwt {
		fmt.Fprintf(&b, "\"$connect\" = %q\n\n[namespace.auth.jwt]\nsecret = %q\n", mod, d.secret)
	}
	path := filepath.Join(dir, "wasmio.toml")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// load runs the load generator process (pinned to CPU 1, GOMAXPROCS=1)
// and decodes its result.
func (d *driver) load(ctx context.Context, spec *results.LoadSpec) (*results.LoadResult, error) {
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	bin, args := d.pinArgs("1", d.self, "load", "-spec", string(js))
	ctx, cancel := context.WithTimeout(ctx, 9*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = d.opt.Log
	out, err := cmd.Output()
	var res results.LoadResult
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		if err == nil {
			err = fmt.Errorf("bench: the load generator's output: %v", jerr)
		}
		if ctx.Err() == context.DeadlineExceeded {
			err = errors.New("bench: the load generator did not finish within 9 minutes")
		}
		return nil, err
	}
	if res.Error != "" {
		return &res, errors.New(res.Error)
	}
	if err != nil {
		return &res, fmt.Errorf("bench: the load generator: %w", err)
	}
	return &res, nil
}

func loadavg() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func memTotal() string {
	for _, line := range strings.Split(readTrim("/proc/meminfo"), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	return "unknown"
}

// write writes the report and the raw results.
func (d *driver) write() error {
	if err := report.WriteFile(d.opt.Results, d.res, d.opt.AnalysisPath()); err != nil {
		return err
	}
	d.logf("\nwrote %s (raw results: %s)", d.opt.Results, d.opt.resultsJSON())
	return d.writeJSON()
}

func (d *driver) writeJSON() error {
	b, err := json.MarshalIndent(d.res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(d.opt.resultsJSON(), b, 0o644)
}

// sandboxBench runs host/sandbox's benchmarks (one event of each module,
// reset and new, and the cost of interruptible loops) on the server's CPU.
func (d *driver) sandboxBench(ctx context.Context) *results.GoBench {
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchtime", "0.5s", "-benchmem", "./host/sandbox/"}
	d.logf("\n== sandbox micro-benchmarks: go %s", strings.Join(args, " "))
	bin, a := d.pinArgs("0", "go", args...)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, a...)
	cmd.Dir = d.opt.Root
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	gb := &results.GoBench{Command: "GOMAXPROCS=1 taskset -c 0 go " + strings.Join(args, " "), Lines: parseGoBench(string(out))}
	if err != nil {
		gb.Err = fmt.Sprintf("%v: %s", err, lastLines(string(out), 10, " / "))
		d.res.Failures = append(d.res.Failures, "sandbox benchmarks: "+gb.Err)
		d.logf("   FAILED: %s", gb.Err)
	}
	for _, l := range gb.Lines {
		d.logf("   %s: %.0f ns/op", l.Name, l.Metrics["ns/op"])
	}
	return gb
}

// lastLines returns the last n lines of s, joined by sep.
func lastLines(s string, n int, sep string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, sep)
}

// cpuBusy samples /proc/stat for d and returns the share of all CPUs that
// was not idle.
func cpuBusy(d time.Duration) float64 {
	t0 := procstat.CPUs("cpu ")[0]
	time.Sleep(d)
	t1 := procstat.CPUs("cpu ")[0]
	total := t1.Busy - t0.Busy + t1.Idle - t0.Idle
	if total <= 0 {
		return 0
	}
	return float64(t1.Busy-t0.Busy) / float64(total)
}
