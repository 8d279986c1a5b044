;; Full-pipeline test module: function imports, a memory, a global and function exports.
(module
  (import "host" "add" (func $add (param i32 i64) (result i64)))
  (import "host" "log" (func $log (param f32 f64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (global $counter (export "counter") (mut i32) (i32.const 7))
  ;; acc = add(x, acc) three times: 3x when add adds; log(1.5, -2.25); counter += 1.
  (func (export "compute") (param $x i32) (result i64)
    (local $i i32) (local $acc i64)
    (loop $l
      (local.set $acc (call $add (local.get $x) (local.get $acc)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (call $log (f32.const 1.5) (f64.const -2.25))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (local.get $acc))
  (func (export "spin") (loop $forever (br $forever)))
  (func (export "pair") (param f64) (result f64 i32) (local.get 0) (i32.const 42))
  (func (export "wasi:cli/run@0.2.12#run") (result i32) (i32.load8_u (i32.const 16)))
)
