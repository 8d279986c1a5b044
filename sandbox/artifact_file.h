// The `.sluice` file that `sluice compile -o` writes: the component's bytes and its compiled
// shared object in one self-checking container, so `sluice run x.sluice` needs neither the
// original .wasm nor a C compiler.
//
//   "\0sluice-artifact" (16 bytes) | u32 format version | u32 reserved
//   u64 component size | component bytes | u64 shared-object size | shared-object bytes
//   SHA-256 of everything before it (32 bytes)
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <vector>

namespace sluice::sandbox {

class ArtifactFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ArtifactFile {
  std::vector<uint8_t> component;
  std::vector<uint8_t> shared_object;
};

// True when `bytes` start with the container's magic.
bool is_artifact_file(std::span<const uint8_t> bytes);

std::vector<uint8_t> encode_artifact_file(std::span<const uint8_t> component,
                                          std::span<const uint8_t> shared_object);

// Throws ArtifactFileError naming what is wrong (truncated, corrupted, other version).
ArtifactFile decode_artifact_file(std::span<const uint8_t> bytes);

}  // namespace sluice::sandbox
