;; emitack makes a fixed series of emit_ack calls, valid and not, then
;; emits "codes" with one attachment: their 13 results as little-endian
;; i32s, in call order. Every call emits the event "q" to this socket.
;;
;;  0 tag "t", timeout 0 (the default), args [1]
;;  1 timeout 1 ms, no args
;;  2 timeout 600000 ms (the longest)
;;  3 timeout 600001 ms                      ERR_INVALID
;;  4 timeout -1                             ERR_INVALID
;;  5 a tag of 1025 bytes                    ERR_TOO_LARGE
;;  6 a tag of 1024 bytes (NULs)
;;  7 a tag that is not UTF-8                ERR_INVALID
;;  8 the event "connect"                    ERR_INVALID
;;  9 an empty event                         ERR_INVALID
;; 10 the args {}                            ERR_INVALID
;; 11 attachment "x" staged, timeout -1      ERR_INVALID (drops "x")
;; 12 attachment "b" staged, empty tag       (carries "b")
(module
  (import "wasmio_v1" "emit_ack" (func $emit_ack (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "attach" (func $attach (param i32 i32) (result i32)))
  (import "wasmio_v1" "emit" (func $emit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "t")
  (data (i32.const 8) "q")
  (data (i32.const 16) "[1]")
  (data (i32.const 24) "connect")
  (data (i32.const 32) "{}")
  (data (i32.const 40) "\ff")
  (data (i32.const 48) "x")
  (data (i32.const 56) "b")
  (data (i32.const 64) "codes")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  ;; $ea calls emit_ack and stores its result as result number $i.
  (func $ea (param $i i32) (param $tag i32) (param $tag_len i32) (param $timeout i32)
            (param $ev i32) (param $ev_len i32) (param $args i32) (param $args_len i32)
    (i32.store (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 4)))
      (call $emit_ack (local.get $tag) (local.get $tag_len) (local.get $timeout)
                      (local.get $ev) (local.get $ev_len) (local.get $args) (local.get $args_len))))
  (func (export "wasmio_handle") (result i32)
    (call $ea (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 16) (i32.const 3))
    (call $ea (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 600000) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 3) (i32.const 0) (i32.const 1) (i32.const 600001) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 4) (i32.const 0) (i32.const 1) (i32.const -1) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 5) (i32.const 2048) (i32.const 1025) (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 6) (i32.const 2048) (i32.const 1024) (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 7) (i32.const 40) (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 8) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 24) (i32.const 7) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 9) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $ea (i32.const 10) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 32) (i32.const 2))
    (drop (call $attach (i32.const 48) (i32.const 1)))
    (call $ea (i32.const 11) (i32.const 0) (i32.const 1) (i32.const -1) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (drop (call $attach (i32.const 56) (i32.const 1)))
    (call $ea (i32.const 12) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 0))
    (drop (call $attach (i32.const 1024) (i32.const 52)))
    (drop (call $emit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                      (i32.const 64) (i32.const 5) (i32.const 0) (i32.const 0)))
    (i32.const 0)))
