;; kvbudget exercises every key-value call of the read and write budgets
;; in the namespace scope, and returns non-zero if a call answers
;; unexpectedly. Its totals:
;;
;;   writes: 100 puts of a 4-byte key and a 1 KiB value (102,800 bytes),
;;           kv_incr "n" to 1 (2), kv_cas "c" from absent to "v" (2),
;;           kv_delete of a 4-byte key (4): 102,808 bytes, 103 keys
;;   reads:  100 kv_gets of 1 KiB (102,400 bytes), one kv_list of them all
;;           with no buffer (100 x (4 + 4 + 4 + 1024) = 103,600): 206,000
(module
  (import "wasmio_v1" "kv_put" (func $put (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "kv_get" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "kv_list" (func $list (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "kv_incr" (func $incr (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasmio_v1" "kv_cas" (func $cas (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmio_v1" "kv_delete" (func $delete (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: the 4-byte key (the counter, little-endian); 64: kv_incr's out;
  ;; 1024: the value (1 KiB of zeros); 4096: kv_get's buffer
  (data (i32.const 16) "n")
  (data (i32.const 20) "c")
  (data (i32.const 24) "v")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $i i32)
    (loop $puts
      (i32.store (i32.const 0) (local.get $i))
      (if (call $put (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 1024) (i32.const 1024))
        (then (return (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $puts (i32.lt_u (local.get $i) (i32.const 100))))
    (local.set $i (i32.const 0))
    (loop $gets
      (i32.store (i32.const 0) (local.get $i))
      (if (i32.ne (call $get (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 4096) (i32.const 1024)) (i32.const 1024))
        (then (return (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $gets (i32.lt_u (local.get $i) (i32.const 100))))
    (if (i32.ne (call $list (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 103600))
      (then (return (i32.const 3))))
    (if (call $incr (i32.const 0) (i32.const 16) (i32.const 1) (i64.const 1) (i32.const 64))
      (then (return (i32.const 4))))
    (if (i32.ne (call $cas (i32.const 0) (i32.const 20) (i32.const 1) (i32.const 0) (i32.const -1) (i32.const 24) (i32.const 1)) (i32.const 1))
      (then (return (i32.const 5))))
    ;; the key at 0 is still 99
    (if (call $delete (i32.const 0) (i32.const 0) (i32.const 4))
      (then (return (i32.const 6))))
    (i32.const 0)))
