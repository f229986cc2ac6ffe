package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// A guest's log lines, from the log import and from WASI stdout/stderr,
// share one budget per run (MaxLogLines, MaxLogBytes) and one rate per
// module (MaxLogRate). Lines beyond either are dropped, never failed: a
// chatty handler still does its work, and the operator sees the count in
// DroppedLogLines and in a summary line at most every logSummaryInterval.

// maxLogLine bounds one line; longer output is split.
const maxLogLine = 4 << 10

// logSummaryInterval spaces a module's "dropped N log lines" summaries.
const logSummaryInterval = 10 * time.Second

// logLimiter is a module's share of the operator's log across its runs: a
// token bucket of lines, and the count of lines dropped.
type logLimiter struct {
	dropped atomic.Uint64 // ever
	pending atomic.Uint64 // since the last summary

	mu      sync.Mutex
	tokens  float64
	filled  time.Time // when tokens was brought up to date; zero: never, the bucket is full
	summary time.Time // when the last summary was logged
}

// take takes one line from the bucket, which holds burst lines and refills
// at rate lines per second; false means none is left.
func (l *logLimiter) take(rate, burst int) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.filled.IsZero() {
		l.tokens = float64(burst)
	} else {
		l.tokens = min(float64(burst), l.tokens+now.Sub(l.filled).Seconds()*float64(rate))
	}
	l.filled = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// DroppedLogLines returns how many lines the module's runs logged beyond
// their budget (MaxLogLines, MaxLogBytes) or the module's rate
// (MaxLogRate) since it was compiled.
func (m *Module) DroppedLogLines() uint64 { return m.logs.dropped.Load() }

// settleLog counts a run's n dropped lines and logs the lines dropped since
// the last summary, unless that was less than logSummaryInterval ago: the
// count then waits for the end of a later run.
func (m *Module) settleLog(n uint64) {
	l := &m.logs
	if n > 0 {
		l.dropped.Add(n)
		l.pending.Add(n)
	}
	if l.pending.Load() == 0 {
		return
	}
	now := time.Now()
	l.mu.Lock()
	due := l.summary.IsZero() || now.Sub(l.summary) >= logSummaryInterval
	if due {
		l.summary = now
	}
	l.mu.Unlock()
	if due {
		m.r.log.Warn(fmt.Sprintf("dropped %d log lines", l.pending.Swap(0)), "module", m.name,
			"why", "over a run's max_log_lines or max_log_bytes, or the module's max_log_rate")
	}
}

// writeLog logs one line of the guest's, tagged with the event, unless it
// is over the run's budget or the module's rate: then it is counted as
// dropped. The first line over the budget ends the run's log, so that a
// flood costs the host a count per line and nothing more.
func (inv *invocation) writeLog(level slog.Level, msg []byte, source string) {
	ctx := context.Background()
	if !inv.m.r.log.Enabled(ctx, level) {
		return
	}
	l := inv.limits
	if !inv.logCut && (inv.logLines >= l.MaxLogLines || inv.logBytes+len(msg) > l.MaxLogBytes) {
		inv.logCut = true
	}
	if inv.logCut {
		inv.logDropped++
		return
	}
	inv.logLines++
	inv.logBytes += len(msg)
	if !inv.m.logs.take(l.MaxLogRate, max(l.MaxLogRate, l.MaxLogLines)) {
		inv.logDropped++
		return
	}
	inv.logger().Log(ctx, level, string(msg), "source", source)
}

// endLog ends the run's log: it writes the WASI output's unfinished lines
// and reports the dropped ones to the module.
func (inv *invocation) endLog() {
	for i := range inv.out {
		inv.out[i].flush()
	}
	inv.m.settleLog(inv.logDropped)
}

// logWriter turns a guest's WASI output into log lines: a line ends at a
// newline, or after maxLogLine bytes.
type logWriter struct {
	inv   *invocation
	level slog.Level
	buf   []byte
}

// Write takes one buffer of an fd_write, which counts as a host call.
func (w *logWriter) Write(p []byte) (int, error) {
	w.inv.enter()
	n := len(p)
	if w.inv.ctx.Err() != nil {
		// The run is over: the guest is interrupted once it is back in
		// its own code, and a long buffer must not keep it here.
		return n, nil
	}
	for len(p) > 0 {
		if len(w.buf) == maxLogLine && p[0] != '\n' {
			w.line()
		}
		room := maxLogLine - len(w.buf)
		i := bytes.IndexByte(p[:min(len(p), room+1)], '\n')
		if i < 0 {
			k := min(len(p), room)
			w.buf = append(w.buf, p[:k]...)
			p = p[k:]
			continue
		}
		w.buf = append(w.buf, p[:i]...)
		w.line()
		p = p[i+1:]
	}
	return n, nil
}

func (w *logWriter) line() {
	w.inv.writeLog(w.level, w.buf, "wasi")
	w.buf = w.buf[:0]
}

// flush writes an unfinished line.
func (w *logWriter) flush() {
	if len(w.buf) > 0 {
		w.line()
	}
}
