;; storm emits forever: the emit limit must stop it.
(module
  (import "wasmio_v1" "emit" (func $emit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "spam")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (loop $again
      (drop (call $emit (i32.const 2) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                        (i32.const 0) (i32.const 4) (i32.const 0) (i32.const 0)))
      (br $again))
    (i32.const 0)))
