// libFuzzer target for the core module reader and the import/export rewriter: any input must
// parse or throw ModuleError (UnsupportedFeatureError included), and whatever parses must
// rewrite into a module that parses again with the same shape.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/core_module.h"
#include "engine/core_rewriter.h"

using namespace sluice::engine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  CoreModule module;
  try {
    module = parse_core_module(bytes);
  } catch (const ModuleError&) {
    return 0;
  }
  std::vector<uint8_t> rewritten = rewrite_for_translation(bytes, module, 3);
  CoreModule again = parse_core_module(rewritten);  // must not throw: the rewrite keeps validity
  if (again.imports.size() != module.imports.size() || again.exports.size() != module.exports.size() ||
      again.functions.size() != module.functions.size()) {
    __builtin_trap();
  }
  return 0;
}
