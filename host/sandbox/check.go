package sandbox

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmio/wasmio/abi"
)

// Check compiles wasm without running it and reports every way it breaks the
// ABI's shape, each with the fix; nil means it may be served. Compile
// additionally checks the version the module reports.
func Check(ctx context.Context, wasm []byte) error {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(api.CoreFeaturesV2))
	defer rt.Close(ctx)
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return fmt.Errorf("%w: not a valid WebAssembly module: %v", ErrModule, err)
	}
	if err := checkShape(compiled); err != nil {
		return fmt.Errorf("%w: %v", ErrModule, err)
	}
	return nil
}

var wasmioImports = func() map[string]abi.Import {
	m := make(map[string]abi.Import, len(abi.Imports))
	for _, im := range abi.Imports {
		m[im.Name] = im
	}
	return m
}()

func checkShape(c wazero.CompiledModule) error {
	var problems []string
	for _, f := range c.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch mod {
		case abi.Module:
			im, ok := wasmioImports[name]
			if !ok {
				problems = append(problems, fmt.Sprintf("imports %s.%s, which ABI v%d does not have: rebuild with the current SDK", mod, name, abi.Version))
				continue
			}
			if want := importTypes(im); !slices.Equal(f.ParamTypes(), want.params) || !slices.Equal(f.ResultTypes(), want.results) {
				problems = append(problems, fmt.Sprintf("imports %s.%s with signature %s, want %s: rebuild with the current SDK",
					mod, name, signature(f.ParamTypes(), f.ResultTypes()), signature(want.params, want.results)))
			}
		case abi.WASIModule:
		default:
			problems = append(problems, fmt.Sprintf("imports %s.%s: handlers may import only from %q and %q (no network, no filesystem); remove the dependency that needs it",
				mod, name, abi.Module, abi.WASIModule))
		}
	}
	for _, m := range c.ImportedMemories() {
		mod, name, _ := m.Import()
		problems = append(problems, fmt.Sprintf("imports memory %s.%s: a handler must define and export its own memory", mod, name))
	}
	exports := c.ExportedFunctions()
	for _, want := range []struct {
		name    string
		results []api.ValueType
		req     bool
	}{
		{abi.ExportVersion, []api.ValueType{api.ValueTypeI32}, true},
		{abi.ExportHandle, []api.ValueType{api.ValueTypeI32}, true},
		{abi.ExportInitialize, nil, false},
	} {
		f, ok := exports[want.name]
		switch {
		case !ok && want.req:
			problems = append(problems, fmt.Sprintf("does not export %s: build it with a wasmio SDK (Go: import the wasmio package; Rust: wasmio::export!)", want.name))
		case ok && (len(f.ParamTypes()) != 0 || !slices.Equal(f.ResultTypes(), want.results)):
			problems = append(problems, fmt.Sprintf("exports %s as %s, want %s", want.name, signature(f.ParamTypes(), f.ResultTypes()), signature(nil, want.results)))
		}
	}
	if _, ok := c.ExportedMemories()[abi.ExportMemory]; !ok {
		problems = append(problems, fmt.Sprintf("does not export its memory as %q", abi.ExportMemory))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

type funcType struct{ params, results []api.ValueType }

func valueType(k abi.Kind) api.ValueType {
	if k == abi.I64 {
		return api.ValueTypeI64
	}
	return api.ValueTypeI32
}

func importTypes(im abi.Import) funcType {
	var t funcType
	for _, p := range im.Params {
		t.params = append(t.params, valueType(p.Kind))
	}
	if im.Result != abi.None {
		t.results = []api.ValueType{valueType(im.Result)}
	}
	return t
}

func signature(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return strings.Join(s, ", ")
	}
	return "(" + names(params) + ") -> (" + names(results) + ")"
}
