module github.com/wasmio/wasmio/bench/handlers/go

go 1.24

require github.com/wasmio/wasmio/guest-sdk/go v0.0.0

replace github.com/wasmio/wasmio/guest-sdk/go => ../../../guest-sdk/go
