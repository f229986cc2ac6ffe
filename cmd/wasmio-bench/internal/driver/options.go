package driver

import (
	"io"
	"path/filepath"
	"strings"
)

// Options configure a full benchmark run.
type Options struct {
	// Root is the repository root; Out is where builds, logs and raw results
	// go (bench/out); Results is the report written (bench/RESULTS.md).
	Root, Out, Results string
	// Quick shortens everything, for development: N = 1,000 only, fewer
	// and shorter steps.
	Quick bool
	// Systems and Scenarios restrict the run (empty means all).
	Systems, Scenarios []string
	// Port is the first port servers are started on.
	Port int
	// Command is the command line, for the report.
	Command string
	// Log receives progress.
	Log io.Writer
}

// AnalysisPath is the hand-written analysis appended to the report.
func (o Options) AnalysisPath() string { return filepath.Join(o.Root, "bench", "ANALYSIS.md") }

// resultsJSON is where a run's raw results go: bench/out/results.json for
// the default report, otherwise next to the report (-out x.md: x.json), so
// that a trial run never replaces the results behind bench/RESULTS.md.
func (o Options) resultsJSON() string {
	if filepath.Clean(o.Results) == filepath.Join(o.Root, "bench", "RESULTS.md") {
		return filepath.Join(o.Out, "results.json")
	}
	return strings.TrimSuffix(o.Results, filepath.Ext(o.Results)) + ".json"
}
