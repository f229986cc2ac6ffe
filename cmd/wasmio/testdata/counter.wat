;; counter serves the crash, shutdown, descriptor and soak tests of
;; `wasmio serve`:
;;   "incr"        increments the namespace key "n" and acks [the new value]
;;   "get"         acks [the value of "n"] ([0] when absent)
;;   "slow"        loops until the run's timeout
;;   "pub"         broadcasts "tick" with its arguments to the other sockets
;;   "$disconnect" increments the namespace key named by its arguments, like
;;                 ["server shutting down"], and the one named by the socket's
;;                 id: the runs per reason and per socket
;; Every other event does nothing.
(module
  (import "wasmio_v1" "event_get" (func $event_get (param i32 i32 i32) (result i32)))
  (import "wasmio_v1" "emit" (func $emit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "ack" (func $ack (param i32 i32) (result i32)))
  (import "wasmio_v1" "kv_get" (func $kv_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "kv_incr" (func $kv_incr (param i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "incr")
  (data (i32.const 8) "get")
  (data (i32.const 16) "slow")
  (data (i32.const 24) "pub")
  (data (i32.const 32) "$disconnect")
  (data (i32.const 48) "n")
  (data (i32.const 56) "tick")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $name i32) (local $n i32) (local $v i64) (local $p i32)
    ;; the event name at 64
    (local.set $name (call $event_get (i32.const 1) (i32.const 64) (i32.const 64)))
    (if (call $is (local.get $name) (i32.const 0) (i32.const 4)) ;; incr
      (then
        (drop (call $kv_incr (i32.const 0) (i32.const 48) (i32.const 1) (i64.const 1) (i32.const 128)))
        ;; [value] written backwards from 320
        (local.set $v (i64.load (i32.const 128)))
        (local.set $p (i32.const 319))
        (i32.store8 (local.get $p) (i32.const 93)) ;; ]
        (loop $digit
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
          (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
          (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i32.store8 (local.get $p) (i32.const 91)) ;; [
        (drop (call $ack (local.get $p) (i32.sub (i32.const 320) (local.get $p))))
        (return (i32.const 0))))
    (if (call $is (local.get $name) (i32.const 8) (i32.const 3)) ;; get
      (then
        ;; [value] at 1024; the value is kv_incr's decimal text
        (local.set $n (call $kv_get (i32.const 0) (i32.const 48) (i32.const 1) (i32.const 1025) (i32.const 64)))
        (if (i32.lt_s (local.get $n) (i32.const 0))
          (then
            (i32.store8 (i32.const 1025) (i32.const 48)) ;; 0
            (local.set $n (i32.const 1))))
        (i32.store8 (i32.const 1024) (i32.const 91))
        (i32.store8 (i32.add (i32.const 1025) (local.get $n)) (i32.const 93))
        (drop (call $ack (i32.const 1024) (i32.add (local.get $n) (i32.const 2))))
        (return (i32.const 0))))
    (if (call $is (local.get $name) (i32.const 16) (i32.const 4)) ;; slow
      (then (loop $forever (br $forever))))
    ;; the arguments at 1024
    (local.set $n (call $event_get (i32.const 4) (i32.const 1024) (i32.const 60000)))
    (if (call $is (local.get $name) (i32.const 24) (i32.const 3)) ;; pub
      (then
        (drop (call $emit (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                          (i32.const 56) (i32.const 4) (i32.const 1024) (local.get $n)))
        (return (i32.const 0))))
    (if (call $is (local.get $name) (i32.const 32) (i32.const 11)) ;; $disconnect
      (then
        (drop (call $kv_incr (i32.const 0) (i32.const 1024) (local.get $n) (i64.const 1) (i32.const 128)))
        (local.set $n (call $event_get (i32.const 3) (i32.const 512) (i32.const 512)))
        (drop (call $kv_incr (i32.const 0) (i32.const 512) (local.get $n) (i64.const 1) (i32.const 128)))))
    (i32.const 0))
  ;; is tells whether the event name at 64, of length len, is the
  ;; string (ptr, want).
  (func $is (param $len i32) (param $ptr i32) (param $want i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $len) (local.get $want))
      (then (return (i32.const 0))))
    (block $equal
      (loop $next
        (br_if $equal (i32.ge_u (local.get $i) (local.get $len)))
        (if (i32.ne (i32.load8_u (i32.add (i32.const 64) (local.get $i)))
                    (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1)))
