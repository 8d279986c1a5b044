(module (memory 1) (func (result i32) (i32.atomic.load (i32.const 0))))
