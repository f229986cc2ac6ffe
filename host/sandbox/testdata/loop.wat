;; loop never returns: the deadline must interrupt it.
(module
  (memory (export "memory") 1)
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
