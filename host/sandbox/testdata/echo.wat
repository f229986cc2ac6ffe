;; echo emits "echo" back to the sender with the event's arguments and
;; attachments, acks with them when asked, and joins "all"; on the event
;; "kv" it only increments the namespace counter "n" and acks [].
(module
  (import "wasmio_v1" "event_get" (func $event_get (param i32 i32 i32) (result i32)))
  (import "wasmio_v1" "attachment_get" (func $attachment_get (param i32 i32 i32) (result i32)))
  (import "wasmio_v1" "attach" (func $attach (param i32 i32) (result i32)))
  (import "wasmio_v1" "emit" (func $emit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "ack" (func $ack (param i32 i32) (result i32)))
  (import "wasmio_v1" "join" (func $join (param i32 i32) (result i32)))
  (import "wasmio_v1" "kv_incr" (func $kv_incr (param i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "echo")
  (data (i32.const 16) "all")
  (data (i32.const 32) "kv")
  (data (i32.const 48) "n")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $n i32) (local $name i32)
    (drop (call $join (i32.const 16) (i32.const 3)))
    ;; event name at 64
    (local.set $name (call $event_get (i32.const 1) (i32.const 64) (i32.const 64)))
    (if (i32.and (i32.eq (local.get $name) (i32.const 2))
                 (i32.eq (i32.load16_u (i32.const 64)) (i32.load16_u (i32.const 32))))
      (then
        (drop (call $kv_incr (i32.const 0) (i32.const 48) (i32.const 1) (i64.const 1) (i32.const 128)))
        (drop (call $ack (i32.const 0) (i32.const 0)))
        (return (i32.const 0))))
    ;; args at 1024 (up to 60000 bytes)
    (local.set $n (call $event_get (i32.const 4) (i32.const 1024) (i32.const 60000)))
    (call $stage)
    (drop (call $emit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                      (i32.const 0) (i32.const 4) (i32.const 1024) (local.get $n)))
    (call $stage)
    (drop (call $ack (i32.const 1024) (local.get $n)))
    (i32.const 0))
  ;; stage stages every attachment of the event, each copied through 65536:
  ;; an emit or ack consumes what is staged.
  (func $stage
    (local $i i32) (local $a i32)
    (block $done
      (loop $next
        (local.set $a (call $attachment_get (local.get $i) (i32.const 65536) (i32.const 65536)))
        (br_if $done (i32.lt_s (local.get $a) (i32.const 0)))
        (drop (call $attach (i32.const 65536) (local.get $a)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
