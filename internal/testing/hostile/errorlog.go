package hostile

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// ErrorLog keeps a server's log records at Error level, one text line
// each, for a test to fail on: the servers log at Error the panics they
// recover from, which would otherwise pass unnoticed.
type ErrorLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger returns a logger whose Error records go to l.
func (l *ErrorLog) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(errorLogWriter{l}, &slog.HandlerOptions{Level: slog.LevelError}))
}

// Take returns the records logged since the last Take.
func (l *ErrorLog) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := strings.FieldsFunc(l.buf.String(), func(r rune) bool { return r == '\n' })
	l.buf.Reset()
	return lines
}

type errorLogWriter struct{ l *ErrorLog }

func (w errorLogWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.l.buf.Write(p)
}
