(module (type (struct)))
