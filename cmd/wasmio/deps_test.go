package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoTestingInBinary checks that the binary links no test code: test
// harnesses live under internal/testing, which nothing the binary imports
// may import.
func TestNoTestingInBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "testing" || strings.Contains(pkg, "/internal/testing/") || strings.HasSuffix(pkg, "/wasmiotest") {
			t.Errorf("the wasmio binary imports %s", pkg)
		}
	}
}
