// Package results holds what the benchmark's jobs hand each other: the
// load generator's scenario (LoadSpec) and what it measured (LoadResult),
// and a whole run (Run) as the driver keeps it in results.json and the
// report reads it. Their JSON is the format of results.json and of the load
// generator's output.
package results

import "time"

// LoadSpec is one load generator run, passed as JSON from the driver to the
// load generator process.
type LoadSpec struct {
	// Scenario is "fanout", "fanout-goroutines" (the fanout with a
	// goroutine reading each subscriber), "calibrate", "echo", "storm" or
	// "ceiling" (N subscribers connected by a connect storm, then a
	// once-per-second broadcast and the closed loop).
	Scenario string `json:"scenario"`
	// Addr is the server's IPv4 host:port; Path its Socket.IO path.
	Addr string `json:"addr"`
	Path string `json:"path,omitempty"`
	// ServerPID is the server process whose /proc/<pid>/stat is sampled
	// (CPU time, RSS); 0 skips server measurements.
	ServerPID int `json:"server_pid,omitempty"`

	// N is the number of subscribers in the room (fanout, calibrate), of
	// which Polling use HTTP long-polling instead of WebSocket.
	N       int `json:"n,omitempty"`
	Polling int `json:"polling,omitempty"`
	// Concurrency bounds handshakes in progress (setup, storm).
	Concurrency int `json:"concurrency,omitempty"`
	// Settle is the pause after setup, before the server's memory is read.
	Settle time.Duration `json:"settle,omitempty"`
	// SetupTimeout bounds the setup and the connect storm.
	SetupTimeout time.Duration `json:"setup_timeout,omitempty"`

	// Closed is the length of the closed-loop run (fanout, echo) or of the
	// blast (calibrate); Window the broadcasts in flight in the fanout
	// closed loop.
	Closed time.Duration `json:"closed,omitempty"`
	Window int           `json:"window,omitempty"`
	// Fractions are the open-loop steps, as fractions of BaseRate, or of the
	// closed loop's deliveries per second when BaseRate is 0. Stepping stops
	// after two failed steps in a row.
	Fractions []float64 `json:"fractions,omitempty"`
	BaseRate  float64   `json:"base_rate,omitempty"`
	// MaxExtraSteps bounds the steps added, 1.25x apart, above the last
	// one while steps keep passing; 0 means 6, negative none.
	MaxExtraSteps int `json:"max_extra_steps,omitempty"`
	// Rates are extra open-loop steps in deliveries per second (the
	// targets' rates, such as 8x Node's); they run in rate order with the
	// others and are never skipped.
	Rates []float64 `json:"rates,omitempty"`
	// StepDur is the length of each open-loop step's schedule.
	StepDur time.Duration `json:"step_dur,omitempty"`
	// Pause separates steps.
	Pause time.Duration `json:"pause,omitempty"`
	// Quiet ends a drain when nothing arrived for that long; DrainCap ends
	// it in any case.
	Quiet    time.Duration `json:"quiet,omitempty"`
	DrainCap time.Duration `json:"drain_cap,omitempty"`
	// Pad adds bytes to each event's argument.
	Pad int `json:"pad,omitempty"`

	// BlastFrames is the number of frames per server write (calibrate).
	BlastFrames int `json:"blast_frames,omitempty"`

	// Senders and EchoWindow shape the echo run.
	Senders    int `json:"senders,omitempty"`
	EchoWindow int `json:"echo_window,omitempty"`

	// StormTotal connections are opened, Concurrency at a time, each with
	// Token (a JWT) in its CONNECT auth.
	StormTotal int    `json:"storm_total,omitempty"`
	Token      string `json:"token,omitempty"`
}

// LoadResult is what a load generator run reports.
type LoadResult struct {
	Scenario string `json:"scenario"`
	N        int    `json:"n,omitempty"`
	Polling  int    `json:"polling,omitempty"`
	// Setup describes the subscribers' connection (fanout, calibrate).
	Setup *Setup `json:"setup,omitempty"`
	// Closed is the closed-loop run (fanout, echo, ceiling), the blast
	// (calibrate) or the storm.
	Closed *Step `json:"closed,omitempty"`
	// Steps are the open-loop steps, in order (fanout; ceiling: the
	// once-per-second broadcast).
	Steps []*Step `json:"steps,omitempty"`
	// Storm is the ceiling's connect storm, which connects its subscribers.
	Storm *Step `json:"storm,omitempty"`
	// FileMax is the system's descriptor limit, fs.file-max (ceiling).
	FileMax uint64 `json:"file_max,omitempty"`
	// Stray counts deliveries that arrived after their phase ended;
	// BadEvents events that did not parse.
	Stray     uint64 `json:"stray"`
	BadEvents uint64 `json:"bad_events"`
	Error     string `json:"error,omitempty"`
}

// AllSteps returns the closed-loop step, if any, then the open-loop steps.
func (r *LoadResult) AllSteps() []*Step {
	if r.Closed == nil {
		return r.Steps
	}
	return append([]*Step{r.Closed}, r.Steps...)
}

// Setup is the subscribers' connection phase.
type Setup struct {
	Sockets       int           `json:"sockets"`
	ConnectTime   time.Duration `json:"connect_time"`
	RSSBefore     int64         `json:"rss_before"`
	RSSAfter      int64         `json:"rss_after"`
	RSSPerSocket  float64       `json:"rss_per_socket"`
	ServerThreads int           `json:"server_threads"`
}

// Summary is a histogram's digest as reported.
type Summary struct {
	Count uint64        `json:"count"`
	P50   time.Duration `json:"p50"`
	P99   time.Duration `json:"p99"`
	P999  time.Duration `json:"p999"`
	Max   time.Duration `json:"max"`
	Mean  time.Duration `json:"mean"`
}

// Step is one measured phase.
type Step struct {
	// Kind is "open", "closed", "calibrate", "echo" or "storm".
	Kind string `json:"kind"`
	// Target marks an open-loop step run at a target's rate (Rates).
	Target bool `json:"target,omitempty"`
	// Offered is the open loop's scheduled deliveries per second.
	Offered float64 `json:"offered,omitempty"`
	// Window is the closed loop's broadcasts in flight (echo: events per
	// sender; storm: concurrent handshakes; calibrate: frames per write).
	Window int `json:"window,omitempty"`
	// Sent broadcasts (events, connections); Expected and Delivered
	// deliveries.
	Sent      uint64 `json:"sent"`
	Expected  uint64 `json:"expected"`
	Delivered uint64 `json:"delivered"`
	// Elapsed runs from the first (scheduled) send to the last delivery, at
	// least the schedule's length; Rate is Delivered / Elapsed.
	Elapsed time.Duration `json:"elapsed"`
	Rate    float64       `json:"rate"`
	// Latency of every delivery from its scheduled send time; First and
	// Last of each broadcast's first and last recipient.
	Latency Summary `json:"latency"`
	First   Summary `json:"first"`
	Last    Summary `json:"last"`
	// CPU time of the server and of the load generator over Wall, the
	// window between the samples (which includes the drain).
	ServerCPU time.Duration `json:"server_cpu"`
	ClientCPU time.Duration `json:"client_cpu"`
	Wall      time.Duration `json:"wall"`
	// ServerRSS is the server's resident memory at the end of the step, in
	// bytes; 0 where it was not sampled.
	ServerRSS int64 `json:"server_rss,omitempty"`
	// Others is the share of CPU 0 (the server's) and CPU 1 (the load
	// generator's) that other processes used during the step: above a few
	// percent, the machine was not quiet.
	Others [2]float64 `json:"others"`
	// Lost connections during the step.
	Lost int  `json:"lost"`
	Pass bool `json:"pass"`
}

// Completeness is the share of expected deliveries that arrived.
func (s *Step) Completeness() float64 {
	if s.Expected == 0 {
		return 1
	}
	return float64(s.Delivered) / float64(s.Expected)
}

// ServerPer is the server's CPU time per delivery (event, connection).
func (s *Step) ServerPer() time.Duration { return per(s.ServerCPU, s.Delivered) }

// PerCore is deliveries per second of server CPU time (0 when none was
// measured).
func (s *Step) PerCore() float64 {
	if s.ServerPer() <= 0 {
		return 0
	}
	return float64(time.Second) / float64(s.ServerPer())
}

// ClientPer is the load generator's CPU time per delivery.
func (s *Step) ClientPer() time.Duration { return per(s.ClientCPU, s.Delivered) }

// ClientUtil is the share of one core the load generator used.
func (s *Step) ClientUtil() float64 { return util(s.ClientCPU, s.Wall) }

// ServerUtil is the share of one core the server used.
func (s *Step) ServerUtil() float64 { return util(s.ServerCPU, s.Wall) }

func per(d time.Duration, n uint64) time.Duration {
	if n == 0 {
		return 0
	}
	return time.Duration(float64(d) / float64(n))
}

func util(d, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(d) / float64(wall)
}

// System is one server under test.
type System struct {
	Name  string `json:"name"`  // short name used in tables and -systems
	Label string `json:"label"` // what it is
	// Wasm is the handler module for wasmio serve, "" for the others.
	Wasm string `json:"wasm,omitempty"`
	// Kind is "node", "gws", "native", "wasmio" or "blast".
	Kind string `json:"kind"`
}

// Env describes the machine and the software measured.
type Env struct {
	Date, Machine, Kernel, CPUs, Memory string
	LoadBefore, LoadAfter               string
	BusyBefore, BusyAfter               float64 // share of all CPUs busy, sampled for 2 s
	NoFile                              uint64
	Pinned                              bool
	Versions                            map[string]string
	Commit                              string
	Command                             string
	Notes                               []string
}

// Run is everything a run measured, by scenario.
type Run struct {
	Env         *Env             `json:"env"`
	Calibration []*Entry         `json:"calibration"`
	Fanout      map[int][]*Entry `json:"fanout"` // by N
	// FanoutGoroutines is the fanout-goroutines scenario, by N.
	FanoutGoroutines map[int][]*Entry `json:"fanout_goroutines,omitempty"`
	Echo             []*Entry         `json:"echo"`
	Storm            []*Entry         `json:"storm"`
	Polling          []*Entry         `json:"polling"`
	// Ceiling is the ceiling scenario: one server process at its
	// descriptor limit.
	Ceiling   []*Entry                 `json:"ceiling,omitempty"`
	Sandbox   *GoBench                 `json:"sandbox,omitempty"`
	Failures  []string                 `json:"failures"`
	Durations map[string]time.Duration `json:"durations"`
}

// GoBench is the output of a Go benchmark run.
type GoBench struct {
	Command string      `json:"command"`
	Lines   []BenchLine `json:"lines"`
	Err     string      `json:"err,omitempty"`
}

// BenchLine is one benchmark result: its name and its metrics by unit.
type BenchLine struct {
	Name    string             `json:"name"`
	Metrics map[string]float64 `json:"metrics"`
	Units   []string           `json:"units"`
}

// Entry is one system's result in one scenario.
type Entry struct {
	System *System     `json:"system"`
	Spec   *LoadSpec   `json:"spec"`
	Result *LoadResult `json:"result"`
	Err    string      `json:"err,omitempty"`
}

// Find returns the entry of system name in es, or nil.
func Find(es []*Entry, name string) *Entry {
	for _, e := range es {
		if e.System.Name == name {
			return e
		}
	}
	return nil
}

// OK reports whether e ran and did not fail (false for nil).
func (e *Entry) OK() bool { return e != nil && e.Result != nil && e.Err == "" }

// BestWithin returns e's highest passing open-loop step whose p99 is at
// most limit (0: any), or nil.
func (e *Entry) BestWithin(limit time.Duration) *Step {
	if e == nil || e.Result == nil {
		return nil
	}
	var best *Step
	for _, s := range e.Result.Steps {
		if s.Pass && (limit == 0 || s.Latency.P99 <= limit) && (best == nil || s.Offered > best.Offered) {
			best = s
		}
	}
	return best
}

// FanoutTarget is one of the fanout targets: at N subscribers, wasmio
// delivers Factor times Node's highest fully delivered rate, at a step whose
// p99 is at most P99 (0: any). The driver also runs that rate as a step.
type FanoutTarget struct {
	N      int
	Factor float64
	P99    time.Duration
}

// FanoutTargets are the benchmark issue's fanout targets.
var FanoutTargets = []FanoutTarget{{1000, 8, 50 * time.Millisecond}, {10_000, 4, 0}}

// GoroutineTargets are the fanout targets under the goroutine-per-client
// load (the fanout-goroutines scenario).
var GoroutineTargets = []FanoutTarget{{10_000, 10, 250 * time.Millisecond}}

// The ceiling scenario (the connection ceiling of one box) measures one
// server process at CeilingSockets subscribers, the most a process holds
// under the hard `ulimit -n` of 20,000 with a margin for its other
// descriptors, and projects the sockets of a box of BoxCores cores and
// BoxMemory bytes, with a once-per-second broadcast to all of them
// delivered within CeilingP99.
const (
	CeilingSockets = 19_000
	BoxCores       = 2
	BoxMemory      = 24 << 30
	CeilingP99     = 250 * time.Millisecond
	// CeilingTarget is the projected sockets per box the target asks for,
	// at most CeilingRSS bytes of RSS each.
	CeilingTarget = 100_000
	CeilingRSS    = 6 << 10
)
