;; oob asks the host to write past the end of its memory: a broken contract.
(module
  (import "wasmio_v1" "event_get" (func $event_get (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (drop (call $event_get (i32.const 4) (i32.const 65530) (i32.const 100)))
    (i32.const 0)))
