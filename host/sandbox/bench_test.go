package sandbox_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/wasmio/wasmio/host/sandbox"
	"github.com/wasmio/wasmio/internal/guestbuild"
	"github.com/wasmio/wasmio/internal/testing/buildtest"
	"github.com/wasmio/wasmio/internal/testing/wat"
)

// BenchmarkRun measures one event of each module through the sandbox: in
// an instance reset after the previous event ("reset": wasmio_handle, then
// the reset), and in a new instance each time ("new": instantiate from the
// snapshot, wasmio_handle, close). The minimal modules do nothing: they
// measure the sandbox itself. The echo modules read the arguments, emit
// and ack them through an SDK.
func BenchmarkRun(b *testing.B) {
	modules := []struct {
		name string
		wasm func(b *testing.B) []byte
	}{
		{"minimal-rust", func(b *testing.B) []byte {
			return buildtest.Build(b, guestbuild.Rust, "testdata/minimal/rust")
		}},
		{"minimal-tinygo", func(b *testing.B) []byte {
			return buildtest.Build(b, guestbuild.TinyGo, "testdata/minimal/go")
		}},
		{"minimal-go", func(b *testing.B) []byte { return buildtest.Build(b, guestbuild.Go, "testdata/minimal/go") }},
		{"wat", func(b *testing.B) []byte { return wat.Build(b, filepath.Join("testdata", "echo.wat")) }},
		{"rust", func(b *testing.B) []byte {
			return buildtest.Build(b, guestbuild.Rust, "../../guest-sdk/rust/testdata/echo")
		}},
		{"tinygo", func(b *testing.B) []byte {
			return buildtest.Build(b, guestbuild.TinyGo, "../../guest-sdk/go/testdata/echo")
		}},
		{"go", func(b *testing.B) []byte {
			return buildtest.Build(b, guestbuild.Go, "../../guest-sdk/go/testdata/echo")
		}},
	}
	for _, mod := range modules {
		for _, reuse := range []bool{true, false} {
			b.Run(mod.name+map[bool]string{true: "/reset", false: "/new"}[reuse], func(b *testing.B) {
				sandbox.ReuseInstances(b, reuse)
				ctx := context.Background()
				rt, err := sandbox.NewRuntime(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer rt.Close(ctx)
				wasm := mod.wasm(b)
				m, err := rt.Compile(ctx, mod.name, wasm)
				if err != nil {
					b.Fatal(err)
				}
				ev := &sandbox.Event{Name: "hello", Namespace: "/", SocketID: "s", Args: []byte(`["hi",{"n":1}]`), WantsAck: true}
				b.ReportAllocs()
				b.ResetTimer()
				before := usage(b)
				for i := 0; i < b.N; i++ {
					if _, err := m.Run(ctx, ev, nil); err != nil {
						b.Fatal(err)
					}
				}
				after := usage(b)
				b.ReportMetric(float64(len(wasm)), "wasm-bytes")
				b.ReportMetric(float64(after.cpu-before.cpu)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(after.faults-before.faults)/float64(b.N), "faults/op")
			})
		}
	}
}

// BenchmarkDeadlineCost measures what interrupting runaway loops costs: the
// runtime's WithCloseOnContextDone(true) adds a check to every loop
// iteration (the sandbox always enables it; wazero issue 2466 reports up to
// 45x on tight loops). Reported per loop iteration.
func BenchmarkDeadlineCost(b *testing.B) {
	wasm := wat.Build(b, filepath.Join("testdata", "spin.wat"))
	const n = 10_000_000
	for _, checks := range []bool{false, true} {
		b.Run(map[bool]string{false: "unchecked", true: "checked"}[checks], func(b *testing.B) {
			ctx := context.Background()
			rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(checks))
			defer rt.Close(ctx)
			mod, err := rt.Instantiate(ctx, wasm)
			if err != nil {
				b.Fatal(err)
			}
			spin := mod.ExportedFunction("spin")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := spin.Call(ctx, n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/iteration")
		})
	}
}
