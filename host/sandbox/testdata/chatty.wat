;; chatty logs 3,000 lines of 3 bytes: 1,000 times "out" to WASI stdout,
;; "err" to WASI stderr and "log" through the log import, in turn. That is
;; 3,000 host calls, one per fd_write buffer and one per log.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "out\n")
  (data (i32.const 8) "err\n")
  (data (i32.const 16) "log")
  ;; iovecs: stdout's line at 32, stderr's at 40; nwritten at 48
  (data (i32.const 32) "\00\00\00\00\04\00\00\00\08\00\00\00\04\00\00\00")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $i i32)
    (loop $lines
      (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48)))
      (drop (call $fd_write (i32.const 2) (i32.const 40) (i32.const 1) (i32.const 48)))
      (drop (call $log (i32.const 1) (i32.const 16) (i32.const 3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $lines (i32.lt_u (local.get $i) (i32.const 1000))))
    (i32.const 0)))
