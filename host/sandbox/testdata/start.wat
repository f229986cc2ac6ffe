;; start has a start section: it cannot be snapshotted (its start function
;; would run again on restored state), so it initializes on every run.
(module
  (import "wasmio_v1" "emit" (func $emit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 0) "n[0]")
  (func $start (global.set $n (i32.add (global.get $n) (i32.const 1))))
  (start $start)
  (func (export "_initialize") (global.set $n (i32.add (global.get $n) (i32.const 1))))
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    ;; emits "n" with [N], N = start + _initialize runs in this instance (2)
    (i32.store8 (i32.const 2) (i32.add (i32.const 48) (global.get $n)))
    (drop (call $emit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                      (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 3)))
    (i32.const 0)))
