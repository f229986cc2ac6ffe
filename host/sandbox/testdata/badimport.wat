;; badimport wants a socket: handlers get no network.
(module
  (import "env" "connect" (func (param i32) (result i32)))
  (import "wasmio_v1" "emit" (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmio_abi_version") (result i32) (i32.const 1)))
