// The compile pipeline: core modules of one component -> one shared object.
//   parse (core_module) -> rewrite names (core_rewriter) -> wasm2c + interrupt checks
//   (wasm2c_translator) -> glue (glue_generator) -> cc (c_compiler).
// Caching and loading are in artifact_cache.h and artifact_loader.h.
#ifndef SLUICE_ENGINE_COMPILE_PIPELINE_H_
#define SLUICE_ENGINE_COMPILE_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/c_compiler.h"
#include "engine/core_module.h"
#include "engine/wasm2c_translator.h"

namespace sluice::engine {

// One core module's bytes; modules are given in the component's depth-first order (module k).
using ModuleBytes = std::span<const uint8_t>;

struct EngineOptions {
  TranslateOptions translate;
  CCompilerOptions compile;
  // Keep the work directory (m<k>.wasm/.c/.h, glue.c, logs) instead of deleting it; its path is
  // reported through the progress callback. Not part of the cache key.
  bool keep_intermediates = false;
};

struct Progress {
  enum class Stage {
    kTranslating,  // current/total: core modules translated so far
    kCompiling,    // current/total: C files compiled so far
    kLinking,
    kWaiting,    // another process is compiling the same artifact
    kCacheHit,   // nothing to do
    kDone,       // artifact written
    kNote,       // informational (e.g. where intermediates were kept)
  };
  Stage stage;
  size_t current = 0;
  size_t total = 0;
  std::string message;  // one line, ready to print
};
using ProgressCallback = std::function<void(const Progress&)>;

// Version of what this pipeline generates; part of every cache key. Bump it whenever the
// rewriter, the interrupt transform, the glue or the compile flags change their output.
inline constexpr uint32_t kPipelineVersion = 1;

// sluice's version (CMake project version).
const char* sluice_version();

// The artifact_abi.h the engine was built with (written next to the glue when compiling).
const std::string& artifact_abi_header_text();

// Parses every module; errors are prefixed with "core module <k>: ".
std::vector<CoreModule> parse_modules(std::span<const ModuleBytes> modules);

// SHA-256 (hex) of the modules in order, each preceded by its length: identifies the code an
// artifact was built from (stored in the artifact and checked by the loader).
std::string modules_digest(std::span<const ModuleBytes> modules);

// Everything besides the module bytes that determines the artifact: sluice and pipeline
// versions, ABI, wasm2c version, compiler identity, flags, interrupt checks. Runs
// `wasm2c --version` and `cc --version` (memoized).
std::string build_configuration(const EngineOptions& options);

// SHA-256 (hex) of build_configuration + modules: the cache key.
std::string artifact_key(std::span<const ModuleBytes> modules, const EngineOptions& options);

// Runs the whole pipeline, writing intermediates to `work_dir` (must exist) and the shared
// object to `output`. `parsed` must be parse_modules(modules). `key` is recorded in the
// artifact's info. Throws ModuleError / ToolError / EngineError.
void build_artifact(std::span<const ModuleBytes> modules, const std::vector<CoreModule>& parsed,
                    const EngineOptions& options, const std::string& key,
                    const std::filesystem::path& work_dir, const std::filesystem::path& output,
                    const ProgressCallback& progress = {});

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_COMPILE_PIPELINE_H_
