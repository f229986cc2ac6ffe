;; stdout writes each of the event's attachments to WASI stdout, one
;; fd_write of one buffer per attachment (at most 60,000 bytes each).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "attachment_get" (func $attachment_get (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; the iovec at 0 points at the attachment, copied to 1024; nwritten at 8
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $i i32) (local $n i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (block $done
      (loop $next
        (local.set $n (call $attachment_get (local.get $i) (i32.const 1024) (i32.const 60000)))
        (br_if $done (i32.lt_s (local.get $n) (i32.const 0)))
        (i32.store (i32.const 4) (local.get $n))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0)))
