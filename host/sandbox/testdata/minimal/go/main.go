// Command minimal is the smallest handler a Go toolchain makes: it exports
// the ABI's two functions and does nothing, so that running it measures the
// cost of a fresh instance itself.
package main

//go:wasmexport wasmio_abi_version
func version() int32 { return 1 }

//go:wasmexport wasmio_handle
func handle() int32 { return 0 }

func main() {}
