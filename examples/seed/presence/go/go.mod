module presence

// TinyGo 0.39 refuses modules that need a newer Go.
go 1.24

require github.com/wasmio/wasmio/guest-sdk/go v0.0.0

replace github.com/wasmio/wasmio/guest-sdk/go => ../../../../guest-sdk/go
