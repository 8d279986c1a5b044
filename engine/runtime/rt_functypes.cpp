// The function-type registry: wasm_rt_register_func_type.
//
// call_indirect compares the caller's expected type id with the id stored in the funcref, and
// the funcref may come from another module (another artifact, even). So ids must be
// process-wide and equal for equal signatures, whichever module or thread registers first.
// Modules register their types once per module init, so a reader-writer lock (shared for the
// common "already known" case) is cheap enough and simple.
#include <cstdarg>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "rt_internal.h"
#include "sluice_rt.h"

namespace {

struct Registry {
  std::shared_mutex mutex;
  std::unordered_map<std::string, uint32_t> ids;  // encoded signature -> id
  uint32_t next_id = 1;  // 0 is the type of the null funcref: never a real signature
};

Registry& registry() {
  // Leaked on purpose: modules may still register types while static destructors run.
  static Registry* instance = new Registry;
  return *instance;
}

}  // namespace

extern "C" uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  try {
    // Key: both counts (so (i32)->() differs from ()->(i32)), then one byte per type.
    std::string key;
    key.reserve(8 + params + results);
    key.append(reinterpret_cast<const char*>(&params), sizeof params);
    key.append(reinterpret_cast<const char*>(&results), sizeof results);
    va_list args;
    va_start(args, results);
    for (uint32_t i = 0; i < params + results; ++i) {
      // Enums are promoted to int when passed through "...".
      key.push_back(static_cast<char>(va_arg(args, int)));
    }
    va_end(args);

    Registry& reg = registry();
    {
      std::shared_lock lock(reg.mutex);
      auto found = reg.ids.find(key);
      if (found != reg.ids.end()) return found->second;
    }
    std::unique_lock lock(reg.mutex);
    auto [it, inserted] = reg.ids.try_emplace(std::move(key), reg.next_id);
    if (inserted) ++reg.next_id;  // another thread may have inserted it between the locks
    return it->second;
  } catch (...) {
    // Called from generated C: nothing there can handle a C++ exception (only bad_alloc is
    // possible here).
    sluice_rt_fatal("out of memory registering a function type");
  }
}
