package sandbox

import (
	"crypto/rand"
	"log/slog"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
)

const maxRandom = 64 << 10

// log(level, ptr, len) -> 0 | ERR_INVALID. Logs are written at once, not
// held back like effects: they are diagnostics, wanted most when a run
// fails. A line over the log budget (log.go) is dropped and still returns 0.
func logLine(inv *invocation, mod api.Module, stack []uint64) {
	level := i32(stack[0])
	msg := inv.read(mod, u32(stack[1]), u32(stack[2]))
	if level < abi.LogDebug || level > abi.LogError {
		ret(stack, abi.ErrInvalid)
		return
	}
	if len(msg) > maxLogLine {
		msg = msg[:maxLogLine]
	}
	if !utf8.Valid(msg) {
		msg = []byte(string([]rune(string(msg)))) // replace invalid bytes
	}
	lv := [...]slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}[level]
	inv.writeLog(lv, msg, "handler")
	ret(stack, 0)
}

// clock_now() -> unix nanoseconds
func clockNow(inv *invocation, _ api.Module, stack []uint64) {
	stack[0] = uint64(inv.m.r.clock().UnixNano())
}

// random_fill(buf, len) -> 0 | ERR_TOO_LARGE
func randomFill(inv *invocation, mod api.Module, stack []uint64) {
	n := u32(stack[1])
	if n > maxRandom {
		ret(stack, abi.ErrTooLarge)
		return
	}
	_, _ = rand.Read(inv.read(mod, u32(stack[0]), n))
	ret(stack, 0)
}
