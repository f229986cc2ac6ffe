package sandbox_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/internal/wat"
)

// BenchmarkRun measures one event through a fresh instance of a module:
// instantiate, _initialize, wasmio_handle (reading args, emitting, acking), close.
func BenchmarkRun(b *testing.B) {
	ctx := context.Background()
	rt, err := sandbox.NewRuntime(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	m, err := rt.Compile(ctx, "echo", wat.Build(b, filepath.Join("testdata", "echo.wat")))
	if err != nil {
		b.Fatal(err)
	}
	ev := &sandbox.Event{Name: "hello", Namespace: "/", SocketID: "s", Args: []byte(`["hi",{"n":1}]`), WantsAck: true}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Run(ctx, ev, nil); err != nil {
			b.Fatal(err)
		}
	}
}
