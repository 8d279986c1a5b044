// SHA-256 (OpenSSL libcrypto), for content-addressed artifact keys.
#ifndef SLUICE_ENGINE_SHA256_H_
#define SLUICE_ENGINE_SHA256_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace sluice::engine {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(std::span<const uint8_t> bytes);
  Sha256& update(std::string_view text);
  Sha256& update_u64(uint64_t v);  // 8 bytes, little endian
  std::string hex_digest();        // finishes; 64 lower-case hex digits

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::string_view text);

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_SHA256_H_
