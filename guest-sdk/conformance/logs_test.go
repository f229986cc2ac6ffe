package conformance_test

import (
	"context"
	"log/slog"
	"os"
	"reflect"
	"sync"
	"testing"
)

// The kit's runtimes log to slog.Default, tagging each line of a handler
// (and its WASI output) with the namespace, the event and the socket id.
// TestMain routes the default logger to logs, so a case can check what its
// socket logged.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(&recorder{logs: &logs{}}))
	os.Exit(m.Run())
}

// logs holds every record logged through slog.Default.
type logs struct {
	mu      sync.Mutex
	records []map[string]string // attributes, with "level" and "msg"
}

// sameLogs checks the lines logged for a socket of a namespace, rendered as
// "LEVEL source: message" (source is "handler" for the log import, "wasi"
// for WASI output).
func sameLogs(t *testing.T, ns, socket string, want ...string) {
	t.Helper()
	l := slog.Default().Handler().(*recorder).logs
	l.mu.Lock()
	got := []string{}
	for _, r := range l.records {
		if r["namespace"] == ns && r["socket"] == socket {
			got = append(got, r["level"]+" "+r["source"]+": "+r["msg"])
		}
	}
	l.mu.Unlock()
	if !reflect.DeepEqual(got, append([]string{}, want...)) {
		t.Errorf("log lines:\n got %q\nwant %q", got, want)
	}
}

// recorder is a slog.Handler that appends records to logs.
type recorder struct {
	logs  *logs
	attrs []slog.Attr
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	m := map[string]string{"level": rec.Level.String(), "msg": rec.Message}
	for _, a := range r.attrs {
		m[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	r.logs.mu.Lock()
	r.logs.records = append(r.logs.records, m)
	r.logs.mu.Unlock()
	return nil
}

func (r *recorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &recorder{logs: r.logs, attrs: append(append([]slog.Attr{}, r.attrs...), attrs...)}
}

// WithGroup is not used by the runtime; attributes stay ungrouped.
func (r *recorder) WithGroup(string) slog.Handler { return r }
