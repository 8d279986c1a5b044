;; Export names that would inject C into wasm2c 1.0.32's output (it copies export names into C
;; comments verbatim) and names that need mangling. The rewriter must keep all of them out of the
;; generated C.
(module
  (func (export "x*/ int sluice_injected = 1; /*y") (result i32) (i32.const 1))
  (func (export "nl\0a  w2c_L9: \0a") (result i32) (i32.const 2))
  (func (export "wasi:cli/run@0.2.12#run") (result i32) (i32.const 3))
  (func (export "") (result i32) (i32.const 4))
  (func (export "Zed\"\\??=") (result i32) (i32.const 5))
  (func (export "caf\c3\a9") (result i32) (i32.const 6))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 7))
)
