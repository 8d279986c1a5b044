// Loads a compiled artifact (dlopen), checks it against the component's core modules and calls
// its init once. The executable must export the runtime's wasm_rt_* and sluice_rt_* symbols
// (ENABLE_EXPORTS) and wasm_rt_init() must have run (the generated init asserts it).
#ifndef SLUICE_ENGINE_ARTIFACT_LOADER_H_
#define SLUICE_ENGINE_ARTIFACT_LOADER_H_

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/artifact_abi.h"
#include "engine/core_module.h"

namespace sluice::engine {

// Besides SLUICE_ARTIFACT_SYMBOL every artifact exports this NUL-terminated "key=value\n" text:
// format, key (cache key), modules_sha256, sluice_version, pipeline, wasm2c, opt_level,
// interrupt_checks (1/0), memcheck (signal). Not part of artifact_abi.h: only the loader reads it.
inline constexpr const char kArtifactInfoSymbol[] = "sluice_artifact_info";

struct LoadOptions {
  // If set, the artifact must have been built from exactly these module bytes
  // (modules_digest()): refuses a stale .so whose interface happens to match.
  std::optional<std::string> expected_modules_sha256;
  // Refuse an artifact compiled without interrupt checks (deadlines could not stop its guests).
  bool require_interrupt_checks = true;
};

class LoadedArtifact {
 public:
  // Throws ArtifactLoadError if the file cannot be loaded, is not a sluice artifact, has another
  // ABI version, or its modules, imports and exports differ from `expected` (the parsed core
  // modules of the component) or from `options`.
  static LoadedArtifact open(const std::filesystem::path& path,
                             const std::vector<CoreModule>& expected,
                             const LoadOptions& options = {});

  LoadedArtifact(LoadedArtifact&& other) noexcept;
  LoadedArtifact& operator=(LoadedArtifact&& other) noexcept;
  LoadedArtifact(const LoadedArtifact&) = delete;
  LoadedArtifact& operator=(const LoadedArtifact&) = delete;
  ~LoadedArtifact();  // dlclose (instances of the artifact must be freed before)

  const sluice_artifact_desc& desc() const { return *desc_; }
  const sluice_module_desc& module(uint32_t k) const { return desc_->modules[k]; }
  uint32_t num_modules() const { return desc_->num_modules; }
  const std::filesystem::path& path() const { return path_; }
  // The artifact's build description (key, modules_sha256, opt_level, interrupt_checks, ...).
  const std::map<std::string, std::string>& info() const { return info_; }

 private:
  LoadedArtifact() = default;
  void release();

  void* handle_ = nullptr;
  const sluice_artifact_desc* desc_ = nullptr;
  std::filesystem::path path_;
  std::map<std::string, std::string> info_;
};

// Checks a filled import context for module `desc` before instantiation: self pointer, a
// binding for every function import, a non-null extern for every other import. Throws
// EngineError naming the first missing import.
void check_import_ctx(const sluice_module_desc& desc, const sluice_import_ctx& ctx);

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_ARTIFACT_LOADER_H_
