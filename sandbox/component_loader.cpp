#include "sandbox/component_loader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "component/component_parser.h"
#include "engine/artifact_cache.h"
#include "engine/sha256.h"
#include "sandbox/artifact_file.h"

namespace sluice::sandbox {
namespace {

std::vector<engine::ModuleBytes> module_spans(const component::Component& c,
                                              const std::vector<uint8_t>& bytes) {
  std::vector<engine::ModuleBytes> spans;
  spans.reserve(c.all_modules.size());
  for (const component::EmbeddedModule& m : c.all_modules) {
    spans.emplace_back(bytes.data() + m.offset, m.size);
  }
  return spans;
}

void write_file_atomically(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw std::runtime_error("cannot read " + path.string() + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  // One read of the whole file: components are megabytes (a JS agent is 12 MB).
  std::streamoff size = in.tellg();
  if (size < 0) throw std::runtime_error("cannot read " + path.string() + ": not a regular file");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  }
  return bytes;
}

LoadedComponent load_component(const std::filesystem::path& path, const ComponentLoadOptions& options) {
  std::vector<uint8_t> file = read_file_bytes(path);
  LoadedComponent loaded;
  std::filesystem::path shared_object;
  engine::ArtifactCache cache(engine::default_cache_dir());

  if (is_artifact_file(file)) {
    ArtifactFile artifact = decode_artifact_file(file);
    loaded.bytes = std::move(artifact.component);
    loaded.component = component::parse_component(loaded.bytes);
    // dlopen needs a file: keep the shared object in the cache under its content hash.
    shared_object = cache.dir() / ("sluice-file-" + engine::Sha256().update(artifact.shared_object).hex_digest() + ".so");
    if (!std::filesystem::exists(shared_object)) write_file_atomically(shared_object, artifact.shared_object);
  } else {
    loaded.bytes = std::move(file);
    loaded.component = component::parse_component(loaded.bytes);
    auto spans = module_spans(*loaded.component, loaded.bytes);
    shared_object = cache.ensure_compiled(spans, options.engine, options.progress);
  }

  auto spans = module_spans(*loaded.component, loaded.bytes);
  std::vector<engine::CoreModule> parsed = engine::parse_modules(spans);
  engine::LoadOptions load;
  load.expected_modules_sha256 = engine::modules_digest(spans);
  loaded.artifact = std::make_unique<engine::LoadedArtifact>(
      engine::LoadedArtifact::open(shared_object, parsed, load));
  return loaded;
}

std::vector<uint8_t> compile_artifact_file(const std::filesystem::path& input,
                                           const ComponentLoadOptions& options) {
  std::vector<uint8_t> bytes = read_file_bytes(input);
  auto component = component::parse_component(bytes);
  auto spans = module_spans(*component, bytes);
  engine::ArtifactCache cache(engine::default_cache_dir());
  std::filesystem::path shared_object = cache.ensure_compiled(spans, options.engine, options.progress);
  return encode_artifact_file(bytes, read_file_bytes(shared_object));
}

}  // namespace sluice::sandbox
