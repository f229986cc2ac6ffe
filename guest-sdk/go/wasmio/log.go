package wasmio

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Level is the severity of a log line.
type Level int32

// Log levels.
const (
	LevelDebug Level = abiLogDebug
	LevelInfo  Level = abiLogInfo
	LevelWarn  Level = abiLogWarn
	LevelError Level = abiLogError
)

// Logger writes lines to the host log, which tags them with the namespace,
// event and socket id. Log lines are written at once, even when the event
// fails.
type Logger struct{}

// Log is the host log: wasmio.Log.Info("joined", "room", room) writes
// "joined room=lobby".
var Log Logger

// Debug logs msg and key-value pairs at debug level.
func (Logger) Debug(msg string, kv ...any) { logKV(LevelDebug, msg, kv) }

// Info logs msg and key-value pairs at info level.
func (Logger) Info(msg string, kv ...any) { logKV(LevelInfo, msg, kv) }

// Warn logs msg and key-value pairs at warn level.
func (Logger) Warn(msg string, kv ...any) { logKV(LevelWarn, msg, kv) }

// Error logs msg and key-value pairs at error level.
func (Logger) Error(msg string, kv ...any) { logKV(LevelError, msg, kv) }

// Logf formats a line like fmt.Sprintf and logs it at level.
func Logf(level Level, format string, args ...any) {
	logLine(int32(level), fmt.Sprintf(format, args...))
}

func logKV(level Level, msg string, kv []any) {
	if len(kv) > 0 {
		msg = formatKV(msg, kv)
	}
	logLine(int32(level), msg)
}

// formatKV appends key=value pairs to msg, quoting values that need it.
func formatKV(msg string, kv []any) string {
	var b strings.Builder
	b.WriteString(msg)
	for i := 0; i < len(kv); i += 2 {
		b.WriteByte(' ')
		if i+1 == len(kv) {
			b.WriteString("!BADKEY=")
			b.WriteString(quoteValue(kv[i]))
			break
		}
		if k, ok := kv[i].(string); ok {
			b.WriteString(k)
		} else {
			b.WriteString(fmt.Sprint(kv[i]))
		}
		b.WriteByte('=')
		b.WriteString(quoteValue(kv[i+1]))
	}
	return b.String()
}

func quoteValue(v any) string {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case error:
		s = v.Error()
	default:
		s = fmt.Sprint(v)
	}
	if s == "" || strings.ContainsAny(s, " =\"\\\n\r\t") {
		return strconv.Quote(s)
	}
	return s
}

func logLine(level int32, msg string) { sysLog(level, msg) }

// Now returns the current time from the host's clock (clock_now), which
// tests may fix. It works without WASI, unlike time.Now on wasm-unknown.
func Now() time.Time { return time.Unix(0, sysClockNow()) }

// RandomBytes returns n cryptographically random bytes from the host
// (random_fill). It works without WASI, unlike crypto/rand on wasm-unknown.
// It panics if the host fails, which fails the event.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	if code := sysRandomFill(b); code < 0 {
		panic(codeError(code))
	}
	return b
}
