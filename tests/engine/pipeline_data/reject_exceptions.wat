(module (tag $t) (func (throw $t)))
