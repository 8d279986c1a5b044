// A light reader for embedded core modules: it reads only the type, import,
// function and export sections (plus the counts of tables, memories, globals
// and tags), enough to know a module's imports and exports with their
// signatures. Code is not read: the engine translates modules separately.
#pragma once

#include <vector>

#include "component/binary_reader.h"
#include "component/types.h"

namespace sluice::component {

// Reads a complete core module (from its magic number to its end).
CoreModuleType read_core_module_type(BinaryReader module);

// core:valtype.
CoreValType read_core_val_type(BinaryReader& r);

// core:importdesc (also used by export declarations of module types). Func
// descs refer to `types` (the enclosing type index space).
CoreExternType read_core_extern_desc(BinaryReader& r, const std::vector<CoreFuncType>& types);

// core:functype after its 0x60 tag.
CoreFuncType read_core_func_type_body(BinaryReader& r);

}  // namespace sluice::component
