// Helpers shared by the pipeline_* and core_module_* tests.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::pipeline_test {

inline std::filesystem::path data_dir() { return PIPELINE_DATA_DIR; }  // built test modules
inline std::filesystem::path source_dir() { return PIPELINE_SOURCE_DIR; }

inline std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string read_text(const std::filesystem::path& path) {
  auto b = read_file(path);
  return std::string(b.begin(), b.end());
}

inline std::vector<uint8_t> data_module(const std::string& name) {
  return read_file(data_dir() / name);
}

inline size_t count_occurrences(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

// A fresh directory under $TMPDIR, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "sluice-pipeline-test-XXXXXX").string();
    if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
    path_ = t;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Test-only stand-in for the component parser: the core modules of a component binary in
// depth-first order (core module sections, id 1, and nested components, id 4, recursively).
inline void scan_component(const uint8_t* p, size_t size, std::vector<std::vector<uint8_t>>& out) {
  if (size < 8 || p[0] != 0 || p[1] != 'a' || p[2] != 's' || p[3] != 'm' || p[4] != 0x0d)
    throw std::runtime_error("not a component");
  size_t i = 8;
  while (i < size) {
    uint8_t id = p[i++];
    uint64_t len = 0;
    unsigned shift = 0;
    for (;;) {
      if (i >= size || shift > 28) throw std::runtime_error("bad section size");
      uint8_t b = p[i++];
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (len > size - i) throw std::runtime_error("section past the end");
    if (id == 1) out.emplace_back(p + i, p + i + len);
    if (id == 4) scan_component(p + i, len, out);
    i += len;
  }
}

inline std::vector<std::vector<uint8_t>> component_core_modules(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  std::vector<std::vector<uint8_t>> out;
  scan_component(bytes.data(), bytes.size(), out);
  return out;
}

}  // namespace sluice::pipeline_test
