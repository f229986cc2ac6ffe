package report

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/cmd/wasmio-bench/internal/results"
)

// TestRewriteGolden writes the report of recorded results and compares it,
// byte for byte, with the report the same results gave before (testdata/
// NAME.md). full has every section and both sides of every choice the
// report makes; minimal a run of one fanout with no analysis.
func TestRewriteGolden(t *testing.T) {
	for _, c := range []struct{ name, analysis string }{
		{"full", "testdata/analysis.md"},
		{"minimal", "testdata/no-analysis.md"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "RESULTS.md")
			if err := Rewrite(filepath.Join("testdata", c.name+".json"), c.analysis, out); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", c.name+".md"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for i := range min(len(g), len(w)) {
					if g[i] != w[i] {
						t.Fatalf("line %d:\ngot  %q\nwant %q", i+1, g[i], w[i])
					}
				}
				t.Fatalf("%d lines, want %d", len(g), len(w))
			}
		})
	}
}

// TestFailedRows checks that a failed system's row has as many cells as its
// table's header.
func TestFailedRows(t *testing.T) {
	failed := []*results.Entry{{System: &results.System{Name: "x"}, Result: &results.LoadResult{}, Err: "boom"}}
	r := &results.Run{Env: &results.Env{}, Fanout: map[int][]*results.Entry{1000: failed}, FanoutGoroutines: map[int][]*results.Entry{1000: failed},
		Echo: failed, Storm: failed, Ceiling: failed}
	var b strings.Builder
	if err := write(&b, r, ""); err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	for _, s := range strings.Split(b.String(), "\n## ")[1:] {
		title, body, _ := strings.Cut(s, "\n")
		sections[title] = body
	}
	for _, title := range []string{"Fanout, N = 1,000 subscribers", "Fanout, goroutine-per-client load, N = 1,000 subscribers", "Handler throughput", "Connect storm",
		"Connection ceiling of one process, N = 19,000"} {
		lines := strings.Split(sections[title], "\n")
		header := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "| system |") })
		row := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "| x | failed: boom |") })
		if header < 0 || row < 0 {
			t.Fatalf("%s: no header or no failed row in\n%s", title, b.String())
		}
		if h, r := strings.Count(lines[header], "|"), strings.Count(lines[row], "|"); h != r {
			t.Errorf("%s: header has %d pipes, the failed row %d", title, h, r)
		}
	}
}

// TestKeepsSoakSection checks that a new report keeps the section `just
// soak` wrote into the old one, and only that of the old report.
func TestKeepsSoakSection(t *testing.T) {
	out := filepath.Join(t.TempDir(), "RESULTS.md")
	const soak = "<!-- soak -->\n## Soak\n\npass\n<!-- /soak -->\n"
	if err := os.WriteFile(out, []byte("# an old report\n\n"+soak+"\nold tail\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Rewrite(filepath.Join("testdata", "minimal.json"), "testdata/no-analysis.md", out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "minimal.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want)+"\n"+soak {
		t.Fatalf("the new report does not end with the old soak section:\n%s", got)
	}
}
