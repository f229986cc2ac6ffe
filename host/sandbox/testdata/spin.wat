;; spin runs a tight loop of n iterations: the worst case for the checks
;; that let a deadline interrupt a loop.
(module
  (func (export "spin") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.ne (local.get $n) (i32.const 0))))
    (local.get $acc)))
