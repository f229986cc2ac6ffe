package driver

import (
	"strconv"
	"strings"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/results"
)

// parseGoBench reads `go test -bench` output lines.
func parseGoBench(out string) []results.BenchLine {
	var lines []results.BenchLine
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		bl := results.BenchLine{Name: strings.TrimPrefix(f[0], "Benchmark"), Metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			bl.Metrics[f[i+1]] = v
			bl.Units = append(bl.Units, f[i+1])
		}
		lines = append(lines, bl)
	}
	return lines
}
