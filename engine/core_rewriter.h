// Rewrites a core module before wasm2c sees it, without changing any index:
//   - every import of module k gets module name sluice_i<k> and field name f<j> (j = import
//     position), so each translated module takes exactly one import-context pointer and two
//     modules importing the same (module, field) with different signatures no longer collide on
//     one C symbol;
//   - every export e is renamed x<e>: wasm2c 1.0.32 copies export names verbatim into C comments
//     (an export named "*/ code /*" injects C into the artifact) and derives internal C names
//     from them; after renaming, no byte of any name reaches the generated C;
//   - custom sections are dropped (the name section of the preview1 adapter is stale and makes
//     wasm2c stop; no other custom section matters to translation).
// The original names stay in the CoreModule and end up in the artifact's descriptors.
#ifndef SLUICE_ENGINE_CORE_REWRITER_H_
#define SLUICE_ENGINE_CORE_REWRITER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "engine/core_module.h"

namespace sluice::engine {

// `module` must be parse_core_module(bytes).
std::vector<uint8_t> rewrite_for_translation(std::span<const uint8_t> bytes,
                                             const CoreModule& module, uint32_t module_index);

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_CORE_REWRITER_H_
