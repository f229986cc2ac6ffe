;; asyncify has the export TinyGo's asyncify scheduler adds (its default for
;; wasip1): the sandbox serves it and advises -scheduler=none.
(module
  (memory (export "memory") 1)
  (global $state (mut i32) (i32.const 0))
  (func (export "asyncify_get_state") (result i32) (global.get $state))
  (func (export "wasmio_abi_version") (result i32) (i32.const 1))
  (func (export "wasmio_handle") (result i32) (i32.const 0)))
