#include "engine/core_rewriter.h"

#include <string>

#include "engine/artifact_names.h"

namespace sluice::engine {
namespace {

void put_uleb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(b);
  } while (v);
}

void put_name(std::vector<uint8_t>& out, const std::string& s) {
  put_uleb(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void put_section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& payload) {
  out.push_back(id);
  put_uleb(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

}  // namespace

std::vector<uint8_t> rewrite_for_translation(std::span<const uint8_t> bytes,
                                             const CoreModule& module, uint32_t module_index) {
  std::vector<uint8_t> out(bytes.begin(), bytes.begin() + 8);
  out.reserve(bytes.size());
  const std::string import_module = import_module_alias(module_index);
  for (const SectionInfo& s : module.sections) {
    if (s.payload_offset + s.payload_size > bytes.size())
      throw EngineError("rewriter: section table does not match the module bytes");
    switch (s.id) {
      case 0:  // custom: dropped
        break;
      case 2: {  // import
        std::vector<uint8_t> payload;
        put_uleb(payload, module.imports.size());
        for (size_t j = 0; j < module.imports.size(); ++j) {
          const Import& imp = module.imports[j];
          put_name(payload, import_module);
          put_name(payload, import_field_alias(static_cast<uint32_t>(j)));
          if (imp.desc_offset + imp.desc_size > bytes.size())
            throw EngineError("rewriter: import descriptor does not match the module bytes");
          payload.insert(payload.end(), bytes.begin() + imp.desc_offset,
                         bytes.begin() + imp.desc_offset + imp.desc_size);
        }
        put_section(out, s.id, payload);
        break;
      }
      case 7: {  // export
        std::vector<uint8_t> payload;
        put_uleb(payload, module.exports.size());
        for (size_t e = 0; e < module.exports.size(); ++e) {
          const Export& exp = module.exports[e];
          put_name(payload, export_alias(static_cast<uint32_t>(e)));
          payload.push_back(static_cast<uint8_t>(exp.kind));
          put_uleb(payload, exp.index);
        }
        put_section(out, s.id, payload);
        break;
      }
      default:
        out.insert(out.end(), bytes.begin() + s.offset,
                   bytes.begin() + s.payload_offset + s.payload_size);
    }
  }
  return out;
}

}  // namespace sluice::engine
