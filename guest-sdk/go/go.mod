module github.com/wasmio/wasmio/guest-sdk/go

go 1.24
