#include "sandbox/artifact_file.h"

#include <openssl/sha.h>

#include <cstring>
#include <string>

namespace sluice::sandbox {
namespace {

constexpr char kMagic[16] = {'\0', 's', 'l', 'u', 'i', 'c', 'e', '-',
                             'a',  'r', 't', 'i', 'f', 'a', 'c', 't'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderSize = 16 + 4 + 4;
constexpr size_t kDigestSize = SHA256_DIGEST_LENGTH;

template <typename T>
void put(std::vector<uint8_t>& out, T value) {
  uint8_t bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  template <typename T>
  T get(const char* what) {
    std::span<const uint8_t> raw = take(sizeof(T), what);
    T value;
    std::memcpy(&value, raw.data(), sizeof(T));
    return value;
  }
  std::span<const uint8_t> take(uint64_t n, const char* what) {
    if (n > bytes_.size() - offset_) {
      throw ArtifactFileError(std::string("artifact file truncated in ") + what);
    }
    auto out = bytes_.subspan(offset_, n);
    offset_ += n;
    return out;
  }
  size_t offset() const { return offset_; }

 private:
  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
};

}  // namespace

bool is_artifact_file(std::span<const uint8_t> bytes) {
  return bytes.size() >= sizeof(kMagic) && std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) == 0;
}

std::vector<uint8_t> encode_artifact_file(std::span<const uint8_t> component,
                                          std::span<const uint8_t> shared_object) {
  std::vector<uint8_t> out(kMagic, kMagic + sizeof(kMagic));
  put<uint32_t>(out, kFormatVersion);
  put<uint32_t>(out, 0);
  put<uint64_t>(out, component.size());
  out.insert(out.end(), component.begin(), component.end());
  put<uint64_t>(out, shared_object.size());
  out.insert(out.end(), shared_object.begin(), shared_object.end());
  uint8_t digest[kDigestSize];
  SHA256(out.data(), out.size(), digest);
  out.insert(out.end(), digest, digest + kDigestSize);
  return out;
}

ArtifactFile decode_artifact_file(std::span<const uint8_t> bytes) {
  if (!is_artifact_file(bytes)) throw ArtifactFileError("not a sluice artifact file");
  if (bytes.size() < kHeaderSize + kDigestSize) throw ArtifactFileError("artifact file truncated");
  uint8_t digest[kDigestSize];
  SHA256(bytes.data(), bytes.size() - kDigestSize, digest);
  if (std::memcmp(digest, bytes.data() + bytes.size() - kDigestSize, kDigestSize) != 0) {
    throw ArtifactFileError("artifact file is corrupted (checksum mismatch)");
  }
  Reader in(bytes.first(bytes.size() - kDigestSize));
  in.take(sizeof(kMagic), "magic");
  uint32_t version = in.get<uint32_t>("header");
  if (version != kFormatVersion) {
    throw ArtifactFileError("artifact file format " + std::to_string(version) +
                            " is not supported by this sluice (expects " +
                            std::to_string(kFormatVersion) + "); recompile it");
  }
  in.get<uint32_t>("header");
  ArtifactFile file;
  auto component = in.take(in.get<uint64_t>("component size"), "component");
  file.component.assign(component.begin(), component.end());
  auto shared_object = in.take(in.get<uint64_t>("shared object size"), "shared object");
  file.shared_object.assign(shared_object.begin(), shared_object.end());
  if (in.offset() != bytes.size() - kDigestSize) {
    throw ArtifactFileError("artifact file has trailing bytes");
  }
  return file;
}

}  // namespace sluice::sandbox
