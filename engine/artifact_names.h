// The names sluice gives things inside an artifact. The rewriter renames every import of core
// module k to (sluice_i<k>, f<j>) and every export to x<e>, and wasm2c is run with the module
// prefix sluice_m<k>: the C symbols of an artifact are then a pure function of (k, j, e), never
// of names taken from the (untrusted) module.
#ifndef SLUICE_ENGINE_ARTIFACT_NAMES_H_
#define SLUICE_ENGINE_ARTIFACT_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::engine {

inline std::string module_prefix(uint32_t k) { return "sluice_m" + std::to_string(k); }
inline std::string import_module_alias(uint32_t k) { return "sluice_i" + std::to_string(k); }
inline std::string import_field_alias(uint32_t j) { return "f" + std::to_string(j); }
inline std::string export_alias(uint32_t e) { return "x" + std::to_string(e); }

// wasm2c 1.0.32's name mangling (c-writer.cc MangleName): "Z_" followed by the name with every
// byte outside [A-Za-z0-9_], and 'Z' itself, written as 'Z' + two upper-case hex digits.
// An exported symbol is mangle(module prefix) + mangle(export name), e.g. module "sluice_m0",
// export "wasi:cli/run@0.2.12#run" -> Z_sluice_m0Z_wasiZ3AcliZ2FrunZ400Z2E2Z2E12Z23run.
inline std::string wasm2c_mangle(std::string_view name) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "Z_";
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z' && c != 'Z') ||
                 (c >= '0' && c <= '9') || c == '_';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += 'Z';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_ARTIFACT_NAMES_H_
