;; disconnects counts the $disconnect runs per reason: each increments the
;; namespace key named by the event's arguments, like ["transport close"].
;; Every other event does nothing.
(module
  (import "wasmio_v1" "event_get" (func $event_get (param i32 i32 i32) (result i32)))
  (import "wasmio_v1" "kv_incr" (func $kv_incr (param i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "$disconnect")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $n i32)
    ;; the event name at 64; "$disconnect" is the only 11-byte name starting
    ;; with "$d" (client events named so are dropped by the host)
    (local.set $n (call $event_get (i32.const 1) (i32.const 64) (i32.const 64)))
    (if (i32.or (i32.ne (local.get $n) (i32.const 11))
                (i32.ne (i32.load16_u (i32.const 64)) (i32.load16_u (i32.const 0))))
      (then (return (i32.const 0))))
    ;; the arguments at 1024 name the key
    (local.set $n (call $event_get (i32.const 4) (i32.const 1024) (i32.const 1024)))
    (drop (call $kv_incr (i32.const 0) (i32.const 1024) (local.get $n) (i64.const 1) (i32.const 128)))
    (i32.const 0)))
