//go:build !wasm && !tinygo.wasm

package wasmio

import "testing"

// TestNativeBuildHasNoHost checks that a handler run natively fails at its
// first host call, saying how to test it instead.
func TestNativeBuildHasNoHost(t *testing.T) {
	defer func() {
		if p := recover(); p != errNoHost {
			t.Errorf("got panic %v, want %v", p, errNoHost)
		}
	}()
	(&Socket{r: &run{}}).ID()
	t.Error("Socket.ID returned without a host")
}
