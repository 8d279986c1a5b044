// Helpers for the component parser tests: loading fixtures and building
// component binaries byte by byte.
#pragma once

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::component::testing {

inline std::vector<uint8_t> load_fixture(const std::string& name) {
  const std::string path = std::string(SLUICE_PARSER_FIXTURES) + "/" + name;
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open fixture " + path);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A byte buffer with the encoders of the binary format.
struct Bytes {
  std::vector<uint8_t> v;

  Bytes() = default;
  Bytes(std::initializer_list<uint8_t> raw) : v(raw) {}

  Bytes& u8(uint8_t b) {
    v.push_back(b);
    return *this;
  }
  Bytes& raw(std::initializer_list<uint8_t> bytes) {
    v.insert(v.end(), bytes.begin(), bytes.end());
    return *this;
  }
  Bytes& u32(uint32_t x) {
    do {
      uint8_t b = x & 0x7f;
      x >>= 7;
      if (x) b |= 0x80;
      v.push_back(b);
    } while (x);
    return *this;
  }
  // Signed LEB128 of a non-negative value (how valtype indices are written:
  // as s33, so 64..127 take two bytes).
  Bytes& s33(uint32_t x) {
    uint64_t v = x;
    for (;;) {
      uint8_t b = v & 0x7f;
      v >>= 7;
      if (v == 0 && !(b & 0x40)) {
        v_push(b);
        return *this;
      }
      v_push(b | 0x80);
    }
  }
  void v_push(uint8_t b) { v.push_back(b); }
  Bytes& str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    v.insert(v.end(), s.begin(), s.end());
    return *this;
  }
  // importname'/exportname' (0x00 form)
  Bytes& ext_name(std::string_view s) {
    u8(0x00);
    return str(s);
  }
  Bytes& append(const Bytes& other) {
    v.insert(v.end(), other.v.begin(), other.v.end());
    return *this;
  }
  size_t size() const { return v.size(); }
};

// A section: id, LEB size, body.
inline Bytes section(uint8_t id, const Bytes& body) {
  Bytes b;
  b.u8(id).u32(static_cast<uint32_t>(body.size())).append(body);
  return b;
}

// A vector section: id, size, count, items.
inline Bytes vec_section(uint8_t id, std::initializer_list<Bytes> items) {
  Bytes body;
  body.u32(static_cast<uint32_t>(items.size()));
  for (const auto& i : items) body.append(i);
  return section(id, body);
}

inline Bytes preamble() { return Bytes{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}; }

inline Bytes component(std::initializer_list<Bytes> sections) {
  Bytes b = preamble();
  for (const auto& s : sections) b.append(s);
  return b;
}

// Smallest core module: magic + version.
inline Bytes empty_core_module() { return Bytes{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}; }

// Section ids.
enum : uint8_t {
  kCustomSec = 0, kCoreModuleSec = 1, kCoreInstanceSec = 2, kCoreTypeSec = 3, kComponentSec = 4,
  kInstanceSec = 5, kAliasSec = 6, kTypeSec = 7, kCanonSec = 8, kStartSec = 9, kImportSec = 10,
  kExportSec = 11, kValueSec = 12,
};

}  // namespace sluice::component::testing
