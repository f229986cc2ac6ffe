;; version answers every event with ["V", "<socket id>"], both as an emit of
;; "version" to the socket and as an ack when asked. V is one character that
;; tests may substitute to tell two builds of the module apart. The event
;; "slow" first logs "slow started", then calls clock_now, which a test's
;; clock can hold to keep the run going.
(module
  (import "wasmio_v1" "event_get" (func $event_get (param i32 i32 i32) (result i32)))
  (import "wasmio_v1" "emit" (func $emit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "ack" (func $ack (param i32 i32) (result i32)))
  (import "wasmio_v1" "log" (func $log (param i32 i32 i32) (result i32)))
  (import "wasmio_v1" "clock_now" (func $clock_now (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "slow")
  (data (i32.const 16) "slow started")
  (data (i32.const 32) "version")
  (data (i32.const 1024) "[\"V\",\"")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $len i32)
    ;; the event name, at 64
    (if (i32.and (i32.eq (call $event_get (i32.const 1) (i32.const 64) (i32.const 64)) (i32.const 4))
                 (i32.eq (i32.load (i32.const 64)) (i32.load (i32.const 0))))
      (then
        (drop (call $log (i32.const 1) (i32.const 16) (i32.const 12)))
        (drop (call $clock_now))))
    ;; ["V"," then the socket id, then "]
    (local.set $len (call $event_get (i32.const 3) (i32.const 1030) (i32.const 512)))
    (i32.store16 (i32.add (i32.const 1030) (local.get $len)) (i32.const 0x5d22))
    (local.set $len (i32.add (local.get $len) (i32.const 8)))
    (drop (call $emit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                      (i32.const 32) (i32.const 7) (i32.const 1024) (local.get $len)))
    ;; ERR_STATE when the client asked for no ack, which is fine
    (drop (call $ack (i32.const 1024) (local.get $len)))
    (i32.const 0)))
