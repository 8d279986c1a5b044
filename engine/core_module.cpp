#include "engine/core_module.h"

#include <cstdio>
#include <set>
#include <string_view>
#include <unordered_set>

namespace sluice::engine {
namespace {

using L = CoreModuleLimits;

enum SectionId : uint8_t {
  kCustom = 0,
  kType = 1,
  kImport = 2,
  kFunction = 3,
  kTable = 4,
  kMemory = 5,
  kGlobal = 6,
  kExport = 7,
  kStart = 8,
  kElement = 9,
  kCode = 10,
  kData = 11,
  kDataCount = 12,
  kTag = 13,
};

// Position of each known section in the order the spec requires.
int section_rank(uint8_t id) {
  switch (id) {
    case kType: return 1;
    case kImport: return 2;
    case kFunction: return 3;
    case kTable: return 4;
    case kMemory: return 5;
    case kTag: return 6;
    case kGlobal: return 7;
    case kExport: return 8;
    case kStart: return 9;
    case kElement: return 10;
    case kDataCount: return 11;
    case kCode: return 12;
    case kData: return 13;
    default: return -1;
  }
}

const char* section_name(uint8_t id) {
  switch (id) {
    case kCustom: return "custom";
    case kType: return "type";
    case kImport: return "import";
    case kFunction: return "function";
    case kTable: return "table";
    case kMemory: return "memory";
    case kGlobal: return "global";
    case kExport: return "export";
    case kStart: return "start";
    case kElement: return "element";
    case kCode: return "code";
    case kData: return "data";
    case kDataCount: return "data count";
    case kTag: return "tag";
    default: return "unknown";
  }
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string at(size_t offset) {
  return " at byte offset " + std::to_string(offset) + " (" + hex(offset) + ")";
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n >= s.size() - i) return false;  // needs bytes i+1 .. i+n
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// Bounds-checked cursor over the module bytes. Offsets in errors are absolute (from the start of
// the module).
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, size_t begin, size_t end)
      : bytes_(bytes), pos_(begin), end_(end) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  bool at_end() const { return pos_ >= end_; }
  size_t remaining() const { return end_ - pos_; }

  [[noreturn]] void fail(const std::string& what) const { fail_at(what, pos_); }
  [[noreturn]] static void fail_at(const std::string& what, size_t offset) {
    throw ModuleError("invalid core module: " + what + at(offset), offset);
  }
  [[noreturn]] static void unsupported(const std::string& feature, const std::string& detail,
                                       size_t offset) {
    throw UnsupportedFeatureError(
        feature,
        "unsupported WebAssembly feature: " + feature + " (" + detail + ")" + at(offset) +
            "; sluice's engine (wasm2c 1.0.32) cannot run it",
        offset);
  }

  uint8_t u8() {
    if (pos_ >= end_) fail("unexpected end of data");
    return bytes_[pos_++];
  }

  uint8_t peek() const {
    if (pos_ >= end_) fail("unexpected end of data");
    return bytes_[pos_];
  }

  // Unsigned LEB128 of at most `bits` bits.
  uint64_t uleb(unsigned bits) {
    size_t start = pos_;
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; ++i) {
      if (i >= max_bytes) fail_at("LEB128 integer too long", start);
      uint8_t b = u8();
      uint64_t payload = b & 0x7F;
      if (shift + 7 > bits) {
        // Last byte: the unused high bits must be zero.
        unsigned used = bits - shift;
        if ((b & 0x80) || (payload >> used) != 0) fail_at("LEB128 integer too large", start);
      }
      result |= payload << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    return result;
  }

  // Signed LEB128 of at most `bits` bits (validated for length and sign extension).
  int64_t sleb(unsigned bits) {
    size_t start = pos_;
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0; i < max_bytes; ++i) {
      uint8_t b = u8();
      uint64_t payload = b & 0x7F;
      if (i + 1 == max_bytes) {
        // Last possible byte: no continuation, and the bits above `bits` must repeat the sign.
        if (b & 0x80) fail_at("LEB128 integer too long", start);
        unsigned used = bits - shift;  // meaningful bits in this byte, 1..7
        uint64_t sign = (payload >> (used - 1)) & 1;
        uint64_t upper = payload >> used;
        uint64_t expected = sign ? ((uint64_t{1} << (7 - used)) - 1) : 0;
        if (upper != expected) fail_at("LEB128 integer too large", start);
      }
      result |= payload << shift;
      shift += 7;
      if (!(b & 0x80)) {
        if (shift < 64 && (b & 0x40)) result |= ~uint64_t{0} << shift;
        return static_cast<int64_t>(result);
      }
    }
    fail_at("LEB128 integer too long", start);
  }

  uint32_t u32() { return static_cast<uint32_t>(uleb(32)); }

  // A vector count whose elements take at least `min_elem_size` bytes each: refuses counts that
  // cannot fit in the remaining bytes (prevents huge reservations) and counts above `limit`.
  uint32_t count(uint32_t limit, const char* what, size_t min_elem_size = 1) {
    size_t start = pos_;
    uint32_t n = u32();
    if (n > limit)
      fail_at(std::string("too many ") + what + " (" + std::to_string(n) + ", limit " +
                  std::to_string(limit) + ")",
              start);
    if (min_elem_size > 0 && static_cast<uint64_t>(n) * min_elem_size > remaining())
      fail_at(std::string("count of ") + what + " (" + std::to_string(n) +
                  ") exceeds the remaining bytes",
              start);
    return n;
  }

  void skip(size_t n) {
    if (n > remaining()) fail("unexpected end of data");
    pos_ += n;
  }

  std::string name() {
    size_t start = pos_;
    uint32_t len = u32();
    if (len > L::kMaxNameLength) fail_at("name too long", start);
    if (len > remaining()) fail_at("name extends past the end of its section", start);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    if (!valid_utf8(s)) fail_at("name is not valid UTF-8", start);
    return s;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_;
  size_t end_;
};

// Value types. `where` describes the context for error messages.
ValType read_valtype(Reader& r) {
  size_t off = r.pos();
  uint8_t b = r.u8();
  switch (b) {
    case 0x7F: return ValType::I32;
    case 0x7E: return ValType::I64;
    case 0x7D: return ValType::F32;
    case 0x7C: return ValType::F64;
    case 0x70: return ValType::FuncRef;
    case 0x6F: return ValType::ExternRef;
    case 0x7B: Reader::unsupported("SIMD", "v128 value type", off);
    case 0x69:
    case 0x74: Reader::unsupported("exception handling", "exnref value type", off);
    case 0x63:
    case 0x64: Reader::unsupported("typed function references / GC", "(ref ...) value type", off);
    case 0x6E:
    case 0x6D:
    case 0x6C:
    case 0x6B:
    case 0x6A:
    case 0x71:
    case 0x72:
    case 0x73: Reader::unsupported("GC", "GC reference type " + hex(b), off);
    default: Reader::fail_at("unknown value type " + hex(b), off);
  }
}

ValType read_reftype(Reader& r) {
  size_t off = r.pos();
  ValType t = read_valtype(r);
  if (t != ValType::FuncRef && t != ValType::ExternRef)
    Reader::fail_at("expected a reference type", off);
  return t;
}

// Heap type of ref.null (s33): func or extern.
void read_heaptype(Reader& r) {
  size_t off = r.pos();
  int64_t ht = r.sleb(33);
  if (ht == -0x10 /*0x70 func*/ || ht == -0x11 /*0x6F extern*/) return;
  if (ht == -0x17 /*0x69 exn*/ || ht == -0x0C /*0x74 noexn*/)
    Reader::unsupported("exception handling", "exn heap type", off);
  if (ht >= 0) Reader::unsupported("typed function references / GC", "concrete heap type", off);
  Reader::unsupported("GC", "GC heap type", off);
}

Limits read_limits(Reader& r, bool memory) {
  size_t off = r.pos();
  uint8_t flags = r.u8();
  if (memory) {
    if (flags & 0x08) Reader::unsupported("custom page sizes", "memory limits flag 0x08", off);
    if (flags & 0x04) Reader::unsupported("memory64", "64-bit memory", off);
    if (flags & 0x02) Reader::unsupported("threads", "shared memory", off);
  } else {
    if (flags & 0x04) Reader::unsupported("memory64", "64-bit table", off);
  }
  if (flags > 0x01) Reader::fail_at("invalid limits flags " + hex(flags), off);
  Limits l;
  l.min = r.u32();
  if (flags & 0x01) {
    l.max = r.u32();
    if (*l.max < l.min) Reader::fail_at("limits maximum is smaller than the minimum", off);
  }
  if (memory) {
    if (l.min > L::kMaxMemoryPages || (l.max && *l.max > L::kMaxMemoryPages))
      Reader::fail_at("memory size exceeds 65536 pages", off);
  } else {
    if (l.min > L::kMaxTableSize)
      Reader::fail_at("table size exceeds " + std::to_string(L::kMaxTableSize), off);
  }
  return l;
}

TableType read_tabletype(Reader& r) {
  size_t off = r.pos();
  if (r.peek() == 0x40) Reader::unsupported("GC", "table with an initializer expression", off);
  TableType t;
  t.elem = read_reftype(r);
  t.limits = read_limits(r, false);
  return t;
}

GlobalType read_globaltype(Reader& r) {
  GlobalType g;
  g.type = read_valtype(r);
  size_t off = r.pos();
  uint8_t m = r.u8();
  if (m > 1) {
    if (m & 0x02) Reader::unsupported("threads", "shared global", off);
    Reader::fail_at("invalid global mutability " + hex(m), off);
  }
  g.is_mutable = m == 1;
  return g;
}

struct ScanContext {
  const CoreModule& module;
  uint64_t loops = 0;
};

// Block type: 0x40, a value type, or a type index (s33 >= 0).
void read_blocktype(Reader& r, const CoreModule& m) {
  size_t off = r.pos();
  uint8_t b = r.peek();
  if (b == 0x40) {
    r.u8();
    return;
  }
  if ((b & 0xC0) == 0x40) {  // a negative s33 in one byte: a value type
    read_valtype(r);
    return;
  }
  int64_t idx = r.sleb(33);
  if (idx < 0 || static_cast<uint64_t>(idx) >= m.types.size())
    Reader::fail_at("block type index out of range", off);
}

// memarg: align (with the multi-memory bit 6), optional memory index, offset.
void read_memarg(Reader& r) {
  size_t off = r.pos();
  uint32_t align = r.u32();
  if (align & 0x40) {
    uint32_t mem = r.u32();
    if (mem != 0) Reader::unsupported("multi-memory", "memory index " + std::to_string(mem), off);
    align &= ~0x40u;
  }
  if (align >= 32) Reader::fail_at("invalid alignment", off);
  r.u32();  // offset (memory32)
}

void read_memidx(Reader& r) {
  size_t off = r.pos();
  uint32_t mem = r.u32();
  if (mem != 0) Reader::unsupported("multi-memory", "memory index " + std::to_string(mem), off);
}

// Decodes instructions until the `end` that closes depth 0. Used for function bodies (allow all
// instructions) and constant expressions (const_expr = true: stops at the first end).
void scan_instructions(Reader& r, ScanContext& ctx, bool const_expr) {
  const CoreModule& m = ctx.module;
  uint64_t depth = 0;
  for (;;) {
    size_t off = r.pos();
    uint8_t op = r.u8();
    switch (op) {
      case 0x00:  // unreachable
      case 0x01:  // nop
      case 0x0F:  // return
      case 0x1A:  // drop
      case 0x1B:  // select
      case 0xD1:  // ref.is_null
        break;
      case 0x02:  // block
      case 0x04:  // if
        read_blocktype(r, m);
        ++depth;
        break;
      case 0x03:  // loop
        read_blocktype(r, m);
        ++depth;
        ++ctx.loops;
        break;
      case 0x05:  // else
        if (depth == 0) Reader::fail_at("else outside of if", off);
        break;
      case 0x0B:  // end
        if (depth == 0) return;
        --depth;
        break;
      case 0x06:
      case 0x07:
      case 0x08:
      case 0x09:
      case 0x0A:
      case 0x18:
      case 0x19:
      case 0x1F:
        Reader::unsupported("exception handling", "opcode " + hex(op), off);
      case 0x0C:  // br
      case 0x0D:  // br_if
        r.u32();
        break;
      case 0x0E: {  // br_table
        uint32_t n = r.count(L::kMaxBrTableTargets, "br_table targets");
        for (uint32_t i = 0; i <= n; ++i) r.u32();
        break;
      }
      case 0x10: {  // call
        uint32_t f = r.u32();
        if (f >= m.functions.size()) Reader::fail_at("call to an unknown function", off);
        break;
      }
      case 0x11: {  // call_indirect typeidx tableidx
        uint32_t t = r.u32();
        if (t >= m.types.size()) Reader::fail_at("call_indirect type index out of range", off);
        r.u32();
        break;
      }
      case 0x12:
      case 0x13:
      case 0x15:
        Reader::unsupported("tail calls", "return_call opcode " + hex(op), off);
      case 0x14:
      case 0xD3:
      case 0xD4:
      case 0xD5:
      case 0xD6:
        Reader::unsupported("typed function references / GC", "opcode " + hex(op), off);
      case 0x1C: {  // select t*
        uint32_t n = r.count(16, "select types");
        for (uint32_t i = 0; i < n; ++i) read_valtype(r);
        break;
      }
      case 0x20: case 0x21: case 0x22:  // local.get/set/tee
      case 0x23: case 0x24:             // global.get/set
      case 0x25: case 0x26:             // table.get/set
        r.u32();
        break;
      case 0x28: case 0x29: case 0x2A: case 0x2B: case 0x2C: case 0x2D: case 0x2E: case 0x2F:
      case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
      case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C: case 0x3D: case 0x3E:
        read_memarg(r);
        break;
      case 0x3F:  // memory.size
      case 0x40:  // memory.grow
        read_memidx(r);
        break;
      case 0x41:
        r.sleb(32);
        break;
      case 0x42:
        r.sleb(64);
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0xD0:  // ref.null
        read_heaptype(r);
        break;
      case 0xD2: {  // ref.func
        uint32_t f = r.u32();
        if (f >= m.functions.size()) Reader::fail_at("ref.func of an unknown function", off);
        break;
      }
      case 0xFC: {
        size_t sub_off = r.pos();
        uint32_t sub = r.u32();
        switch (sub) {
          case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:  // trunc_sat
            break;
          case 8:  // memory.init dataidx memidx
            r.u32();
            read_memidx(r);
            break;
          case 9:  // data.drop
            r.u32();
            break;
          case 10:  // memory.copy
            read_memidx(r);
            read_memidx(r);
            break;
          case 11:  // memory.fill
            read_memidx(r);
            break;
          case 12:  // table.init elemidx tableidx
          case 14:  // table.copy
            r.u32();
            r.u32();
            break;
          case 13:  // elem.drop
          case 15:  // table.grow
          case 16:  // table.size
          case 17:  // table.fill
            r.u32();
            break;
          default:
            Reader::fail_at("unknown 0xFC opcode " + std::to_string(sub), sub_off);
        }
        break;
      }
      case 0xFD:
        Reader::unsupported("SIMD", "0xFD-prefixed opcode", off);
      case 0xFE:
        Reader::unsupported("threads", "atomic (0xFE-prefixed) opcode", off);
      case 0xFB:
        Reader::unsupported("GC", "0xFB-prefixed opcode", off);
      default:
        if (op >= 0x45 && op <= 0xC4) break;  // numeric, sign extension: no immediates
        Reader::fail_at("unknown opcode " + hex(op), off);
    }
    if (const_expr && op != 0x0B && depth > 0)
      Reader::fail_at("block instruction in a constant expression", off);
  }
}

void skip_const_expr(Reader& r, const CoreModule& m) {
  ScanContext ctx{m};
  scan_instructions(r, ctx, true);
}

void check_numeric_signature(const FuncType& t, const std::string& what, size_t offset) {
  auto numeric = [](ValType v) { return v != ValType::FuncRef && v != ValType::ExternRef; };
  for (ValType v : t.params)
    if (!numeric(v))
      Reader::unsupported("reference types in an import/export signature",
                          what + " takes a reference-typed parameter, which sluice's call ABI "
                                 "cannot pass",
                          offset);
  for (ValType v : t.results)
    if (!numeric(v))
      Reader::unsupported("reference types in an import/export signature",
                          what + " returns a reference-typed result, which sluice's call ABI "
                                 "cannot pass",
                          offset);
}

class ModuleParser {
 public:
  explicit ModuleParser(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  CoreModule parse() {
    if (bytes_.size() < 8) Reader::fail_at("too short to be a WebAssembly module", 0);
    static const uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
    for (int i = 0; i < 4; ++i)
      if (bytes_[i] != kMagic[i]) Reader::fail_at("bad magic number (not a WebAssembly binary)", 0);
    if (bytes_[4] == 0x0D && bytes_[5] == 0x00 && bytes_[6] == 0x01 && bytes_[7] == 0x00)
      Reader::fail_at("this is a component, not a core module", 4);
    if (!(bytes_[4] == 1 && bytes_[5] == 0 && bytes_[6] == 0 && bytes_[7] == 0))
      Reader::fail_at("unsupported binary version", 4);

    Reader top(bytes_, 8, bytes_.size());
    int last_rank = 0;
    uint32_t declared_functions = 0;
    bool have_function_section = false;
    while (!top.at_end()) {
      SectionInfo s;
      s.offset = top.pos();
      s.id = top.u8();
      size_t size_off = top.pos();
      uint32_t size = top.u32();
      if (size > top.remaining()) Reader::fail_at("section extends past the end of the module", size_off);
      s.payload_offset = top.pos();
      s.payload_size = size;
      top.skip(size);
      Reader r(bytes_, s.payload_offset, s.payload_offset + size);

      if (s.id == kTag) Reader::unsupported("exception handling", "tag section", s.offset);
      if (s.id != kCustom) {
        int rank = section_rank(s.id);
        if (rank < 0) Reader::fail_at("unknown section id " + std::to_string(s.id), s.offset);
        if (rank <= last_rank)
          Reader::fail_at(std::string(section_name(s.id)) + " section out of order or duplicated",
                          s.offset);
        last_rank = rank;
      }

      switch (s.id) {
        case kCustom:
          s.custom_name = r.name();
          r.skip(r.remaining());
          break;
        case kType: parse_types(r); break;
        case kImport: parse_imports(r); break;
        case kFunction:
          declared_functions = parse_functions(r);
          have_function_section = true;
          break;
        case kTable: parse_tables(r); break;
        case kMemory: parse_memories(r); break;
        case kGlobal: parse_globals(r); break;
        case kExport: parse_exports(r); break;
        case kStart: {
          size_t off = r.pos();
          uint32_t f = r.u32();
          if (f >= m_.functions.size()) Reader::fail_at("start function index out of range", off);
          const FuncType& t = m_.function_type(f);
          if (!t.params.empty() || !t.results.empty())
            Reader::fail_at("start function must take no parameters and return nothing", off);
          m_.start = f;
          break;
        }
        case kElement:
          m_.num_element_segments = r.count(L::kMaxElementSegments, "element segments");
          r.skip(r.remaining());  // contents are validated by wasm2c
          break;
        case kDataCount:
          m_.data_count = r.u32();
          break;
        case kCode: parse_code(r, declared_functions); break;
        case kData:
          m_.num_data_segments = r.count(L::kMaxDataSegments, "data segments");
          r.skip(r.remaining());  // contents are validated by wasm2c
          break;
      }
      if (!r.at_end())
        Reader::fail_at(std::string(section_name(s.id)) + " section has trailing bytes", r.pos());
      m_.sections.push_back(std::move(s));
    }
    (void)have_function_section;
    if (m_.num_defined_functions != declared_functions)
      Reader::fail_at("function and code section counts differ (" +
                          std::to_string(declared_functions) + " declared, " +
                          std::to_string(m_.num_defined_functions) + " bodies)",
                      bytes_.size());
    if (m_.data_count && *m_.data_count != m_.num_data_segments)
      Reader::fail_at("data count section disagrees with the data section", bytes_.size());
    return std::move(m_);
  }

 private:
  void parse_types(Reader& r) {
    uint32_t n = r.count(L::kMaxTypes, "types", 2);
    m_.types.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      size_t off = r.pos();
      uint8_t form = r.u8();
      if (form == 0x4E || form == 0x50 || form == 0x4F || form == 0x5F || form == 0x5E)
        Reader::unsupported("GC", "GC type definition form " + hex(form), off);
      if (form != 0x60) Reader::fail_at("unknown type form " + hex(form), off);
      FuncType t;
      uint32_t np = r.count(L::kMaxParams, "parameters");
      for (uint32_t k = 0; k < np; ++k) t.params.push_back(read_valtype(r));
      uint32_t nr = r.count(L::kMaxResults, "results");
      for (uint32_t k = 0; k < nr; ++k) t.results.push_back(read_valtype(r));
      m_.types.push_back(std::move(t));
    }
  }

  void parse_imports(Reader& r) {
    uint32_t n = r.count(L::kMaxImports, "imports", 4);
    m_.imports.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      Import imp;
      imp.module = r.name();
      imp.field = r.name();
      imp.desc_offset = r.pos();
      uint8_t kind = r.u8();
      switch (kind) {
        case 0x00: {
          size_t off = r.pos();
          imp.kind = ExternKind::Func;
          imp.type_index = r.u32();
          if (imp.type_index >= m_.types.size())
            Reader::fail_at("import type index out of range", off);
          check_numeric_signature(m_.types[imp.type_index],
                                  "imported function '" + imp.module + "' '" + imp.field + "'",
                                  off);
          if (m_.functions.size() >= L::kMaxFunctions) Reader::fail_at("too many functions", off);
          m_.functions.push_back(imp.type_index);
          ++m_.num_imported_functions;
          break;
        }
        case 0x01:
          imp.kind = ExternKind::Table;
          imp.table = read_tabletype(r);
          if (m_.tables.size() >= L::kMaxTables) Reader::fail_at("too many tables", imp.desc_offset);
          m_.tables.push_back(imp.table);
          ++m_.num_imported_tables;
          break;
        case 0x02:
          imp.kind = ExternKind::Memory;
          imp.memory = read_limits(r, true);
          add_memory(imp.memory, imp.desc_offset);
          ++m_.num_imported_memories;
          break;
        case 0x03: {
          size_t off = r.pos();
          imp.kind = ExternKind::Global;
          imp.global = read_globaltype(r);
          if (imp.global.type == ValType::FuncRef || imp.global.type == ValType::ExternRef)
            Reader::unsupported("reference types in an import/export signature",
                                "imported reference-typed global", off);
          if (m_.globals.size() >= L::kMaxGlobals) Reader::fail_at("too many globals", off);
          m_.globals.push_back(imp.global);
          ++m_.num_imported_globals;
          break;
        }
        case 0x04:
          Reader::unsupported("exception handling", "tag import", imp.desc_offset);
        default:
          Reader::fail_at("unknown import kind " + hex(kind), imp.desc_offset);
      }
      imp.desc_size = r.pos() - imp.desc_offset;
      m_.imports.push_back(std::move(imp));
    }
  }

  uint32_t parse_functions(Reader& r) {
    uint32_t n = r.count(L::kMaxFunctions, "functions");
    if (static_cast<uint64_t>(n) + m_.functions.size() > L::kMaxFunctions)
      r.fail("too many functions");
    for (uint32_t i = 0; i < n; ++i) {
      size_t off = r.pos();
      uint32_t t = r.u32();
      if (t >= m_.types.size()) Reader::fail_at("function type index out of range", off);
      m_.functions.push_back(t);
    }
    return n;
  }

  void parse_tables(Reader& r) {
    uint32_t n = r.count(L::kMaxTables, "tables", 3);
    if (static_cast<uint64_t>(n) + m_.tables.size() > L::kMaxTables) r.fail("too many tables");
    for (uint32_t i = 0; i < n; ++i) m_.tables.push_back(read_tabletype(r));
  }

  void add_memory(const Limits& l, size_t off) {
    if (!m_.memories.empty())
      Reader::unsupported("multi-memory", "more than one memory", off);
    m_.memories.push_back(l);
  }

  void parse_memories(Reader& r) {
    uint32_t n = r.count(L::kMaxTables, "memories", 2);
    for (uint32_t i = 0; i < n; ++i) {
      size_t off = r.pos();
      add_memory(read_limits(r, true), off);
    }
  }

  void parse_globals(Reader& r) {
    uint32_t n = r.count(L::kMaxGlobals, "globals", 3);
    if (static_cast<uint64_t>(n) + m_.globals.size() > L::kMaxGlobals) r.fail("too many globals");
    for (uint32_t i = 0; i < n; ++i) {
      m_.globals.push_back(read_globaltype(r));
      skip_const_expr(r, m_);
    }
  }

  void parse_exports(Reader& r) {
    uint32_t n = r.count(L::kMaxExports, "exports", 3);
    std::unordered_set<std::string> seen;
    m_.exports.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      Export e;
      size_t name_off = r.pos();
      e.name = r.name();
      if (!seen.insert(e.name).second)
        Reader::fail_at("duplicate export name '" + e.name + "'", name_off);
      size_t off = r.pos();
      uint8_t kind = r.u8();
      e.index = r.u32();
      switch (kind) {
        case 0x00:
          e.kind = ExternKind::Func;
          if (e.index >= m_.functions.size()) Reader::fail_at("exported function index out of range", off);
          check_numeric_signature(m_.function_type(e.index), "exported function '" + e.name + "'",
                                  off);
          break;
        case 0x01:
          e.kind = ExternKind::Table;
          if (e.index >= m_.tables.size()) Reader::fail_at("exported table index out of range", off);
          break;
        case 0x02:
          e.kind = ExternKind::Memory;
          if (e.index >= m_.memories.size()) Reader::fail_at("exported memory index out of range", off);
          break;
        case 0x03:
          e.kind = ExternKind::Global;
          if (e.index >= m_.globals.size()) Reader::fail_at("exported global index out of range", off);
          if (m_.globals[e.index].type == ValType::FuncRef ||
              m_.globals[e.index].type == ValType::ExternRef)
            Reader::unsupported("reference types in an import/export signature",
                                "exported reference-typed global '" + e.name + "'", off);
          break;
        case 0x04:
          Reader::unsupported("exception handling", "tag export", off);
        default:
          Reader::fail_at("unknown export kind " + hex(kind), off);
      }
      m_.exports.push_back(std::move(e));
    }
  }

  void parse_code(Reader& r, uint32_t declared) {
    m_.code_size = r.remaining();
    uint32_t n = r.count(L::kMaxFunctions, "function bodies", 2);
    if (n != declared)
      r.fail("code section has " + std::to_string(n) + " bodies but the function section declares " +
             std::to_string(declared));
    ScanContext ctx{m_};
    for (uint32_t i = 0; i < n; ++i) {
      size_t size_off = r.pos();
      uint32_t size = r.u32();
      if (size > L::kMaxFunctionSize) Reader::fail_at("function body too large", size_off);
      if (size > r.remaining()) Reader::fail_at("function body extends past the code section", size_off);
      size_t body_begin = r.pos();
      Reader body(bytes_, body_begin, body_begin + size);
      uint32_t groups = body.count(L::kMaxLocals, "local declarations", 2);
      uint64_t total_locals = m_.function_type(m_.num_imported_functions + i).params.size();
      for (uint32_t g = 0; g < groups; ++g) {
        size_t off = body.pos();
        uint32_t cnt = body.u32();
        total_locals += cnt;
        if (total_locals > L::kMaxLocals)
          Reader::fail_at("too many locals (limit " + std::to_string(L::kMaxLocals) + ")", off);
        read_valtype(body);
      }
      scan_instructions(body, ctx, false);
      if (!body.at_end()) Reader::fail_at("function body has bytes after its final end", body.pos());
      r.skip(size);
      ++m_.num_defined_functions;
    }
    m_.num_loops = ctx.loops;
  }

  std::span<const uint8_t> bytes_;
  CoreModule m_;
};

}  // namespace

const char* extern_kind_name(ExternKind kind) {
  switch (kind) {
    case ExternKind::Func: return "function";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "?";
}

const FuncType& CoreModule::function_type(uint32_t func_index) const {
  return types.at(functions.at(func_index));
}

CoreModule parse_core_module(std::span<const uint8_t> bytes) {
  return ModuleParser(bytes).parse();
}

namespace {
char sig_char(ValType v) {
  switch (v) {
    case ValType::I32: return 'i';
    case ValType::I64: return 'I';
    case ValType::F32: return 'f';
    case ValType::F64: return 'F';
    default: throw EngineError("reference types have no signature in sluice's artifact ABI");
  }
}
}  // namespace

std::string func_signature(const FuncType& type) {
  std::string s;
  for (ValType v : type.params) s += sig_char(v);
  s += ':';
  for (ValType v : type.results) s += sig_char(v);
  return s;
}

std::string global_signature(const GlobalType& type) {
  std::string s;
  if (type.is_mutable) s += 'm';
  s += sig_char(type.type);
  return s;
}

std::string import_signature(const CoreModule& module, const Import& import) {
  switch (import.kind) {
    case ExternKind::Func: return func_signature(module.types.at(import.type_index));
    case ExternKind::Global: return global_signature(import.global);
    default: return "";
  }
}

std::string export_signature(const CoreModule& module, const Export& exp) {
  switch (exp.kind) {
    case ExternKind::Func: return func_signature(module.function_type(exp.index));
    case ExternKind::Global: return global_signature(module.globals.at(exp.index));
    default: return "";
  }
}

const FuncType& export_func_type(const CoreModule& module, const Export& exp) {
  return module.function_type(exp.index);
}
const TableType& export_table_type(const CoreModule& module, const Export& exp) {
  return module.tables.at(exp.index);
}
const GlobalType& export_global_type(const CoreModule& module, const Export& exp) {
  return module.globals.at(exp.index);
}

}  // namespace sluice::engine
