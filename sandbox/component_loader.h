// From a file on disk to something runnable: parse the component, find its core modules, get
// the compiled artifact (from a .sluice file, the cache, or a fresh compile) and load it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "component/component_model.h"
#include "engine/artifact_loader.h"
#include "engine/compile_pipeline.h"

namespace sluice::sandbox {

struct LoadedComponent {
  std::vector<uint8_t> bytes;  // the component binary; the parsed model points into it
  std::shared_ptr<const component::Component> component;
  std::unique_ptr<engine::LoadedArtifact> artifact;
};

struct ComponentLoadOptions {
  engine::EngineOptions engine;
  engine::ProgressCallback progress;
};

// Reads `path`: a component (.wasm, compiled on demand through the cache) or a .sluice artifact
// file. Throws component::ParseError, engine::EngineError, ArtifactFileError or
// std::runtime_error (unreadable file) with a message naming what is wrong.
LoadedComponent load_component(const std::filesystem::path& path, const ComponentLoadOptions& options);

// `sluice compile`: parses and compiles `input`, and returns the .sluice file's bytes.
std::vector<uint8_t> compile_artifact_file(const std::filesystem::path& input,
                                           const ComponentLoadOptions& options);

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

}  // namespace sluice::sandbox
