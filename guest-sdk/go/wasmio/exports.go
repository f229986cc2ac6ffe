//go:build wasm || tinygo.wasm

package wasmio

// wasmioABIVersion is the module's wasmio_abi_version export.
//
//go:wasmexport wasmio_abi_version
func wasmioABIVersion() int32 { return abiVersion }

// wasmioHandle is the module's wasmio_handle export: it runs the handler
// registered for the current event (see handle).
//
//go:wasmexport wasmio_handle
func wasmioHandle() int32 { return handle() }
