// Errors thrown by the compile pipeline (engine/).
#ifndef SLUICE_ENGINE_ENGINE_ERROR_H_
#define SLUICE_ENGINE_ENGINE_ERROR_H_

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace sluice::engine {

// Base class: every error of the compile pipeline and the artifact loader.
class EngineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A core module is malformed, exceeds a limit, or uses something the engine cannot run.
// offset() is the byte offset inside the module where the problem was found.
class ModuleError : public EngineError {
 public:
  ModuleError(const std::string& message, size_t offset)
      : EngineError(message), offset_(offset) {}
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

// The module is valid WebAssembly but uses a feature wasm2c 1.0.32 / sluice cannot run
// (SIMD, threads, exception handling, memory64, multi-memory, tail calls, GC, ...).
// feature() is a short name such as "SIMD" and is also part of what().
class UnsupportedFeatureError : public ModuleError {
 public:
  UnsupportedFeatureError(std::string feature, const std::string& message, size_t offset)
      : ModuleError(message, offset), feature_(std::move(feature)) {}
  const std::string& feature() const { return feature_; }

 private:
  std::string feature_;
};

// An external tool (wasm2c, the C compiler) failed or produced output we do not understand.
class ToolError : public EngineError {
 public:
  using EngineError::EngineError;
};

// A compiled artifact could not be loaded or does not match the component.
class ArtifactLoadError : public EngineError {
 public:
  using EngineError::EngineError;
};

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_ENGINE_ERROR_H_
