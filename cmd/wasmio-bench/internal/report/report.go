// Package report writes the benchmark's report, bench/RESULTS.md, from a
// run's results. Its prose (headings, explanations, table headers) is the
// template report.md.tmpl; the Go code formats the numbers and the rows.
package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/results"
)

//go:embed report.md.tmpl
var templateText string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{"pct": pct, "thousands": thousands}).Parse(templateText))

// clientBound is the load generator's share of its core above which a
// result may be limited by the load generator rather than the server.
const clientBound = 0.90

// WriteFile writes the report of r to path, followed by the hand-written
// analysis at analysisPath (bench/ANALYSIS.md: profiles, fixes, bounds) if
// it can be read.
func WriteFile(path string, r *results.Run, analysisPath string) error {
	analysis, _ := os.ReadFile(analysisPath)
	kept := keptSections(path)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f, r, string(analysis))
	if err == nil && kept != "" {
		_, err = io.WriteString(f, "\n"+kept)
	}
	if err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// keptSections returns the sections of the report at path that other
// tools write (`just soak`'s, between <!-- soak --> and <!-- /soak -->),
// so that a new report keeps them.
func keptSections(path string) string {
	old, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(string(old), "<!-- soak -->")
	section, _, ok2 := strings.Cut(rest, "<!-- /soak -->")
	if !ok || !ok2 {
		return ""
	}
	return "<!-- soak -->" + section + "<!-- /soak -->\n"
}

// Rewrite writes the report again from a run's raw results (bench/out/
// results.json), with the current analysis: for editing the analysis or
// the report's format without measuring again.
func Rewrite(resultsJSON, analysisPath, out string) error {
	b, err := os.ReadFile(resultsJSON)
	if err != nil {
		return err
	}
	res := &results.Run{}
	if err := json.Unmarshal(b, res); err != nil {
		return fmt.Errorf("bench: %s: %w", resultsJSON, err)
	}
	if res.Env == nil {
		return fmt.Errorf("bench: %s holds no run", resultsJSON)
	}
	return WriteFile(out, res, analysisPath)
}

// page is what the template renders: the run's conditions, and every
// table's rows, formatted. A nil or empty field leaves its section out.
type page struct {
	Env         *results.Env
	Busy        bool // other work used more than 10% of the CPUs before or after
	Versions    string
	Contention  *contention
	Failures    []string
	Targets     []string
	ClientBound float64
	Calibration []string
	Fanouts     []*fanout
	Goroutines  []*fanout // the fanout-goroutines scenario
	Idle        *table
	Echo, Storm []string
	Ceiling     *ceiling
	Polling     *fanout
	Sandbox     *sandbox
	RunTime     string
	Analysis    string
}

// contention counts the steps during which other processes used the CPUs.
type contention struct {
	Contended, Steps int
	Worst            float64
}

type table struct{ Rows []string }

// fanout is a fanout section: the best step of every system, then every
// step. Goroutines marks the goroutine-per-subscriber load pattern.
type fanout struct {
	Title       string
	Goroutines  bool
	Best, Steps []string
}

// ceiling is the ceiling section: what one process measured, and the
// box it projects.
type ceiling struct {
	N, Concurrency, BoxCores, BoxGiB, P99ms int
	StepSec, ClosedSec                      float64
	Rows, Projection                        []string
}

type sandbox struct {
	Command, Err string
	Rows         []string
}

// write writes the report of r as Markdown. analysis, if not empty, is
// appended.
func write(w io.Writer, r *results.Run, analysis string) error {
	e := r.Env
	pg := &page{Env: e, Busy: e.BusyBefore > 0.10 || e.BusyAfter > 0.10, ClientBound: clientBound,
		Targets: targetRows(r), Calibration: calibrationRows(r), Idle: idle(r), Echo: echoRows(r), Storm: stormRows(r), Ceiling: ceilingSection(r), Sandbox: sandboxSection(r.Sandbox)}
	keys := make([]string, 0, len(e.Versions))
	for k := range e.Versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var vs []string
	for _, k := range keys {
		vs = append(vs, fmt.Sprintf("%s %s", k, e.Versions[k]))
	}
	pg.Versions = strings.Join(vs, "; ")
	if steps := allSteps(r); len(steps) > 0 {
		c := &contention{Steps: len(steps)}
		for _, s := range steps {
			if contended(s) {
				c.Contended++
			}
			c.Worst = max(c.Worst, s.Others[0], s.Others[1])
		}
		pg.Contention = c
	}
	for _, f := range r.Failures {
		pg.Failures = append(pg.Failures, oneLine(f))
	}
	for _, n := range sortedNs(r.Fanout) {
		pg.Fanouts = append(pg.Fanouts, fanoutSection(fmt.Sprintf("Fanout, N = %s subscribers", thousands(n)), r.Fanout[n]))
	}
	for _, n := range sortedNs(r.FanoutGoroutines) {
		f := fanoutSection(fmt.Sprintf("Fanout, goroutine-per-client load, N = %s subscribers", thousands(n)), r.FanoutGoroutines[n])
		f.Goroutines = true
		pg.Goroutines = append(pg.Goroutines, f)
	}
	if len(r.Polling) > 0 {
		pg.Polling = fanoutSection("Long-polling share: N = 1,000, of which 100 long-polling", r.Polling)
	}
	if len(r.Durations) > 0 {
		var parts []string
		for k, v := range r.Durations {
			parts = append(parts, fmt.Sprintf("%s %v", k, v.Round(time.Second)))
		}
		sort.Strings(parts)
		pg.RunTime = strings.Join(parts, ", ")
	}
	if analysis != "" {
		pg.Analysis = strings.TrimSpace(analysis) + "\n"
	}
	return tmpl.Execute(w, pg)
}

// sortedNs returns the subscriber counts of byN in order.
func sortedNs(byN map[int][]*results.Entry) []int {
	ns := make([]int, 0, len(byN))
	for n := range byN {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// rate formats deliveries (events, connections) per second.
func rate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM/s", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk/s", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk/s", v/1e3)
	}
	return fmt.Sprintf("%.0f/s", v)
}

// dur formats a latency or CPU time.
func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0fms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fµs", float64(d)/1e3)
}

// cpu formats a CPU time per item in microseconds.
func cpu(d time.Duration) string { return fmt.Sprintf("%.2fµs", float64(d)/1e3) }

func pct(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f×", a/b)
}

// closedRate returns the closed-loop rate of system name in es, or 0 when it
// did not run or failed.
func closedRate(es []*results.Entry, name string) float64 {
	if e := results.Find(es, name); e.OK() && e.Result.Closed != nil {
		return e.Result.Closed.Rate
	}
	return 0
}

// noisy notes when other processes competed for the CPUs in any of steps.
func noisy(steps ...*results.Step) string {
	for _, s := range steps {
		if s != nil && contended(s) {
			return " — *other work competed for the CPUs: noisy*"
		}
	}
	return ""
}

func p99Of(s *results.Step) string {
	if s == nil {
		return "–"
	}
	return dur(s.Latency.P99)
}

// atLeast returns "≥ " when best is the last open-loop step the run tried:
// the stepping ended before a step failed.
func atLeast(e *results.Entry, best *results.Step) string {
	steps := e.Result.Steps
	if len(steps) > 0 && steps[len(steps)-1] == best {
		return "≥ "
	}
	return ""
}

func stepRate(s *results.Step) float64 {
	if s == nil {
		return 0
	}
	return s.Rate
}

func flag(s *results.Step) string {
	if s != nil && s.ClientUtil() >= clientBound {
		return " †"
	}
	return ""
}

// failedRow is e's table row, of cols cells, that says why it failed.
func failedRow(e *results.Entry, cols int) string {
	return fmt.Sprintf("| %s | failed: %s |%s ", e.System.Name, oneLine(e.Err), strings.Repeat("|", cols-2))
}

func targetRows(r *results.Run) []string {
	var rows []string
	p := func(format string, args ...any) { rows = append(rows, fmt.Sprintf(format, args...)) }
	met := func(b bool) string {
		if b {
			return "yes"
		}
		return "**no**"
	}
	fanoutTargets := func(targets []results.FanoutTarget, byN map[int][]*results.Entry, load string) {
		for _, t := range targets {
			es := byN[t.N]
			node := results.Find(es, "node")
			nodeStep := node.BestWithin(0)
			nodeBest := stepRate(nodeStep)
			desc, missing := "", "no open-loop step passed"
			if t.P99 > 0 {
				desc = fmt.Sprintf(" with p99 ≤ %d ms", t.P99.Milliseconds())
				missing = fmt.Sprintf("no passing step had p99 ≤ %d ms", t.P99.Milliseconds())
			}
			for _, name := range []string{"wasm-rust", "native"} {
				e := results.Find(es, name)
				if !e.OK() || nodeBest == 0 {
					continue
				}
				best := e.BestWithin(t.P99)
				if best == nil {
					anyStep := e.BestWithin(0)
					p("| N = %s%s: %s ≥ %.0f× Node's deliveries/s%s | %s (best passing: %s at p99 %s; Node %s)%s | **no** |",
						thousands(t.N), load, name, t.Factor, desc, missing, rate(stepRate(anyStep)), p99Of(anyStep), rate(nodeBest), noisy(e.Result.Steps...))
					continue
				}
				v := stepRate(best)
				p("| N = %s%s: %s ≥ %.0f× Node's deliveries/s%s | %s vs Node %s = %s, p99 %s%s | %s |", thousands(t.N), load, name, t.Factor, desc,
					rate(v), rate(nodeBest), ratio(v, nodeBest), dur(best.Latency.P99), noisy(best, nodeStep), met(v >= t.Factor*nodeBest))
			}
		}
	}
	fanoutTargets(results.FanoutTargets, r.Fanout, "")
	fanoutTargets(results.GoroutineTargets, r.FanoutGoroutines, ", goroutine-per-client load")
	for _, name := range []string{"wasm-rust", "native"} {
		e := results.Find(r.Fanout[1000], name)
		if !e.OK() {
			continue
		}
		best := e.BestWithin(0)
		if best == nil {
			continue
		}
		cl := e.Result.Closed
		p("| N = 1,000: %s server CPU per delivery ≤ 1.5 µs | %s at %s (closed loop: %s at %s) | %s |", name,
			cpu(best.ServerPer()), rate(best.Rate), cpu(cl.ServerPer()), rate(cl.Rate), met(best.ServerPer() <= 1500*time.Nanosecond))
	}
	native := results.Find(r.Echo, "native")
	for _, name := range []string{"wasm-rust-min", "wasm-rust"} {
		rust := results.Find(r.Echo, name)
		if !rust.OK() || !native.OK() {
			continue
		}
		per := rust.Result.Closed.ServerPer()
		over := per - native.Result.Closed.ServerPer()
		perCore := rust.Result.Closed.PerCore()
		p("| %s: the sandbox's overhead per event ≤ 5 µs above native | %s (%s per event minus %s for native)%s | %s |",
			name, cpu(over), cpu(per), cpu(native.Result.Closed.ServerPer()), noisy(rust.Result.Closed, native.Result.Closed), met(over <= 5*time.Microsecond))
		p("| %s: ≥ 60,000 events/s per core | %.1fk/s per core of server CPU (%s measured%s) | %s |",
			name, perCore/1e3, rate(rust.Result.Closed.Rate), flag(rust.Result.Closed), met(perCore >= 60_000))
	}
	if tiny, rust := results.Find(r.Echo, "wasm-tinygo"), results.Find(r.Echo, "wasm-rust"); tiny.OK() && rust.OK() {
		t, rs := tiny.Result.Closed.ServerPer(), rust.Result.Closed.ServerPer()
		p("| wasm-tinygo: server CPU per event ≤ 1.5× wasm-rust's | %.2f× (%s against %s)%s | %s |",
			float64(t)/float64(rs), cpu(t), cpu(rs), noisy(tiny.Result.Closed, rust.Result.Closed), met(float64(t) <= 1.5*float64(rs)))
	}
	if g := results.Find(r.Echo, "wasm-go"); g.OK() {
		per := g.Result.Closed.ServerPer()
		p("| wasm-go: ≤ 50 µs server CPU per event (≥ 20,000 events/s per core) | %s, %.1fk/s per core (%s measured%s) | %s |",
			cpu(per), g.Result.Closed.PerCore()/1e3, rate(g.Result.Closed.Rate), flag(g.Result.Closed), met(per <= 50*time.Microsecond))
	}
	for _, name := range []string{"wasm-rust", "native"} {
		e := results.Find(r.Ceiling, name)
		pr := project(e)
		if pr == nil {
			continue
		}
		kib := e.Result.Setup.RSSPerSocket / 1024
		p99 := e.Result.Steps[0].Latency.P99
		var miss []string
		if pr.sockets < results.CeilingTarget {
			miss = append(miss, fmt.Sprintf("%.0f%% of the sockets", 100*pr.sockets/results.CeilingTarget))
		}
		if kib > results.CeilingRSS/1024 {
			miss = append(miss, fmt.Sprintf("%.1f× the memory per socket", kib*1024/results.CeilingRSS))
		}
		if !e.Result.Steps[0].Pass {
			miss = append(miss, "not every broadcast fully delivered")
		}
		if p99 > results.CeilingP99 {
			miss = append(miss, fmt.Sprintf("%.2f× the p99", float64(p99)/float64(results.CeilingP99)))
		}
		distance := ""
		if len(miss) > 0 {
			distance = "; " + strings.Join(miss, ", ")
		}
		p("| Ceiling: %s ≥ %s sockets projected per %d-core / %d GiB box at ≤ %d KiB each, a once-per-second broadcast to all within p99 ≤ %d ms | %s projected (%s binds); %.1f KiB RSS per idle socket; p99 %s at %s sockets in one process%s%s | %s |",
			name, thousands(results.CeilingTarget), results.BoxCores, results.BoxMemory>>30, results.CeilingRSS>>10, results.CeilingP99.Milliseconds(),
			thousands(int(pr.sockets)), pr.binds, kib, dur(p99), thousands(e.Spec.N), distance, noisy(e.Result.AllSteps()...), met(len(miss) == 0))
	}
	es := r.Fanout[10_000]
	if node := results.Find(es, "node"); node.OK() && node.Result.Setup != nil {
		for _, name := range []string{"wasm-rust", "native"} {
			e := results.Find(es, name)
			if !e.OK() || e.Result.Setup == nil {
				continue
			}
			v, nv := e.Result.Setup.RSSPerSocket, node.Result.Setup.RSSPerSocket
			p("| %s: ≤ 6 KiB RSS per idle WebSocket socket, ≤ 40%% of Node's | %.1f KiB vs Node %.1f KiB (%s of Node's) | %s |", name,
				v/1024, nv/1024, pct(v/nv), met(v <= 6144 && v <= 0.4*nv))
		}
	}
	return rows
}

func calibrationRows(r *results.Run) []string {
	var rows []string
	for _, e := range r.Calibration {
		if !e.OK() || e.Result.Closed == nil {
			rows = append(rows, fmt.Sprintf("| %s | %d | failed: %s | | | |", thousands(e.Spec.N), e.Spec.BlastFrames, oneLine(e.Err)))
			continue
		}
		s := e.Result.Closed
		rows = append(rows, fmt.Sprintf("| %s | %d | %s | %s | %s | %s |", thousands(e.Spec.N), e.Spec.BlastFrames, rate(s.Rate), cpu(s.ClientPer()), pct(s.ClientUtil()), cpu(s.ServerPer())))
	}
	return rows
}

func fanoutSection(title string, es []*results.Entry) *fanout {
	f := &fanout{Title: title}
	node := results.Find(es, "node")
	nodeBest, nodeClosed := 0.0, 0.0
	if node.OK() {
		nodeBest = stepRate(node.BestWithin(0))
		nodeClosed = node.Result.Closed.Rate
	}
	for _, e := range es {
		if !e.OK() {
			f.Best = append(f.Best, failedRow(e, 15))
			continue
		}
		b := e.BestWithin(0)
		cl := e.Result.Closed
		if b == nil {
			f.Best = append(f.Best, fmt.Sprintf("| %s | no step passed | | | | | | | | | | %s%s | %s | %s | %s |", e.System.Name, rate(cl.Rate), flag(cl), ratio(cl.Rate, nodeClosed), cpu(cl.ServerPer()), pct(cl.Completeness())))
			continue
		}
		f.Best = append(f.Best, fmt.Sprintf("| %s | %s%s%s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s | %s | %s%s | %s | %s | %s |", e.System.Name,
			atLeast(e, b), rate(b.Rate), flag(b), ratio(b.Rate, nodeBest), dur(b.Latency.P50), dur(b.Latency.P99), dur(b.Latency.P999), dur(b.Latency.Max),
			dur(b.First.P50), dur(b.First.P99), dur(b.Last.P50), dur(b.Last.P99), cpu(b.ServerPer()), cpu(b.ClientPer()),
			rate(cl.Rate), flag(cl), ratio(cl.Rate, nodeClosed), cpu(cl.ServerPer()), pct(cl.Completeness())))
	}
	for _, e := range es {
		if e.Result == nil {
			continue
		}
		for _, s := range e.Result.AllSteps() {
			off := fmt.Sprintf("window %d", s.Window)
			if s.Kind == "open" {
				off = rate(s.Offered)
			}
			kind := s.Kind
			if s.Target {
				kind = "open (target rate)"
			}
			f.Steps = append(f.Steps, fmt.Sprintf("| %s | %s | %s | %s%s | %.3f%% | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", e.System.Name, kind, off,
				rate(s.Rate), flag(s), 100*s.Completeness(), dur(s.Latency.P50), dur(s.Latency.P99), dur(s.Latency.P999), dur(s.Latency.Max),
				dur(s.First.P99), dur(s.Last.P99), cpu(s.ServerPer()), pct(s.ServerUtil()), cpu(s.ClientPer()), pct(s.ClientUtil()), others(s), yesNo(s.Pass)))
		}
	}
	return f
}

func others(s *results.Step) string {
	o := fmt.Sprintf("%s / %s", pct(s.Others[0]), pct(s.Others[1]))
	if contended(s) {
		o = "**" + o + "**"
	}
	return o
}

// contended reports whether other processes used more than 10% of either
// CPU during the step.
func contended(s *results.Step) bool { return s.Others[0] > 0.10 || s.Others[1] > 0.10 }

// allSteps lists every measured step of a run.
func allSteps(r *results.Run) []*results.Step {
	var out []*results.Step
	add := func(es []*results.Entry) {
		for _, e := range es {
			if e.Result != nil {
				out = append(out, e.Result.AllSteps()...)
			}
		}
	}
	add(r.Calibration)
	for _, es := range r.Fanout {
		add(es)
	}
	for _, es := range r.FanoutGoroutines {
		add(es)
	}
	add(r.Echo)
	add(r.Storm)
	add(r.Polling)
	for _, e := range r.Ceiling {
		if e.Result != nil && e.Result.Storm != nil {
			out = append(out, e.Result.Storm)
		}
	}
	add(r.Ceiling)
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// idle is the idle memory table, from the largest fanout's setup.
func idle(r *results.Run) *table {
	es := r.Fanout[10_000]
	if len(es) == 0 {
		es = r.Fanout[1000]
	}
	if len(es) == 0 {
		return nil
	}
	t := &table{}
	var nodeV float64
	if n := results.Find(es, "node"); n.OK() && n.Result.Setup != nil {
		nodeV = n.Result.Setup.RSSPerSocket
	}
	for _, e := range es {
		if !e.OK() || e.Result.Setup == nil {
			continue
		}
		s := e.Result.Setup
		t.Rows = append(t.Rows, fmt.Sprintf("| %s | %s | %.1f MiB | %.1f MiB | %.2f KiB | %s | %d |", e.System.Name, thousands(s.Sockets), mib(s.RSSBefore), mib(s.RSSAfter),
			s.RSSPerSocket/1024, ratio(s.RSSPerSocket, nodeV), s.ServerThreads))
	}
	return t
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func echoRows(r *results.Run) []string {
	var rows []string
	nodeRate := closedRate(r.Echo, "node")
	var nativePer time.Duration
	if n := results.Find(r.Echo, "native"); n.OK() {
		nativePer = n.Result.Closed.ServerPer()
	}
	for _, e := range r.Echo {
		if !e.OK() {
			rows = append(rows, failedRow(e, 13))
			continue
		}
		s := e.Result.Closed
		rss := "–"
		if s.ServerRSS > 0 {
			rss = fmt.Sprintf("%.1f MiB", float64(s.ServerRSS)/(1<<20))
		}
		over := "–"
		if nativePer > 0 && e.System.Wasm != "" {
			over = cpu(s.ServerPer() - nativePer)
		}
		rows = append(rows, fmt.Sprintf("| %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", e.System.Name, rate(s.Rate), flag(s), ratio(s.Rate, nodeRate),
			dur(s.Latency.P50), dur(s.Latency.P99), dur(s.Latency.Max), cpu(s.ServerPer()), rate(s.PerCore()), over, rss, cpu(s.ClientPer()), pct(s.ClientUtil()), others(s)))
	}
	return rows
}

func stormRows(r *results.Run) []string {
	var rows []string
	nodeRate := closedRate(r.Storm, "node")
	for _, e := range r.Storm {
		if !e.OK() {
			rows = append(rows, failedRow(e, 10))
			continue
		}
		s := e.Result.Closed
		rows = append(rows, fmt.Sprintf("| %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s |", e.System.Name, rate(s.Rate), flag(s), ratio(s.Rate, nodeRate),
			dur(s.Latency.P50), dur(s.Latency.P99), dur(s.Latency.Max), cpu(s.ServerPer()), cpu(s.ClientPer()), pct(s.ClientUtil()), others(s)))
	}
	return rows
}

func sandboxSection(gb *results.GoBench) *sandbox {
	if gb == nil {
		return nil
	}
	sb := &sandbox{Command: gb.Command}
	if gb.Err != "" {
		sb.Err = oneLine(gb.Err)
	}
	for _, l := range gb.Lines {
		var other []string
		for _, u := range l.Units {
			if u != "ns/op" && u != "B/op" && u != "allocs/op" {
				other = append(other, fmt.Sprintf("%g %s", l.Metrics[u], u))
			}
		}
		sb.Rows = append(sb.Rows, fmt.Sprintf("| %s | %s | %s | %.0f | %.0f |", l.Name, thousands(int(l.Metrics["ns/op"])), strings.Join(other, ", "), l.Metrics["B/op"], l.Metrics["allocs/op"]))
	}
	return sb
}

// projection is the box that one process's ceiling figures project: the
// sockets each resource allows, the least of them, which one binds and
// which would bind next.
type projection struct {
	fds, mem, cpu float64 // sockets allowed by descriptors, memory, CPU (+Inf: unbounded)
	sockets       float64
	binds, next   string
	processes     int     // processes of Spec.N sockets that hold them
	cpuLeft       float64 // share of the box's CPU left for handlers at that size
}

// project computes e's projection, or nil when e has no ceiling figures.
// Descriptors: fs.file-max for the box (a process holds at most Spec.N, so
// the box needs several). Memory: the box's memory over the RSS per idle
// socket plus the process's base RSS shared by its Spec.N sockets. CPU:
// the sockets whose once-per-second broadcast takes at most CeilingP99 of
// every core, at the server CPU per delivery measured in that broadcast.
func project(e *results.Entry) *projection {
	if !e.OK() || e.Result.Setup == nil || len(e.Result.Steps) == 0 {
		return nil
	}
	n := float64(e.Spec.N)
	su, once := e.Result.Setup, e.Result.Steps[0]
	pr := &projection{fds: math.Inf(1), mem: math.Inf(1), cpu: math.Inf(1)}
	if e.Result.FileMax > 0 {
		pr.fds = float64(e.Result.FileMax)
	}
	if per := su.RSSPerSocket + float64(su.RSSBefore)/n; per > 0 {
		pr.mem = math.Floor(results.BoxMemory / per)
	}
	per := once.ServerPer()
	if per > 0 {
		pr.cpu = math.Floor(results.BoxCores * results.CeilingP99.Seconds() / per.Seconds())
	}
	bounds := []struct {
		name string
		v    float64
	}{{"descriptors", pr.fds}, {"memory", pr.mem}, {"CPU", pr.cpu}}
	sort.SliceStable(bounds, func(i, j int) bool { return bounds[i].v < bounds[j].v })
	pr.sockets, pr.binds = bounds[0].v, bounds[0].name
	pr.next = fmt.Sprintf("%s, %s", bounds[1].name, bound(bounds[1].v))
	if math.IsInf(pr.sockets, 1) {
		return nil
	}
	pr.processes = int(math.Ceil(pr.sockets / n))
	pr.cpuLeft = 1 - pr.sockets*per.Seconds()/results.BoxCores
	return pr
}

// bound formats a projected number of sockets.
func bound(v float64) string {
	if math.IsInf(v, 1) {
		return "unbounded"
	}
	return thousands(int(v))
}

func ceilingSection(r *results.Run) *ceiling {
	if len(r.Ceiling) == 0 {
		return nil
	}
	c := &ceiling{N: results.CeilingSockets, BoxCores: results.BoxCores, BoxGiB: results.BoxMemory >> 30, P99ms: int(results.CeilingP99.Milliseconds())}
	if sp := r.Ceiling[0].Spec; sp != nil {
		c.N, c.Concurrency, c.StepSec, c.ClosedSec = sp.N, sp.Concurrency, sp.StepDur.Seconds(), sp.Closed.Seconds()
	}
	node := results.Find(r.Ceiling, "node")
	var nodeStorm, nodeSat float64
	if node.OK() {
		nodeStorm, nodeSat = stepRate(node.Result.Storm), stepRate(node.Result.Closed)
	}
	for _, e := range r.Ceiling {
		if !e.OK() || e.Result.Storm == nil || e.Result.Setup == nil || len(e.Result.Steps) == 0 || e.Result.Closed == nil {
			err := e.Err
			if err == "" {
				err = "incomplete (sockets lost?)"
			}
			c.Rows = append(c.Rows, failedRow(&results.Entry{System: e.System, Err: err}, 19))
			continue
		}
		st, su, once, sat := e.Result.Storm, e.Result.Setup, e.Result.Steps[0], e.Result.Closed
		c.Rows = append(c.Rows, fmt.Sprintf("| %s | %s%s | %s | %s | %s | %.1f MiB | %.1f MiB | %.2f KiB | %s | %s | %s | %s | %s | %s | %s%s | %s | %s | %s | %s |",
			e.System.Name, rate(st.Rate), flag(st), ratio(st.Rate, nodeStorm), dur(st.Latency.P99), cpu(st.ServerPer()),
			mib(su.RSSBefore), mib(su.RSSAfter), su.RSSPerSocket/1024,
			rate(once.Rate), dur(once.Latency.P50), dur(once.Latency.P99), cpu(once.ServerPer()), pct(once.ServerUtil()), pct(1-once.ServerUtil()),
			rate(sat.Rate), flag(sat), ratio(sat.Rate, nodeSat), dur(sat.Latency.P99), pct(sat.Completeness()), othersOf(st, once, sat)))
		if pr := project(e); pr != nil {
			c.Projection = append(c.Projection, fmt.Sprintf("| %s | %s | %s | %s | **%s** | %s | %s | %d | %s |", e.System.Name,
				bound(pr.fds), bound(pr.mem), bound(pr.cpu), thousands(int(pr.sockets)), pr.binds, pr.next, pr.processes, pct(pr.cpuLeft)))
		}
	}
	return c
}

// othersOf is the most other processes used of each CPU during steps.
func othersOf(steps ...*results.Step) string {
	w := &results.Step{}
	for _, s := range steps {
		w.Others[0], w.Others[1] = max(w.Others[0], s.Others[0]), max(w.Others[1], s.Others[1])
	}
	return others(w)
}
