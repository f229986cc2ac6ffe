;; membomb grows its memory a page at a time until the host refuses, then
;; emits "pages" with [memory.size in pages].
(module
  (import "wasmio_v1" "emit" (func $emit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "pages")
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func $itoa (param $v i32) (param $at i32) (result i32)
    ;; writes [v] at $at, returns its length (v < 100000)
    (local $len i32) (local $d i32) (local $div i32)
    (i32.store8 (local.get $at) (i32.const 91))
    (local.set $len (i32.const 1))
    (local.set $div (i32.const 10000))
    (loop $digits
      (local.set $d (i32.div_u (local.get $v) (local.get $div)))
      (if (i32.or (i32.gt_u (local.get $d) (i32.const 0)) (i32.gt_u (local.get $len) (i32.const 1)))
        (then
          (i32.store8 (i32.add (local.get $at) (local.get $len)) (i32.add (i32.const 48) (local.get $d)))
          (local.set $len (i32.add (local.get $len) (i32.const 1)))))
      (local.set $v (i32.rem_u (local.get $v) (local.get $div)))
      (local.set $div (i32.div_u (local.get $div) (i32.const 10)))
      (br_if $digits (i32.gt_u (local.get $div) (i32.const 1))))
    (i32.store8 (i32.add (local.get $at) (local.get $len)) (i32.add (i32.const 48) (local.get $v)))
    (i32.store8 (i32.add (local.get $at) (i32.add (local.get $len) (i32.const 1))) (i32.const 93))
    (i32.add (local.get $len) (i32.const 2)))
  (func (export "wasmio_handle") (result i32)
    (local $n i32)
    (block $full
      (loop $grow
        (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $grow)))
    (local.set $n (call $itoa (memory.size) (i32.const 64)))
    (drop (call $emit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                      (i32.const 0) (i32.const 5) (i32.const 64) (local.get $n)))
    (i32.const 0)))
