;; Loops in every position wasm2c emits them: nested, inside if/else, br_table to a loop,
;; an empty loop (wasm2c elides it) and a loop with a result.
(module
  (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func (export "branchy") (param $x i32) (result i32)
    (if (result i32) (local.get $x)
      (then (loop $a (result i32)
        (local.set $x (i32.sub (local.get $x) (i32.const 1)))
        (br_if $a (local.get $x))
        (i32.const 10)))
      (else (i32.const 20))))
  (func (export "table") (param $x i32) (result i32)
    (block $done
      (loop $l
        (local.set $x (i32.sub (local.get $x) (i32.const 1)))
        (br_table $l $done (i32.eqz (local.get $x)))))
    (local.get $x))
  (func (export "empty") (loop))
  (func $helper (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "calls") (param i32) (result i32) (call $helper (local.get 0)))
)
