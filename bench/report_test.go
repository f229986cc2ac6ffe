package bench

import (
	"slices"
	"strings"
	"testing"
)

func TestParseGoBench(t *testing.T) {
	out := "goos: linux\nBenchmarkRun/minimal-rust         \t   59848\t     10115 ns/op\t   15184 B/op\t      42 allocs/op\n" +
		"BenchmarkDeadlineCost/checked-2 \t 2\t 301053400 ns/op\t 30.10 ns/iteration\t 192 B/op\t 5 allocs/op\nPASS\nok  \tx\t1s\n"
	lines := parseGoBench(out)
	if len(lines) != 2 || lines[0].Name != "Run/minimal-rust" || lines[0].Metrics["ns/op"] != 10115 || lines[0].Metrics["allocs/op"] != 42 {
		t.Fatalf("%+v", lines)
	}
	if lines[1].Metrics["ns/iteration"] != 30.10 || len(lines[1].Units) != 4 {
		t.Errorf("%+v", lines[1])
	}
}

// TestFailedRows checks that a failed system's row has as many cells as its
// table's header.
func TestFailedRows(t *testing.T) {
	failed := []*Entry{{System: &System{Name: "x"}, Result: &LoadResult{}, Err: "boom"}}
	r := &Results{Echo: failed, Storm: failed}
	for name, write := range map[string]func(*strings.Builder){
		"fanout": func(b *strings.Builder) { writeFanout(b, "Fanout", failed) },
		"echo":   func(b *strings.Builder) { writeEcho(b, r) },
		"storm":  func(b *strings.Builder) { writeStorm(b, r) },
	} {
		var b strings.Builder
		write(&b)
		lines := strings.Split(b.String(), "\n")
		header := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "| system |") })
		row := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "| x | failed: boom |") })
		if header < 0 || row < 0 {
			t.Fatalf("%s: no header or no failed row in\n%s", name, b.String())
		}
		if h, r := strings.Count(lines[header], "|"), strings.Count(lines[row], "|"); h != r {
			t.Errorf("%s: header has %d pipes, the failed row %d", name, h, r)
		}
	}
}
