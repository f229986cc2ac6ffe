package driver

import "testing"

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
