package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmio/wasmio/abi"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/host/txn"
)

// TestKVBudget runs testdata/kvbudget.wat, whose totals its comment gives,
// through a txn.Runner as the host does: at each budget it succeeds and
// commits, one byte or key below it fails with ErrLimit and the store
// holds none of its writes.
func TestKVBudget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limits sandbox.Limits
		err    string // the limit error, "" for success
	}{
		{"defaults", sandbox.Limits{}, ""},
		{"bytes written at the budget", sandbox.Limits{MaxWriteBytes: 102_808}, ""},
		{"bytes written over", sandbox.Limits{MaxWriteBytes: 102_807}, "more than 102807 bytes written to the key-value store"},
		{"keys written at the budget", sandbox.Limits{MaxWriteKeys: 103}, ""},
		{"keys written over", sandbox.Limits{MaxWriteKeys: 102}, "more than 102 key-value writes"},
		{"bytes read at the budget", sandbox.Limits{MaxReadBytes: 206_000}, ""},
		{"bytes read over", sandbox.Limits{MaxReadBytes: 205_999}, "more than 205999 bytes read from the key-value store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := compile(t, newRuntime(t, tc.limits), "kvbudget")
			store := openStore(t)
			_, err := (&txn.Runner{Store: store}).Run(context.Background(), m, &sandbox.Event{Name: "x", Namespace: "/", SocketID: "s"})
			switch {
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err != "" && (!errors.Is(err, sandbox.ErrLimit) || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v, want a limit error %q", err, tc.err)
			}
			for _, key := range []string{"\x00\x00\x00\x00", "n", "c"} {
				_, ok, err := txn.Read(store, "/", "", abi.ScopeNamespace, []byte(key))
				if err != nil {
					t.Fatal(err)
				}
				if ok != (tc.err == "") {
					t.Errorf("key %q stored: %v", key, ok)
				}
			}
		})
	}
}

// logs records what a runtime logs.
type logs struct {
	mu    sync.Mutex
	lines []string // "LEVEL source: message", source "" for the host's own lines
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }

func (l *logs) Handle(_ context.Context, r slog.Record) error {
	source := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "source" {
			source = a.Value.String()
		}
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, r.Level.String()+" "+source+": "+r.Message)
	l.mu.Unlock()
	return nil
}

// WithAttrs drops the tags of the event: the lines are all of one module.
func (l *logs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logs) WithGroup(string) slog.Handler      { return l }

// take returns the lines logged since the last take.
func (l *logs) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

func logRuntime(t *testing.T, limits sandbox.Limits) (*sandbox.Runtime, *logs) {
	t.Helper()
	l := &logs{}
	rt, err := sandbox.NewRuntime(context.Background(), &sandbox.Config{Limits: limits, Logger: slog.New(l), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt, l
}

// handlerLines counts the lines of a run's log that come from the guest,
// and returns the host's own lines.
func handlerLines(lines []string) (n int, host []string) {
	for _, l := range lines {
		if strings.Contains(l, " wasi: ") || strings.Contains(l, " handler: ") {
			n++
		} else {
			host = append(host, l)
		}
	}
	return n, host
}

// TestLogBudget runs testdata/chatty.wat, which logs 3,000 lines of 3
// bytes through WASI stdout and stderr and the log import: the run
// succeeds, its lines stop at the budget shared by all three, the rest is
// counted as dropped and summarized in one line; every fd_write buffer
// counts as a host call.
func TestLogBudget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limits sandbox.Limits
		lines  int
		err    string // the limit error, "" for success
	}{
		{"default lines", sandbox.Limits{}, 100, ""},
		{"bytes", sandbox.Limits{MaxLogBytes: 31}, 10, ""},
		{"lines", sandbox.Limits{MaxLogLines: 7}, 7, ""},
		{"everything", sandbox.Limits{MaxLogLines: 3000, MaxLogBytes: 9000, MaxLogRate: 3000}, 3000, ""},
		{"host calls", sandbox.Limits{MaxHostCalls: 1500}, 100, "more than 1500 host calls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, l := logRuntime(t, tc.limits)
			m := compile(t, rt, "chatty")
			_, err := m.Run(context.Background(), &sandbox.Event{Name: "x"}, nil)
			switch {
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err != "" && (!errors.Is(err, sandbox.ErrLimit) || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v, want a limit error %q", err, tc.err)
			}
			lines := l.take()
			n, host := handlerLines(lines)
			if n != tc.lines {
				t.Errorf("%d lines logged, want %d", n, tc.lines)
			}
			if want := []string{"INFO wasi: out", "WARN wasi: err", "INFO handler: log"}; !reflect.DeepEqual(lines[:3], want) {
				t.Errorf("first lines %q, want %q", lines[:3], want)
			}
			if tc.err != "" {
				return // the count of lines dropped depends on where the run stopped
			}
			dropped := 3000 - tc.lines
			if got := m.DroppedLogLines(); got != uint64(dropped) {
				t.Errorf("DroppedLogLines %d, want %d", got, dropped)
			}
			var summary []string
			if dropped > 0 {
				summary = []string{fmt.Sprintf("WARN : dropped %d log lines", dropped)}
			}
			if !reflect.DeepEqual(host, summary) {
				t.Errorf("the host logged %q, want %q", host, summary)
			}
		})
	}
}

// TestLogRate runs testdata/chatty.wat many times at once on one module:
// together the runs log the module's bucket of 100 lines and what the rate
// of 10 lines a second refills meanwhile, and one summary line reports
// drops, since they all happen within its interval.
func TestLogRate(t *testing.T) {
	const runs, rate, burst = 8, 10, 100
	rt, l := logRuntime(t, sandbox.Limits{MaxLogRate: rate})
	m := compile(t, rt, "chatty")
	start := time.Now()
	var wg sync.WaitGroup
	for range runs {
		wg.Go(func() {
			if _, err := m.Run(context.Background(), &sandbox.Event{Name: "x"}, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	n, host := handlerLines(l.take())
	if most := burst + int(math.Ceil(elapsed.Seconds()*rate)); n < burst || n > most {
		t.Errorf("%d lines logged in %v, want %d to %d", n, elapsed, burst, most)
	}
	if got, want := m.DroppedLogLines(), uint64(runs*3000-n); got != want {
		t.Errorf("DroppedLogLines %d, want %d", got, want)
	}
	if len(host) != 1 || !regexp.MustCompile(`^WARN : dropped \d+ log lines$`).MatchString(host[0]) {
		t.Errorf("the host logged %q, want one summary", host)
	}
}

// TestStdoutLines runs testdata/stdout.wat, which writes each attachment
// to WASI stdout in one buffer: lines end at a newline or after 4 KiB, an
// unfinished line is logged when the run ends.
func TestStdoutLines(t *testing.T) {
	x := strings.Repeat("x", 4096)
	for _, tc := range []struct {
		name   string
		writes []string
		lines  []string
	}{
		{"lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"a line in two writes", []string{"a", "b\nc"}, []string{"ab", "c"}},
		{"empty line", []string{"\n"}, []string{""}},
		{"4 KiB line", []string{x + "\n"}, []string{x}},
		{"longer line", []string{x + "y\n"}, []string{x, "y"}},
		{"longer line without newline", []string{x + x}, []string{x, x}},
		{"full line, then its newline", []string{x, "\nz"}, []string{x, "z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, l := logRuntime(t, sandbox.Limits{})
			ev := &sandbox.Event{Name: "x"}
			for _, w := range tc.writes {
				ev.Attachments = append(ev.Attachments, []byte(w))
			}
			if _, err := compile(t, rt, "stdout").Run(context.Background(), ev, nil); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range tc.lines {
				want = append(want, "INFO wasi: "+line)
			}
			if got := l.take(); !reflect.DeepEqual(got, want) {
				t.Errorf("got %d lines %.200q, want %.200q", len(got), got, want)
			}
		})
	}
}
