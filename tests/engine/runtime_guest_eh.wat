;; Exceptions for runtime_wasm_test.cpp (wasm2c --enable-exceptions).
(module
  (tag $e (param i32))
  ;; Same signature as runtime_guest.wat's $unary, registered in a different order: storing
  ;; $double in the other module's table checks that type ids agree across modules.
  (table (export "tab") 1 funcref)
  (elem (i32.const 0) $double)
  (func $double (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func (export "catch_own") (param i32) (result i32)
    (try (result i32)
      (do local.get 0 throw $e)
      (catch $e i32.const 1 i32.add)))
  (func (export "uncaught") (param i32) local.get 0 throw $e)
  ;; A trap is not an exception: catch_all must not see it.
  (func (export "trap_in_try") (result i32)
    (try (result i32)
      (do unreachable)
      (catch_all i32.const 42)))
)
