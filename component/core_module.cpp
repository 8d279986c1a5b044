#include "component/core_module.h"

#include <cstring>

namespace sluice::component {

namespace {

std::string hex(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  s += digits[(v >> 4) & 0xf];
  s += digits[v & 0xf];
  return s;
}

struct Limits {
  bool is_64 = false, shared = false;
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

Limits read_limits(BinaryReader& r, std::string_view what) {
  const uint64_t at = r.offset();
  const uint8_t flags = r.read_u8(what);
  if (flags & ~0x07u) r.fail_at(at, "unsupported limits flags " + hex(flags) + " in " + std::string(what));
  Limits l;
  l.shared = flags & 0x02;
  l.is_64 = flags & 0x04;
  l.min = l.is_64 ? r.read_u64(what) : r.read_u32(what);
  if (flags & 0x01) l.max = l.is_64 ? r.read_u64(what) : r.read_u32(what);
  return l;
}

}  // namespace

CoreValType read_core_val_type(BinaryReader& r) {
  const uint64_t at = r.offset();
  const uint8_t b = r.read_u8("core value type");
  switch (b) {
    case 0x7f: return CoreValType::I32;
    case 0x7e: return CoreValType::I64;
    case 0x7d: return CoreValType::F32;
    case 0x7c: return CoreValType::F64;
    case 0x7b: return CoreValType::V128;
    case 0x70: return CoreValType::FuncRef;
    case 0x6f: return CoreValType::ExternRef;
    case 0x64:
    case 0x63:
      r.fail_at(at, "unsupported: typed (GC) reference types in core value type");
    default:
      r.fail_at(at, "unknown core value type " + hex(b));
  }
}

CoreFuncType read_core_func_type_body(BinaryReader& r) {
  CoreFuncType ft;
  const uint32_t np = r.read_count(1, "core func params");
  ft.params.reserve(np);
  for (uint32_t i = 0; i < np; ++i) ft.params.push_back(read_core_val_type(r));
  const uint32_t nr = r.read_count(1, "core func results");
  ft.results.reserve(nr);
  for (uint32_t i = 0; i < nr; ++i) ft.results.push_back(read_core_val_type(r));
  return ft;
}

CoreExternType read_core_extern_desc(BinaryReader& r, const std::vector<CoreFuncType>& types) {
  CoreExternType t;
  const uint64_t at = r.offset();
  const uint8_t kind = r.read_u8("core import kind");
  switch (kind) {
    case 0x00: {
      t.kind = CoreExternKind::Func;
      const uint64_t idx_at = r.offset();
      const uint32_t idx = r.read_u32("core func type index");
      if (idx >= types.size())
        r.fail_at(idx_at, "core type index " + std::to_string(idx) + " out of range (" + std::to_string(types.size()) +
                              " core func types defined)");
      t.func = types[idx];
      break;
    }
    case 0x01: {
      t.kind = CoreExternKind::Table;
      t.value_type = read_core_val_type(r);
      auto l = read_limits(r, "table limits");
      t.is_64 = l.is_64;
      t.min = l.min;
      t.max = l.max;
      break;
    }
    case 0x02: {
      t.kind = CoreExternKind::Memory;
      auto l = read_limits(r, "memory limits");
      t.is_64 = l.is_64;
      t.is_shared = l.shared;
      t.min = l.min;
      t.max = l.max;
      break;
    }
    case 0x03: {
      t.kind = CoreExternKind::Global;
      t.value_type = read_core_val_type(r);
      const uint64_t mut_at = r.offset();
      const uint8_t m = r.read_u8("global mutability");
      if (m > 1) r.fail_at(mut_at, "invalid global mutability " + hex(m));
      t.is_mutable = m == 1;
      break;
    }
    case 0x04: {
      t.kind = CoreExternKind::Tag;
      const uint64_t attr_at = r.offset();
      if (r.read_u8("tag attribute") != 0) r.fail_at(attr_at, "invalid tag attribute");
      const uint64_t idx_at = r.offset();
      const uint32_t idx = r.read_u32("tag type index");
      if (idx >= types.size()) r.fail_at(idx_at, "tag type index " + std::to_string(idx) + " out of range");
      t.func = types[idx];
      break;
    }
    default:
      r.fail_at(at, "unknown core import kind " + hex(kind));
  }
  return t;
}

CoreModuleType read_core_module_type(BinaryReader r) {
  static constexpr uint8_t kPreamble[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  const uint64_t start = r.offset();
  auto pre = r.read_bytes(8, "core module preamble");
  if (std::memcmp(pre.data(), kPreamble, 8) != 0) r.fail_at(start, "embedded core module has a bad magic number or version");

  CoreModuleType out;
  std::vector<CoreFuncType> types;
  std::vector<uint32_t> func_types;  // per function index: type index (imports first)
  uint64_t counts[5] = {0, 0, 0, 0, 0};  // by CoreExternKind: funcs, tables, memories, globals, tags
  struct PendingExport {
    std::string name;
    CoreExternKind kind;
    uint32_t index;
    uint64_t offset;
  };
  std::vector<PendingExport> exports;
  std::vector<CoreExternType> imported[5];  // imported entity types by kind, in index order

  while (!r.at_end()) {
    const uint64_t sec_at = r.offset();
    const uint8_t id = r.read_u8("core section id");
    const uint32_t size = r.read_u32("core section size");
    BinaryReader s = r.sub_reader(size, "core section");
    switch (id) {
      case 0:  // custom
        break;
      case 1: {  // type
        const uint32_t n = s.read_count(3, "core types");
        for (uint32_t i = 0; i < n; ++i) {
          const uint64_t at = s.offset();
          const uint8_t form = s.read_u8("core type form");
          if (form == 0x60) {
            types.push_back(read_core_func_type_body(s));
          } else if (form == 0x4e || form == 0x50 || form == 0x4f || form == 0x5f || form == 0x5e) {
            s.fail_at(at, "unsupported: GC type definitions in core module");
          } else {
            s.fail_at(at, "unknown core type form " + hex(form));
          }
        }
        s.expect_end("core type section");
        break;
      }
      case 2: {  // import
        const uint32_t n = s.read_count(4, "core imports");
        for (uint32_t i = 0; i < n; ++i) {
          CoreImportDecl imp;
          imp.module = s.read_name("core import module name");
          imp.field = s.read_name("core import field name");
          imp.type = read_core_extern_desc(s, types);
          const auto k = static_cast<size_t>(imp.type.kind);
          imported[k].push_back(imp.type);
          ++counts[k];
          out.imports.push_back(std::move(imp));
        }
        s.expect_end("core import section");
        break;
      }
      case 3: {  // function
        const uint32_t n = s.read_count(1, "core functions");
        for (uint32_t i = 0; i < n; ++i) {
          const uint64_t at = s.offset();
          const uint32_t ti = s.read_u32("function type index");
          if (ti >= types.size()) s.fail_at(at, "function type index " + std::to_string(ti) + " out of range");
          func_types.push_back(ti);
        }
        counts[0] += n;
        s.expect_end("core function section");
        break;
      }
      case 4: counts[1] += s.read_u32("table count"); break;
      case 5: counts[2] += s.read_u32("memory count"); break;
      case 6: counts[3] += s.read_u32("global count"); break;
      case 13: counts[4] += s.read_u32("tag count"); break;
      case 7: {  // export
        const uint32_t n = s.read_count(3, "core exports");
        for (uint32_t i = 0; i < n; ++i) {
          PendingExport e;
          e.offset = s.offset();
          e.name = s.read_name("core export name");
          const uint64_t kat = s.offset();
          const uint8_t k = s.read_u8("core export kind");
          if (k > 4) s.fail_at(kat, "unknown core export kind " + hex(k));
          e.kind = static_cast<CoreExternKind>(k);
          e.index = s.read_u32("core export index");
          exports.push_back(std::move(e));
        }
        s.expect_end("core export section");
        break;
      }
      default:
        if (id > 13) BinaryReader::fail_at(sec_at, "unknown core section id " + std::to_string(id));
        break;  // code, data, element, start, datacount: not needed here
    }
  }

  for (auto& e : exports) {
    const auto k = static_cast<size_t>(e.kind);
    if (e.index >= counts[k]) {
      BinaryReader::fail_at(e.offset, std::string("core export \"") + e.name + "\": " + to_string(e.kind) + " index " +
                                          std::to_string(e.index) + " out of range");
    }
    CoreExportDecl d;
    d.name = std::move(e.name);
    if (e.index < imported[k].size()) {
      d.type = imported[k][e.index];
    } else {
      d.type.kind = e.kind;
      if (e.kind == CoreExternKind::Func) {
        const size_t defined = e.index - imported[k].size();
        if (defined >= func_types.size()) BinaryReader::fail_at(e.offset, "core export of a function without a type");
        d.type.func = types[func_types[defined]];
      }
    }
    out.exports.push_back(std::move(d));
  }
  // The imported function types come first in the function index space, which
  // the loop above handled through imported[0]; nothing else to resolve.
  return out;
}

}  // namespace sluice::component
