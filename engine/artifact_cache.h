// Content-addressed cache of compiled artifacts, and `sluice compile -o`.
//
// Key: SHA-256 of (module bytes in order, sluice and pipeline versions, ABI, wasm2c version,
// compiler identity, compile flags, interrupt checks) — see artifact_key(). Location:
// $XDG_CACHE_HOME/sluice, else ~/.cache/sluice; artifacts are <dir>/<key>.so. Writes are atomic
// (compile into <dir>/tmp, then rename), and a per-key lock file makes a second process that
// wants the same artifact wait for the first instead of compiling it again.
#ifndef SLUICE_ENGINE_ARTIFACT_CACHE_H_
#define SLUICE_ENGINE_ARTIFACT_CACHE_H_

#include <filesystem>
#include <span>
#include <string>

#include "engine/compile_pipeline.h"

namespace sluice::engine {

// $XDG_CACHE_HOME/sluice (if set and absolute), else $HOME/.cache/sluice.
std::filesystem::path default_cache_dir();

class ArtifactCache {
 public:
  // Creates the directory (mode 0700) if needed. Refuses a directory owned by another user or
  // writable by group/others: a planted .so there would run inside sluice.
  explicit ArtifactCache(std::filesystem::path dir = default_cache_dir());

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path path_for_key(const std::string& key) const;

  // Path of the compiled artifact for these modules and options, compiling it first if the cache
  // does not have it (progress reports kCacheHit when it does).
  std::filesystem::path ensure_compiled(std::span<const ModuleBytes> modules,
                                        const EngineOptions& options,
                                        const ProgressCallback& progress = {});

  // Removes a cached artifact (e.g. one the loader refused).
  void evict(const std::string& key);

 private:
  std::filesystem::path dir_;
};

// Compiles the modules into `output` (atomically: a temporary file next to it, then rename).
void compile_to(std::span<const ModuleBytes> modules, const EngineOptions& options,
                const std::filesystem::path& output, const ProgressCallback& progress = {});

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_ARTIFACT_CACHE_H_
