;; version2 was built for an ABI this host does not speak.
(module
  (memory (export "memory") 1)
  (func (export "wasmio_abi_version") (result i32) (i32.const 2))
  (func (export "wasmio_handle") (result i32) (i32.const 0)))
