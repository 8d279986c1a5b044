;; A small guest for runtime_wasm_test.cpp: exercises the runtime through real wasm2c output.
(module
  ;; The host's poll checks the interrupt flag, standing in for the check sluice injects at
  ;; loop headers.
  (import "env" "poll" (func $poll))
  (type $unary (func (param i32) (result i32)))
  (type $binary (func (param i32 i32) (result i32)))
  (memory (export "mem") 1 4)
  (table $tab (export "tab") 4 funcref)
  (elem (i32.const 0) $inc $add)
  (func $inc (type $unary) local.get 0 i32.const 1 i32.add)
  (func $add (type $binary) local.get 0 local.get 1 i32.add)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "load_far") (param i32) (result i64) local.get 0 i64.load offset=4294967295)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  (func (export "fill") (param i32 i32) local.get 0 i32.const 7 local.get 1 memory.fill)
  ;; Infinite recursion. The load after the call keeps the C compiler from turning it into a
  ;; loop (it would for "rec(n + 1) + 1").
  (func $rec (export "rec") (param i32) (result i32)
    (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.load (i32.const 0))))
  (func (export "call_unary") (param i32 i32) (result i32)
    local.get 1 local.get 0 call_indirect (type $unary))
  (func (export "spin") (loop $l call $poll br $l))
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "trap") unreachable)
)
