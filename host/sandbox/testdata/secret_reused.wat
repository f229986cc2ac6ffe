;; secret_reused is secret.wat for instances that serve one event after
;; another: its events do not grow the memory, so the sandbox keeps their
;; instance and resets it. _initialize grows the memory to 4 pages, fills
;; pages 1-3 with 0x11 and sets $g to 0x11. wasmio_handle scans every
;; 8-byte word of the memory and $g for the secret (0xa5 bytes), then
;; fills all of the memory but the event name at 0 and $g with it. It
;; emits "found" with [P,F]: P the pages it started with, F 1 if the
;; secret was anywhere, else 0.
(module
  (import "wasmio_v1" "emit" (func $emit (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $g (mut i64) (i64.const 0))
  (data (i32.const 0) "found")
  (func (export "_initialize")
    (drop (memory.grow (i32.const 2)))
    (memory.fill (i32.const 65536) (i32.const 0x11) (i32.const 196608))
    (global.set $g (i64.const 0x1111111111111111)))
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (local $p i32) (local $end i32) (local $found i32) (local $pages i32)
    (local.set $pages (memory.size))
    (local.set $end (i32.mul (local.get $pages) (i32.const 65536)))
    (local.set $found (i64.eq (global.get $g) (i64.const 0xa5a5a5a5a5a5a5a5)))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (if (i64.eq (i64.load (local.get $p)) (i64.const 0xa5a5a5a5a5a5a5a5))
          (then (local.set $found (i32.const 1)) (br $done)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $scan)))
    (memory.fill (i32.const 8) (i32.const 0xa5) (i32.sub (local.get $end) (i32.const 8)))
    (global.set $g (i64.const 0xa5a5a5a5a5a5a5a5))
    ;; "[P,F]" at 8, over the secret
    (i32.store8 (i32.const 8) (i32.const 91))
    (i32.store8 (i32.const 9) (i32.add (i32.const 48) (local.get $pages)))
    (i32.store8 (i32.const 10) (i32.const 44))
    (i32.store8 (i32.const 11) (i32.add (i32.const 48) (local.get $found)))
    (i32.store8 (i32.const 12) (i32.const 93))
    (drop (call $emit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                      (i32.const 0) (i32.const 5) (i32.const 8) (i32.const 5)))
    (i32.const 0)))
