;; fail joins a room, then returns 7: nothing may take effect.
(module
  (import "wasmio_v1" "join" (func $join (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "r")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (drop (call $join (i32.const 0) (i32.const 1)))
    (i32.const 7)))
