;; busy keeps a socket's mailbox full: "slow" loops until the run's
;; timeout, "bye" spins a while (so that events queue behind it) and then
;; disconnects its socket, and $disconnect counts its runs per reason as
;; disconnects.wat does. Every other event does nothing.
(module
  (import "wasmio_v1" "event_get" (func $event_get (param i32 i32 i32) (result i32)))
  (import "wasmio_v1" "kv_incr" (func $kv_incr (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasmio_v1" "disconnect" (func $disconnect (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $n i32)
    (local $i i32)
    ;; the event name's length tells the events apart
    (local.set $n (call $event_get (i32.const 1) (i32.const 64) (i32.const 64)))
    (if (i32.eq (local.get $n) (i32.const 4)) ;; slow
      (then (loop $forever (br $forever))))
    (if (i32.eq (local.get $n) (i32.const 3)) ;; bye
      (then
        (loop $spin
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $spin (i32.lt_u (local.get $i) (i32.const 10000000))))
        (drop (call $disconnect (i32.const 0)))
        (return (i32.const 0))))
    (if (i32.ne (local.get $n) (i32.const 11)) ;; $disconnect
      (then (return (i32.const 0))))
    (local.set $n (call $event_get (i32.const 4) (i32.const 1024) (i32.const 1024)))
    (drop (call $kv_incr (i32.const 0) (i32.const 1024) (local.get $n) (i64.const 1) (i32.const 128)))
    (i32.const 0)))
