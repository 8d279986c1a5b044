#include "component/component_parser.h"

#include <cctype>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

#include "component/abi_layout.h"
#include "component/core_module.h"
#include "component/names.h"

namespace sluice::component {

namespace {

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
constexpr uint8_t kComponentVersion = 0x0d;

std::string hex(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xf]);
    v >>= 4;
  } while (v);
  if (s.size() % 2) s.insert(s.begin(), '0');
  return "0x" + s;
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Sections of a component binary (Binary.md).
enum SectionId : uint8_t {
  kCustom = 0, kCoreModule = 1, kCoreInstance = 2, kCoreType = 3, kComponent = 4, kInstance = 5,
  kAlias = 6, kType = 7, kCanon = 8, kStart = 9, kImport = 10, kExport = 11, kValue = 12,
};

// Resolved index spaces of one scope, used for validation. A component scope
// mirrors the index spaces of its Component; a type scope (the body of an
// instance or component type) has only these. Outer aliases walk `outer`.
struct Scope {
  Scope* outer = nullptr;
  Component* component = nullptr;  // null in type scopes

  std::vector<TypeDef> types;
  std::vector<CoreTypePtr> core_types;
  std::vector<FuncTypePtr> funcs;
  std::vector<InstanceTypePtr> instances;
  std::vector<ComponentTypePtr> components;
  std::vector<CoreModuleTypePtr> core_modules;

  // Declared imports/exports (of the component, or of the type being defined).
  std::vector<ExternItem> imports;
  std::vector<ExternItem> exports;
  std::set<std::string> import_keys;
  std::set<std::string> export_keys;

  // Per core instance: export name -> position in CoreInstanceDef::exports.
  std::vector<std::unordered_map<std::string, uint32_t>> core_export_index;

  // The innermost component scope at or around this one.
  const Scope* enclosing_component() const {
    const Scope* s = this;
    while (s && !s->component) s = s->outer;
    return s;
  }
};

template <class Variant, class Def>
void assign_def(Variant& v, const Def& def) {
  if constexpr (std::is_constructible_v<Variant, Def>) {
    v = def;
  } else {
    throw std::logic_error("definition kind not valid for this sort");
  }
}

bool is_component_level_sort(Sort s) {
  return s == Sort::CoreModule || s == Sort::Func || s == Sort::Type || s == Sort::Component || s == Sort::Instance;
}

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, const ParseLimits& limits)
      : bytes_(bytes), limits_(limits), budget_(limits.max_copied_nodes) {}

  std::shared_ptr<const Component> run() {
    BinaryReader r(bytes_, 0);
    check_preamble(r, /*nested=*/false);
    auto root = std::make_shared<Component>();
    root->size = bytes_.size();
    Scope scope;
    scope.component = root.get();
    parse_component_body(r, *root, scope);
    root->all_modules = std::move(all_modules_);
    return root;
  }

 private:
  // ------------------------------------------------------------ utilities

  class NestingGuard {
   public:
    NestingGuard(Parser& p, uint64_t at) : p_(p) {
      if (++p_.nesting_ > p_.limits_.max_nesting)
        BinaryReader::fail_at(at, "nesting of components and type declarations is deeper than " +
                                      std::to_string(p_.limits_.max_nesting));
    }
    ~NestingGuard() { --p_.nesting_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;

   private:
    Parser& p_;
  };

  void charge(uint64_t n, uint64_t at) {
    if (budget_ < n) BinaryReader::fail_at(at, "component is too complex: type-processing limit reached");
    budget_ -= n;
  }

  static void check_index(uint64_t at, uint32_t index, size_t count, std::string_view what) {
    if (index >= count) {
      BinaryReader::fail_at(at, std::string(what) + " index " + std::to_string(index) + " out of range (" +
                                    std::to_string(count) + " defined so far)");
    }
  }

  static uint64_t func_size(const FuncType& ft) {
    uint64_t n = 1;
    for (const auto& f : ft.params) n += f.type->tree_size;
    for (const auto& f : ft.results) n += f.type->tree_size;
    return n;
  }

  // ------------------------------------------------------------- preamble

  void check_preamble(BinaryReader& r, bool nested) {
    const uint64_t at = r.offset();
    if (r.remaining() == 0) {
      r.fail(nested ? "empty nested component" : "empty input: not a WebAssembly component");
    }
    const size_t have = std::min<size_t>(r.remaining(), 8);
    auto head = r.read_bytes(have, "preamble");
    if (std::memcmp(head.data(), kMagic, std::min<size_t>(have, 4)) != 0) {
      BinaryReader::fail_at(at, "not a WebAssembly binary (bad magic number)");
    }
    if (have < 8) BinaryReader::fail_at(at, "truncated preamble: " + std::to_string(have) + " of 8 bytes");
    const uint16_t version = static_cast<uint16_t>(head[4] | (head[5] << 8));
    const uint16_t layer = static_cast<uint16_t>(head[6] | (head[7] << 8));
    if (layer == 0) {
      BinaryReader::fail_at(at + 6,
                            "this is a core WebAssembly module, not a component; wrap a WASI preview1 command "
                            "with: jco new module.wasm --wasi-command -o component.wasm");
    }
    if (layer != 1) BinaryReader::fail_at(at + 6, "unknown WebAssembly layer " + std::to_string(layer));
    if (version != kComponentVersion) {
      BinaryReader::fail_at(at + 4, "unsupported component binary version " + hex(version) + " (expected " +
                                        hex(kComponentVersion) + ")");
    }
  }

  // ------------------------------------------------------------- sections

  void parse_component_body(BinaryReader& r, Component& c, Scope& scope) {
    while (!r.at_end()) {
      const uint64_t sec_at = r.offset();
      const uint8_t id = r.read_u8("section id");
      const uint32_t size = r.read_u32("section size");
      BinaryReader s = r.sub_reader(size, "section");
      switch (id) {
        case kCustom:
          (void)s.read_name("custom section name");
          s.skip(s.remaining(), "custom section");
          break;
        case kCoreModule: parse_core_module(s, scope); break;
        case kCoreInstance: for_each(s, 2, "core instances", [&] { parse_core_instance(s, c, scope); }); break;
        case kCoreType:
          for_each(s, 1, "core types", [&] {
            const uint64_t at = s.offset();
            add_core_type(scope, read_core_type(s, scope), TypeDefinedHere{}, at);
          });
          break;
        case kComponent: parse_nested_component(s, c, scope); break;
        case kInstance: for_each(s, 2, "instances", [&] { parse_instance(s, scope); }); break;
        case kAlias: for_each(s, 3, "aliases", [&] { parse_alias(s, scope); }); break;
        case kType:
          for_each(s, 1, "types", [&] {
            const uint64_t at = s.offset();
            ExternType t;
            t.sort = Sort::Type;
            t.type = read_deftype(s, scope);
            add_item(scope, t, TypeDefinedHere{}, at);
          });
          break;
        case kCanon: for_each(s, 1, "canonical functions", [&] { parse_canon(s, c, scope); }); break;
        case kStart:
          BinaryReader::fail_at(sec_at, "unsupported: component start functions (value definitions) are not supported");
        case kImport: for_each(s, 3, "imports", [&] { parse_import(s, c, scope); }); break;
        case kExport: for_each(s, 4, "exports", [&] { parse_export(s, c, scope); }); break;
        case kValue:
          BinaryReader::fail_at(sec_at, "unsupported: component value sections are not supported");
        default:
          BinaryReader::fail_at(sec_at, "unknown component section id " + std::to_string(id));
      }
      s.expect_end("section " + std::to_string(id));
    }
  }

  template <class F>
  static void for_each(BinaryReader& s, size_t min_item_bytes, std::string_view what, F&& f) {
    const uint32_t n = s.read_count(min_item_bytes, what);
    for (uint32_t i = 0; i < n; ++i) f();
  }

  void parse_nested_component(BinaryReader& s, Component& c, Scope& scope) {
    const uint64_t at = s.offset();
    NestingGuard guard(*this, at);
    auto nested = std::make_shared<Component>();
    nested->parent = &c;
    nested->depth = c.depth + 1;
    nested->offset = at;
    nested->size = s.remaining();
    check_preamble(s, /*nested=*/true);
    Scope inner;
    inner.outer = &scope;
    inner.component = nested.get();
    parse_component_body(s, *nested, inner);

    auto type = std::make_shared<ComponentType>();
    type->imports = inner.imports;
    type->exports = inner.exports;
    ExternType t;
    t.sort = Sort::Component;
    t.component = type;
    add_item(scope, t, std::shared_ptr<const Component>(nested), at);
  }

  void parse_core_module(BinaryReader& s, Scope& scope) {
    const uint64_t at = s.offset();
    EmbeddedModule m;
    m.offset = at;
    m.size = s.remaining();
    m.global_number = static_cast<uint32_t>(all_modules_.size());
    if (s.remaining() >= 8) {
      auto head = BinaryReader(s).read_bytes(8, "core module preamble");
      if (head[6] == 1 && head[7] == 0) s.fail("core module section holds a component, not a core module");
    }
    auto type = std::make_shared<CoreModuleType>(read_core_module_type(s));
    s.skip(s.remaining(), "core module");
    all_modules_.push_back(m);
    ExternType t;
    t.sort = Sort::CoreModule;
    t.module = type;
    add_item(scope, t, m, at);
  }

  // ------------------------------------------------------- index spaces

  // Adds a component-level item (func, type, instance, component, core
  // module) to `scope`, and, in a component scope, its definition entry.
  template <class Def>
  SortIndex add_item(Scope& scope, const ExternType& t, const Def& def, uint64_t at) {
    uint32_t index = 0;
    switch (t.sort) {
      case Sort::Func:
        index = static_cast<uint32_t>(scope.funcs.size());
        scope.funcs.push_back(t.func);
        break;
      case Sort::Type:
        index = static_cast<uint32_t>(scope.types.size());
        scope.types.push_back(t.type);
        break;
      case Sort::Instance:
        index = static_cast<uint32_t>(scope.instances.size());
        scope.instances.push_back(t.instance);
        break;
      case Sort::Component:
        index = static_cast<uint32_t>(scope.components.size());
        scope.components.push_back(t.component);
        break;
      case Sort::CoreModule:
        index = static_cast<uint32_t>(scope.core_modules.size());
        scope.core_modules.push_back(t.module);
        break;
      default:
        throw std::logic_error("add_item: not a component-level sort");
    }
    if (Component* c = scope.component) {
      switch (t.sort) {
        case Sort::Func: {
          FuncDef e;
          assign_def(e.def, def);
          e.type = t.func;
          e.offset = at;
          c->funcs.push_back(std::move(e));
          break;
        }
        case Sort::Type: {
          TypeEntry e;
          assign_def(e.def, def);
          e.type = t.type;
          e.offset = at;
          c->types.push_back(std::move(e));
          break;
        }
        case Sort::Instance: {
          InstanceDef e;
          assign_def(e.def, def);
          e.type = t.instance;
          e.offset = at;
          c->instances.push_back(std::move(e));
          break;
        }
        case Sort::Component: {
          ComponentDef e;
          assign_def(e.def, def);
          e.type = t.component;
          e.offset = at;
          c->components.push_back(std::move(e));
          break;
        }
        case Sort::CoreModule: {
          CoreModuleDef e;
          assign_def(e.def, def);
          e.type = t.module;
          e.offset = at;
          c->core_modules.push_back(std::move(e));
          break;
        }
        default:
          break;
      }
      c->definitions.push_back({t.sort, index});
    }
    return {t.sort, index};
  }

  template <class Def>
  void add_core_type(Scope& scope, CoreTypePtr t, const Def& def, uint64_t at) {
    const auto index = static_cast<uint32_t>(scope.core_types.size());
    scope.core_types.push_back(t);
    if (Component* c = scope.component) {
      CoreTypeDef e;
      assign_def(e.def, def);
      e.type = std::move(t);
      e.offset = at;
      c->core_types.push_back(std::move(e));
      c->definitions.push_back({Sort::CoreType, index});
    }
  }

  static size_t count(const Scope& scope, Sort sort) {
    switch (sort) {
      case Sort::Func: return scope.funcs.size();
      case Sort::Type: return scope.types.size();
      case Sort::Instance: return scope.instances.size();
      case Sort::Component: return scope.components.size();
      case Sort::CoreModule: return scope.core_modules.size();
      case Sort::CoreType: return scope.core_types.size();
      default: return scope.component ? scope.component->count(sort) : 0;
    }
  }

  // The type of an existing component-level item.
  static ExternType item_type(const Scope& scope, SortIndex item) {
    ExternType t;
    t.sort = item.sort;
    switch (item.sort) {
      case Sort::Func: t.func = scope.funcs.at(item.index); break;
      case Sort::Type: t.type = scope.types.at(item.index); break;
      case Sort::Instance: t.instance = scope.instances.at(item.index); break;
      case Sort::Component: t.component = scope.components.at(item.index); break;
      case Sort::CoreModule: t.module = scope.core_modules.at(item.index); break;
      default: throw std::logic_error("item_type: not a component-level sort");
    }
    return t;
  }

  // Export lookup with a per-instance-type index, so that many aliases into a
  // large instance stay linear.
  const ExternItem* find_export(const InstanceTypePtr& it, const std::string& name) {
    auto [pos, inserted] = export_index_.try_emplace(it.get());
    if (inserted) {
      pos->second.first = it;  // pin: the key must not be freed and reused
      for (uint32_t i = 0; i < it->exports.size(); ++i) pos->second.second.emplace(it->exports[i].name, i);
    }
    auto f = pos->second.second.find(name);
    return f == pos->second.second.end() ? nullptr : &it->exports[f->second];
  }

  // ------------------------------------------------------- sorts & names

  Sort read_core_sort(BinaryReader& r) {
    const uint64_t at = r.offset();
    const uint8_t b = r.read_u8("core sort");
    switch (b) {
      case 0x00: return Sort::CoreFunc;
      case 0x01: return Sort::CoreTable;
      case 0x02: return Sort::CoreMemory;
      case 0x03: return Sort::CoreGlobal;
      case 0x10: return Sort::CoreType;
      case 0x11: return Sort::CoreModule;
      case 0x12: return Sort::CoreInstance;
      default: BinaryReader::fail_at(at, "unknown core sort " + hex(b));
    }
  }

  Sort read_sort(BinaryReader& r) {
    const uint64_t at = r.offset();
    const uint8_t b = r.read_u8("sort");
    switch (b) {
      case 0x00: return read_core_sort(r);
      case 0x01: return Sort::Func;
      case 0x02: BinaryReader::fail_at(at, "unsupported: the value sort is not supported");
      case 0x03: return Sort::Type;
      case 0x04: return Sort::Component;
      case 0x05: return Sort::Instance;
      default: BinaryReader::fail_at(at, "unknown sort " + hex(b));
    }
  }

  // sortidx naming a component-level item (what can be passed to
  // instantiate, put in an instance, or exported), checked to be in range.
  SortIndex read_component_sortidx(BinaryReader& r, const Scope& scope, std::string_view context) {
    const uint64_t at = r.offset();
    SortIndex si;
    si.sort = read_sort(r);
    if (!is_component_level_sort(si.sort)) {
      BinaryReader::fail_at(at, std::string(context) + ": a " + to_string(si.sort) +
                                    " cannot be used here (of the core sorts only core modules can)");
    }
    const uint64_t idx_at = r.offset();
    si.index = r.read_u32("index");
    check_index(idx_at, si.index, count(scope, si.sort), to_string(si.sort));
    return si;
  }

  std::string read_label(BinaryReader& r, std::string_view what) {
    const uint64_t at = r.offset();
    std::string name = r.read_name(what);
    if (!is_valid_label(name)) BinaryReader::fail_at(at, std::string(what) + " " + quote(name) + " is not a kebab-case label");
    return name;
  }

  static void check_unique_label(std::set<std::string>& seen, const std::string& label, uint64_t at,
                                 std::string_view what) {
    if (!seen.insert(uniqueness_key(label)).second)
      BinaryReader::fail_at(at, "duplicate " + std::string(what) + " " + quote(label));
  }

  // importname' / exportname': 0x00 len name, or 0x01 len name [versionsuffix].
  // 0x01 had two meanings over time: older toolchains used it to flag an
  // interface name (no suffix follows); the current spec appends a version
  // suffix to a *canonical* interface name (one whose version has fewer than
  // three parts, e.g. `wasi:http/types@0.2`). We read a suffix only then.
  std::pair<std::string, std::string> read_extern_name(BinaryReader& r) {
    const uint64_t at = r.offset();
    const uint8_t prefix = r.read_u8("name prefix");
    if (prefix != 0x00 && prefix != 0x01) BinaryReader::fail_at(at, "unknown import/export name prefix " + hex(prefix));
    const uint64_t name_at = r.offset();
    std::string name = r.read_name("import/export name");
    if (auto why = check_extern_name(name); !why.empty()) BinaryReader::fail_at(name_at, "invalid name: " + why);
    std::string suffix;
    if (prefix == 0x01) {
      auto iface = parse_interface_name(name);
      if (iface && iface->version && iface->version->components < 3) {
        const uint64_t suf_at = r.offset();
        suffix = r.read_name("version suffix");
        for (char ch : suffix) {
          if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '+' && ch != '-')
            BinaryReader::fail_at(suf_at, "invalid version suffix " + quote(suffix));
        }
      }
    }
    return {std::move(name), std::move(suffix)};
  }

  // ------------------------------------------------------------ core types

  CoreTypePtr read_core_type(BinaryReader& r, Scope& scope) {
    const uint64_t at = r.offset();
    const uint8_t form = r.read_u8("core type form");
    switch (form) {
      case 0x60: return std::make_shared<const CoreType>(read_core_func_type_body(r));
      case 0x50: return std::make_shared<const CoreType>(read_core_module_type_decl(r, scope, at));
      case 0x4e: case 0x4f: case 0x5f: case 0x5e: case 0x00:
        BinaryReader::fail_at(at, "unsupported: GC core type definitions");
      default:
        BinaryReader::fail_at(at, "unknown core type form " + hex(form));
    }
  }

  CoreModuleType read_core_module_type_decl(BinaryReader& r, Scope& scope, uint64_t at) {
    NestingGuard guard(*this, at);
    CoreModuleType mt;
    std::vector<CoreFuncType> types;  // the module type's own core type index space
    std::set<std::string> export_names;
    const uint32_t n = r.read_count(1, "module type declarations");
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t decl_at = r.offset();
      const uint8_t tag = r.read_u8("module type declaration");
      switch (tag) {
        case 0x00: {
          CoreImportDecl imp;
          imp.module = r.read_name("core import module name");
          imp.field = r.read_name("core import field name");
          imp.type = read_core_extern_desc(r, types);
          mt.imports.push_back(std::move(imp));
          break;
        }
        case 0x01: {
          const uint64_t form_at = r.offset();
          const uint8_t form = r.read_u8("core type form");
          if (form == 0x60) types.push_back(read_core_func_type_body(r));
          else if (form == 0x50) BinaryReader::fail_at(form_at, "module types cannot be nested in module types");
          else BinaryReader::fail_at(form_at, "unsupported core type form " + hex(form) + " in module type");
          break;
        }
        case 0x02: {
          const uint64_t sort_at = r.offset();
          if (r.read_u8("core alias sort") != 0x10) BinaryReader::fail_at(sort_at, "module type aliases must be of sort type");
          const uint64_t tgt_at = r.offset();
          if (r.read_u8("core alias target") != 0x01) BinaryReader::fail_at(tgt_at, "module type aliases must be outer aliases");
          const uint64_t ct_at = r.offset();
          const uint32_t ct = r.read_u32("outer count");
          const uint64_t idx_at = r.offset();
          const uint32_t idx = r.read_u32("outer index");
          if (ct == 0) {
            check_index(idx_at, idx, types.size(), "core type");
            types.push_back(types[idx]);
          } else {
            const Scope* s = &scope;
            for (uint32_t k = 1; k < ct && s; ++k) s = s->outer;
            if (!s) BinaryReader::fail_at(ct_at, "outer alias count " + std::to_string(ct) + " exceeds the enclosing scopes");
            check_index(idx_at, idx, s->core_types.size(), "core type");
            const auto* ft = std::get_if<CoreFuncType>(s->core_types[idx].get());
            if (!ft) BinaryReader::fail_at(idx_at, "module types can only alias core func types");
            types.push_back(*ft);
          }
          break;
        }
        case 0x03: {
          CoreExportDecl exp;
          const uint64_t name_at = r.offset();
          exp.name = r.read_name("core export name");
          if (!export_names.insert(exp.name).second)
            BinaryReader::fail_at(name_at, "duplicate export " + quote(exp.name) + " in module type");
          exp.type = read_core_extern_desc(r, types);
          mt.exports.push_back(std::move(exp));
          break;
        }
        default:
          BinaryReader::fail_at(decl_at, "unknown module type declaration " + hex(tag));
      }
    }
    return mt;
  }

  // ---------------------------------------------------- component types

  ValTypePtr finish(std::shared_ptr<ValType> t, uint64_t at) {
    finish_val_type(*t);
    if (t->depth > limits_.max_type_depth)
      BinaryReader::fail_at(at, "type nesting is deeper than " + std::to_string(limits_.max_type_depth));
    if (t->tree_size > limits_.max_type_size)
      BinaryReader::fail_at(at, "type is too large (more than " + std::to_string(limits_.max_type_size) + " nodes)");
    return t;
  }

  static std::optional<ValKind> primitive_from_code(uint8_t b) {
    if (b < 0x73 || b > 0x7f) return std::nullopt;
    return static_cast<ValKind>(0x7f - b);  // 0x7f bool, 0x7e s8, ..., 0x73 string
  }

  ValTypePtr read_valtype(BinaryReader& r, const Scope& scope) {
    const uint64_t at = r.offset();
    const int64_t v = r.read_sleb(33, "value type");
    if (v < 0) {
      // Negative: a one-byte type code (0x7f = -1 ... 0x73 = -13).
      if (v >= -13) return primitive(*primitive_from_code(static_cast<uint8_t>(0x80 + v)));
      BinaryReader::fail_at(at, "unknown value type code " + std::to_string(v));
    }
    if (v > UINT32_MAX) BinaryReader::fail_at(at, "type index does not fit in 32 bits");
    const auto idx = static_cast<uint32_t>(v);
    check_index(at, idx, scope.types.size(), "type");
    const auto* vt = as_val_type(scope.types[idx]);
    if (!vt || !*vt) {
      BinaryReader::fail_at(at, "type " + std::to_string(idx) + " is a " + type_class_name(scope.types[idx]) +
                                    ", not a value type");
    }
    return *vt;
  }

  ValTypePtr read_optional_valtype(BinaryReader& r, const Scope& scope) {
    const uint64_t at = r.offset();
    const uint8_t b = r.read_u8("optional value type");
    if (b == 0x00) return nullptr;
    if (b == 0x01) return read_valtype(r, scope);
    BinaryReader::fail_at(at, "invalid optional value type flag " + hex(b));
  }

  ResourcePtr read_resource_ref(BinaryReader& r, const Scope& scope, std::string_view what) {
    const uint64_t at = r.offset();
    const uint32_t idx = r.read_u32("resource type index");
    check_index(at, idx, scope.types.size(), "type");
    const auto* res = as_resource(scope.types[idx]);
    if (!res) {
      BinaryReader::fail_at(at, std::string(what) + ": type " + std::to_string(idx) + " is a " +
                                    type_class_name(scope.types[idx]) + ", not a resource type");
    }
    return *res;
  }

  ValTypePtr read_defvaltype(BinaryReader& r, const Scope& scope) {
    const uint64_t at = r.offset();
    const uint8_t b = r.read_u8("type");
    if (auto prim = primitive_from_code(b)) return primitive(*prim);
    auto t = std::make_shared<ValType>();
    switch (b) {
      case 0x72: {
        t->kind = ValKind::Record;
        const uint32_t n = r.read_count(2, "record fields");
        if (n == 0) BinaryReader::fail_at(at, "record type has no fields");
        std::set<std::string> seen;
        t->fields.reserve(n);
        for (uint32_t i = 0; i < n; ++i) {
          const uint64_t f_at = r.offset();
          Field f;
          f.name = read_label(r, "record field name");
          check_unique_label(seen, f.name, f_at, "record field");
          f.type = read_valtype(r, scope);
          t->fields.push_back(std::move(f));
        }
        break;
      }
      case 0x71: {
        t->kind = ValKind::Variant;
        const uint32_t n = r.read_count(3, "variant cases");
        if (n == 0) BinaryReader::fail_at(at, "variant type has no cases");
        std::set<std::string> seen;
        t->cases.reserve(n);
        for (uint32_t i = 0; i < n; ++i) {
          const uint64_t c_at = r.offset();
          Case c;
          c.name = read_label(r, "variant case name");
          check_unique_label(seen, c.name, c_at, "variant case");
          c.type = read_optional_valtype(r, scope);
          const uint64_t tag_at = r.offset();
          const uint8_t tag = r.read_u8("variant case end");
          if (tag == 0x01) BinaryReader::fail_at(tag_at, "unsupported: variant case `refines` clauses");
          if (tag != 0x00) BinaryReader::fail_at(tag_at, "invalid variant case end byte " + hex(tag));
          t->cases.push_back(std::move(c));
        }
        break;
      }
      case 0x70:
        t->kind = ValKind::List;
        t->elem = read_valtype(r, scope);
        break;
      case 0x6f: {
        t->kind = ValKind::Tuple;
        const uint32_t n = r.read_count(1, "tuple elements");
        if (n == 0) BinaryReader::fail_at(at, "tuple type has no elements");
        t->elems.reserve(n);
        for (uint32_t i = 0; i < n; ++i) t->elems.push_back(read_valtype(r, scope));
        break;
      }
      case 0x6e:
      case 0x6d: {
        t->kind = b == 0x6e ? ValKind::Flags : ValKind::Enum;
        const char* what = b == 0x6e ? "flags" : "enum";
        const uint32_t n = r.read_count(2, std::string(what) + " labels");
        if (n == 0) BinaryReader::fail_at(at, std::string(what) + " type has no labels");
        std::set<std::string> seen;
        t->labels.reserve(n);
        for (uint32_t i = 0; i < n; ++i) {
          const uint64_t l_at = r.offset();
          t->labels.push_back(read_label(r, std::string(what) + " label"));
          check_unique_label(seen, t->labels.back(), l_at, std::string(what) + " label");
        }
        break;
      }
      case 0x6b:
        t->kind = ValKind::Option;
        t->elem = read_valtype(r, scope);
        break;
      case 0x6a:
        t->kind = ValKind::Result;
        t->elem = read_optional_valtype(r, scope);
        t->error = read_optional_valtype(r, scope);
        break;
      case 0x69:
      case 0x68:
        t->kind = b == 0x69 ? ValKind::Own : ValKind::Borrow;
        t->resource = read_resource_ref(r, scope, b == 0x69 ? "own" : "borrow");
        break;
      case 0x67:
        BinaryReader::fail_at(at, "unsupported: fixed-length list types");
      case 0x66:
      case 0x65:
      case 0x64:
        BinaryReader::fail_at(at, "unsupported: async types (stream, future, error-context)");
      case 0x6c:
        BinaryReader::fail_at(at, "unsupported: union types (removed from the component model)");
      default:
        BinaryReader::fail_at(at, "unknown type form " + hex(b));
    }
    return finish(std::move(t), at);
  }

  FuncTypePtr read_func_type(BinaryReader& r, const Scope& scope, uint64_t at) {
    auto ft = std::make_shared<FuncType>();
    std::set<std::string> seen;
    const uint32_t np = r.read_count(2, "function parameters");
    ft->params.reserve(np);
    for (uint32_t i = 0; i < np; ++i) {
      const uint64_t p_at = r.offset();
      Field f;
      f.name = read_label(r, "parameter name");
      check_unique_label(seen, f.name, p_at, "parameter");
      f.type = read_valtype(r, scope);
      ft->params.push_back(std::move(f));
    }
    const uint64_t res_at = r.offset();
    const uint8_t form = r.read_u8("function results");
    if (form == 0x00) {
      ft->results.push_back(Field{"", read_valtype(r, scope)});
    } else if (form == 0x01) {
      seen.clear();
      const uint32_t nr = r.read_count(2, "function results");
      for (uint32_t i = 0; i < nr; ++i) {
        const uint64_t f_at = r.offset();
        Field f;
        f.name = read_label(r, "result name");
        check_unique_label(seen, f.name, f_at, "result");
        f.type = read_valtype(r, scope);
        ft->results.push_back(std::move(f));
      }
    } else {
      BinaryReader::fail_at(res_at, "invalid function result form " + hex(form));
    }
    for (const auto& f : ft->results)
      if (f.type->has_borrow) BinaryReader::fail_at(at, "function results cannot contain borrow handles");
    return ft;
  }

  TypeDef read_deftype(BinaryReader& r, Scope& scope) {
    const uint64_t at = r.offset();
    const uint8_t b = r.peek_u8("type");
    switch (b) {
      case 0x40:
        r.read_u8("type");
        return read_func_type(r, scope, at);
      case 0x41:
        r.read_u8("type");
        return read_type_decls(r, scope, /*component_type=*/true, at);
      case 0x42:
        r.read_u8("type");
        return read_type_decls(r, scope, /*component_type=*/false, at);
      case 0x3f:
        r.read_u8("type");
        return read_resource_type(r, scope, at);
      case 0x43:
        BinaryReader::fail_at(at, "unsupported: async function types");
      default:
        return read_defvaltype(r, scope);
    }
  }

  ResourcePtr read_resource_type(BinaryReader& r, Scope& scope, uint64_t at) {
    if (!scope.component)
      BinaryReader::fail_at(at, "resource types cannot be defined inside instance or component types");
    const uint64_t rep_at = r.offset();
    const uint8_t rep = r.read_u8("resource representation");
    if (rep != 0x7f) BinaryReader::fail_at(rep_at, "resource representation must be i32 (0x7f), got " + hex(rep));
    auto res = std::make_shared<ResourceType>();
    res->origin = ResourceType::Origin::Defined;
    res->id = next_resource_id_++;
    res->owner = scope.component;
    const uint64_t opt_at = r.offset();
    const uint8_t has_dtor = r.read_u8("resource destructor flag");
    if (has_dtor == 0x01) {
      const uint64_t f_at = r.offset();
      const uint32_t f = r.read_u32("destructor core func index");
      check_index(f_at, f, scope.component->core_funcs.size(), "core func");
      const CoreFuncType want{{CoreValType::I32}, {}};
      if (!(scope.component->core_funcs[f].type == want))
        BinaryReader::fail_at(f_at, "resource destructor must have type (func (param i32)), core func " +
                                        std::to_string(f) + " is " + to_string(scope.component->core_funcs[f].type));
      res->dtor = f;
    } else if (has_dtor != 0x00) {
      BinaryReader::fail_at(opt_at, "invalid resource destructor flag " + hex(has_dtor));
    }
    return res;
  }

  // Body of an instance type (0x42) or component type (0x41): a new scope
  // whose imports/exports become the type.
  TypeDef read_type_decls(BinaryReader& r, Scope& scope, bool component_type, uint64_t at) {
    NestingGuard guard(*this, at);
    Scope inner;
    inner.outer = &scope;
    const uint32_t n = r.read_count(1, component_type ? "component type declarations" : "instance type declarations");
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t decl_at = r.offset();
      const uint8_t tag = r.read_u8("type declaration");
      switch (tag) {
        case 0x00:
          inner.core_types.push_back(read_core_type(r, inner));
          break;
        case 0x01:
          inner.types.push_back(read_deftype(r, inner));
          break;
        case 0x02:
          parse_alias(r, inner);
          break;
        case 0x03:
          if (!component_type) BinaryReader::fail_at(decl_at, "instance types cannot contain imports");
          read_extern_decl(r, inner, /*is_import=*/true);
          break;
        case 0x04:
          read_extern_decl(r, inner, /*is_import=*/false);
          break;
        default:
          BinaryReader::fail_at(decl_at, "unknown type declaration " + hex(tag));
      }
    }
    if (component_type) {
      auto ct = std::make_shared<ComponentType>();
      ct->imports = std::move(inner.imports);
      ct->exports = std::move(inner.exports);
      return ComponentTypePtr(ct);
    }
    auto it = std::make_shared<InstanceType>();
    it->exports = std::move(inner.exports);
    return InstanceTypePtr(it);
  }

  // importdecl/exportdecl inside a type: a new item of the described type.
  void read_extern_decl(BinaryReader& r, Scope& scope, bool is_import) {
    const uint64_t at = r.offset();
    auto [name, suffix] = read_extern_name(r);
    auto& keys = is_import ? scope.import_keys : scope.export_keys;
    if (!keys.insert(uniqueness_key(name)).second)
      BinaryReader::fail_at(at, std::string("duplicate ") + (is_import ? "import " : "export ") + quote(name));
    ExternDesc desc = read_extern_desc(r, scope);
    if (desc.sort == Sort::Type && desc.bound == TypeBound::SubResource) {
      auto res = std::make_shared<ResourceType>();
      res->origin = ResourceType::Origin::Abstract;
      res->id = next_resource_id_++;
      res->name = name;
      desc.type.type = ResourcePtr(res);
    }
    add_item(scope, desc.type, TypeDefinedHere{}, at);
    (is_import ? scope.imports : scope.exports).push_back(ExternItem{name, desc.type});
  }

  ExternDesc read_extern_desc(BinaryReader& r, const Scope& scope) {
    const uint64_t at = r.offset();
    const uint8_t b = r.read_u8("extern kind");
    ExternDesc d;
    auto type_at = [&](uint32_t idx, uint64_t idx_at) -> const TypeDef& {
      check_index(idx_at, idx, scope.types.size(), "type");
      return scope.types[idx];
    };
    switch (b) {
      case 0x00: {
        const uint64_t k_at = r.offset();
        const uint8_t k = r.read_u8("core extern kind");
        if (k != 0x11) BinaryReader::fail_at(k_at, "of the core sorts only core modules can be imported or exported");
        d.sort = Sort::CoreModule;
        const uint64_t idx_at = r.offset();
        d.type_index = r.read_u32("core type index");
        check_index(idx_at, d.type_index, scope.core_types.size(), "core type");
        const CoreTypePtr& ct = scope.core_types[d.type_index];
        const auto* mt = std::get_if<CoreModuleType>(ct.get());
        if (!mt) BinaryReader::fail_at(idx_at, "core type " + std::to_string(d.type_index) + " is not a module type");
        d.type.module = CoreModuleTypePtr(ct, mt);  // aliasing: shares ownership of the core type
        break;
      }
      case 0x01: {
        d.sort = Sort::Func;
        const uint64_t idx_at = r.offset();
        d.type_index = r.read_u32("func type index");
        const auto* ft = as_func_type(type_at(d.type_index, idx_at));
        if (!ft) BinaryReader::fail_at(idx_at, "type " + std::to_string(d.type_index) + " is not a func type");
        d.type.func = *ft;
        break;
      }
      case 0x02:
        BinaryReader::fail_at(at, "unsupported: value imports/exports");
      case 0x03: {
        d.sort = Sort::Type;
        const uint64_t bound_at = r.offset();
        const uint8_t bound = r.read_u8("type bound");
        if (bound == 0x00) {
          const uint64_t idx_at = r.offset();
          d.type_index = r.read_u32("type index");
          d.type.type = type_at(d.type_index, idx_at);
          d.bound = TypeBound::Eq;
        } else if (bound == 0x01) {
          d.bound = TypeBound::SubResource;  // the caller creates the resource
        } else {
          BinaryReader::fail_at(bound_at, "unknown type bound " + hex(bound));
        }
        break;
      }
      case 0x04: {
        d.sort = Sort::Component;
        const uint64_t idx_at = r.offset();
        d.type_index = r.read_u32("component type index");
        const auto* ct = as_component_type(type_at(d.type_index, idx_at));
        if (!ct) BinaryReader::fail_at(idx_at, "type " + std::to_string(d.type_index) + " is not a component type");
        d.type.component = *ct;
        break;
      }
      case 0x05: {
        d.sort = Sort::Instance;
        const uint64_t idx_at = r.offset();
        d.type_index = r.read_u32("instance type index");
        const auto* it = as_instance_type(type_at(d.type_index, idx_at));
        if (!it) BinaryReader::fail_at(idx_at, "type " + std::to_string(d.type_index) + " is not an instance type");
        d.type.instance = *it;
        break;
      }
      default:
        BinaryReader::fail_at(at, "unknown extern kind " + hex(b));
    }
    d.type.sort = d.sort;
    return d;
  }

  // ---------------------------------------------------------------- alias

  void parse_alias(BinaryReader& r, Scope& scope) {
    const uint64_t at = r.offset();
    const Sort sort = read_sort(r);
    const uint64_t tgt_at = r.offset();
    const uint8_t target = r.read_u8("alias target");
    switch (target) {
      case 0x00: {  // export of a component instance
        const uint64_t idx_at = r.offset();
        const uint32_t inst = r.read_u32("instance index");
        check_index(idx_at, inst, scope.instances.size(), "instance");
        std::string name = r.read_name("export name");
        const ExternItem* e = find_export(scope.instances[inst], name);
        if (!e) BinaryReader::fail_at(at, "instance " + std::to_string(inst) + " has no export " + quote(name));
        if (e->type.sort != sort) {
          BinaryReader::fail_at(at, "instance " + std::to_string(inst) + " export " + quote(name) + " is a " +
                                        to_string(e->type.sort) + ", not a " + to_string(sort));
        }
        if (!is_component_level_sort(sort)) BinaryReader::fail_at(at, "cannot alias a " + std::string(to_string(sort)));
        add_item(scope, e->type, InstanceExportAlias{inst, std::move(name)}, at);
        return;
      }
      case 0x01: {  // export of a core instance
        Component* c = scope.component;
        if (!c) BinaryReader::fail_at(at, "core export aliases are not allowed inside type declarations");
        CoreExternKind kind;
        switch (sort) {
          case Sort::CoreFunc: kind = CoreExternKind::Func; break;
          case Sort::CoreTable: kind = CoreExternKind::Table; break;
          case Sort::CoreMemory: kind = CoreExternKind::Memory; break;
          case Sort::CoreGlobal: kind = CoreExternKind::Global; break;
          default:
            BinaryReader::fail_at(at, std::string("core export aliases cannot have sort ") + to_string(sort));
        }
        const uint64_t idx_at = r.offset();
        const uint32_t inst = r.read_u32("core instance index");
        check_index(idx_at, inst, c->core_instances.size(), "core instance");
        std::string name = r.read_name("core export name");
        const auto& idx = scope.core_export_index[inst];
        auto f = idx.find(name);
        if (f == idx.end()) BinaryReader::fail_at(at, "core instance " + std::to_string(inst) + " has no export " + quote(name));
        const CoreExportDecl& e = c->core_instances[inst].exports[f->second];
        if (e.type.kind != kind) {
          BinaryReader::fail_at(at, "core instance " + std::to_string(inst) + " export " + quote(name) + " is a " +
                                        to_string(e.type.kind) + ", not a " + to_string(kind));
        }
        CoreExportAlias alias{inst, std::move(name)};
        if (sort == Sort::CoreFunc) {
          c->core_funcs.push_back(CoreFuncDef{alias, e.type.func, at});
        } else {
          auto& space = sort == Sort::CoreTable ? c->core_tables : sort == Sort::CoreMemory ? c->core_memories : c->core_globals;
          space.push_back(CoreItemDef{alias, e.type, at});
        }
        c->definitions.push_back({sort, static_cast<uint32_t>(c->count(sort) - 1)});
        return;
      }
      case 0x02: {  // outer
        const uint64_t ct_at = r.offset();
        const uint32_t ct = r.read_u32("outer count");
        const uint64_t idx_at = r.offset();
        const uint32_t idx = r.read_u32("outer index");
        if (sort != Sort::Type && sort != Sort::CoreType && sort != Sort::CoreModule && sort != Sort::Component)
          BinaryReader::fail_at(at, std::string("outer aliases cannot have sort ") + to_string(sort));
        const Scope* s = &scope;
        for (uint32_t k = 0; k < ct && s; ++k) s = s->outer;
        if (!s) BinaryReader::fail_at(ct_at, "outer alias count " + std::to_string(ct) + " exceeds the enclosing scopes");
        check_index(idx_at, idx, count(*s, sort), to_string(sort));
        const Scope* target_component = s->enclosing_component();
        OuterAlias alias{ct, idx, target_component ? target_component->component : nullptr};
        if (sort == Sort::CoreType) {
          add_core_type(scope, s->core_types[idx], alias, at);
          return;
        }
        ExternType t = item_type(*s, SortIndex{sort, idx});
        if (const auto* res = as_resource(t.type); res && (*res)->origin == ResourceType::Origin::Defined &&
                                                    target_component != scope.enclosing_component()) {
          BinaryReader::fail_at(at, "outer alias of a resource type defined in an enclosing component "
                                    "(resource types are generative)");
        }
        add_item(scope, t, alias, at);
        return;
      }
      default:
        BinaryReader::fail_at(tgt_at, "unknown alias target " + hex(target));
    }
  }

  // -------------------------------------------------------- core instances

  void parse_core_instance(BinaryReader& r, Component& c, Scope& scope) {
    const uint64_t at = r.offset();
    const auto self = std::to_string(c.core_instances.size());
    const uint8_t tag = r.read_u8("core instance kind");
    CoreInstanceDef def;
    def.offset = at;
    if (tag == 0x00) {
      CoreInstantiate inst;
      const uint64_t m_at = r.offset();
      inst.module = r.read_u32("core module index");
      check_index(m_at, inst.module, c.core_modules.size(), "core module");
      std::set<std::string> names;
      const uint32_t n = r.read_count(3, "core instantiate arguments");
      for (uint32_t i = 0; i < n; ++i) {
        const uint64_t a_at = r.offset();
        CoreInstantiateArg arg;
        arg.name = r.read_name("core instantiate argument name");
        const uint64_t k_at = r.offset();
        const uint8_t kind = r.read_u8("core instantiate argument kind");
        if (kind != 0x12) BinaryReader::fail_at(k_at, "core instantiate argument " + quote(arg.name) + ": only core instances can be passed (got kind " + hex(kind) + ")");
        const uint64_t i_at = r.offset();
        arg.core_instance = r.read_u32("core instance index");
        check_index(i_at, arg.core_instance, c.core_instances.size(), "core instance");
        if (!names.insert(arg.name).second) BinaryReader::fail_at(a_at, "duplicate core instantiate argument " + quote(arg.name));
        inst.args.push_back(std::move(arg));
      }
      const CoreModuleType& mt = *c.core_modules[inst.module].type;
      const std::string ctx = "core instance " + self + " (instantiate core module " + std::to_string(inst.module) + ")";
      for (const auto& imp : mt.imports) {
        const CoreInstantiateArg* arg = inst.find_arg(imp.module);
        if (!arg) BinaryReader::fail_at(at, ctx + ": no argument supplies import module " + quote(imp.module));
        const auto& idx = scope.core_export_index[arg->core_instance];
        auto f = idx.find(imp.field);
        if (f == idx.end()) {
          BinaryReader::fail_at(at, ctx + ": argument " + quote(imp.module) + " (core instance " +
                                        std::to_string(arg->core_instance) + ") has no export " + quote(imp.field));
        }
        const CoreExternType& have = c.core_instances[arg->core_instance].exports[f->second].type;
        const std::string what = ctx + ": import " + quote(imp.module + "." + imp.field);
        if (have.kind != imp.type.kind) {
          BinaryReader::fail_at(at, what + " expects a " + to_string(imp.type.kind) + ", but core instance " +
                                        std::to_string(arg->core_instance) + " exports a " + to_string(have.kind));
        }
        if ((have.kind == CoreExternKind::Func || have.kind == CoreExternKind::Tag) && !(have.func == imp.type.func)) {
          BinaryReader::fail_at(at, what + " expects " + to_string(imp.type.func) + ", got " + to_string(have.func));
        }
      }
      def.exports = mt.exports;
      def.def = std::move(inst);
    } else if (tag == 0x01) {
      CoreInlineExports bag;
      std::set<std::string> names;
      const uint32_t n = r.read_count(3, "core inline exports");
      for (uint32_t i = 0; i < n; ++i) {
        const uint64_t e_at = r.offset();
        CoreInlineExport e;
        e.name = r.read_name("core export name");
        if (!names.insert(e.name).second) BinaryReader::fail_at(e_at, "duplicate core export " + quote(e.name));
        const uint64_t s_at = r.offset();
        e.item.sort = read_core_sort(r);
        const uint64_t i_at = r.offset();
        e.item.index = r.read_u32("core item index");
        CoreExportDecl decl;
        decl.name = e.name;
        switch (e.item.sort) {
          case Sort::CoreFunc:
            check_index(i_at, e.item.index, c.core_funcs.size(), "core func");
            decl.type.kind = CoreExternKind::Func;
            decl.type.func = c.core_funcs[e.item.index].type;
            break;
          case Sort::CoreTable:
            check_index(i_at, e.item.index, c.core_tables.size(), "core table");
            decl.type = c.core_tables[e.item.index].type;
            break;
          case Sort::CoreMemory:
            check_index(i_at, e.item.index, c.core_memories.size(), "core memory");
            decl.type = c.core_memories[e.item.index].type;
            break;
          case Sort::CoreGlobal:
            check_index(i_at, e.item.index, c.core_globals.size(), "core global");
            decl.type = c.core_globals[e.item.index].type;
            break;
          default:
            BinaryReader::fail_at(s_at, "core instances can only export funcs, tables, memories and globals");
        }
        def.exports.push_back(std::move(decl));
        bag.exports.push_back(std::move(e));
      }
      def.def = std::move(bag);
    } else {
      BinaryReader::fail_at(at, "unknown core instance kind " + hex(tag));
    }
    std::unordered_map<std::string, uint32_t> index;
    for (uint32_t i = 0; i < def.exports.size(); ++i) index.emplace(def.exports[i].name, i);
    scope.core_export_index.push_back(std::move(index));
    c.core_instances.push_back(std::move(def));
    c.definitions.push_back({Sort::CoreInstance, static_cast<uint32_t>(c.core_instances.size() - 1)});
  }

  // -------------------------------------------------- component instances

  // Records, in `sub`, which resource of the argument each resource of the
  // import stands for (by walking both types in parallel).
  void bind_resources(const ExternType& want, const ExternType& have, ResourceSubstitution& sub, uint64_t at) {
    if (want.sort != have.sort) return;
    if (want.sort == Sort::Type) {
      const auto* rw = as_resource(want.type);
      const auto* rh = as_resource(have.type);
      if (rw && rh && !sub.contains(rw->get())) sub.add(rw->get(), *rh);
    } else if (want.sort == Sort::Instance && want.instance && have.instance) {
      charge(want.instance->exports.size(), at);
      for (const auto& e : want.instance->exports) {
        if (const ExternItem* h = find_export(have.instance, e.name)) bind_resources(e.type, h->type, sub, at);
      }
    }
  }

  // Checks that `have` can be passed where `want` (already substituted) is
  // expected. Component and core module arguments are checked by sort only.
  void check_compatible(const ExternType& want, const ExternType& have, const std::string& what, uint64_t at) {
    if (want.sort != have.sort) {
      BinaryReader::fail_at(at, what + ": expected a " + std::string(to_string(want.sort)) + ", got a " + to_string(have.sort));
    }
    switch (want.sort) {
      case Sort::Func:
        charge(func_size(*want.func) + func_size(*have.func), at);
        if (!equal(*want.func, *have.func))
          BinaryReader::fail_at(at, what + ": expected " + to_string(*want.func) + ", got " + to_string(*have.func));
        break;
      case Sort::Type: {
        const auto* rw = as_resource(want.type);
        const auto* vw = as_val_type(want.type);
        if (rw && !as_resource(have.type)) BinaryReader::fail_at(at, what + ": expected a resource type");
        if (vw && *vw) {
          const auto* vh = as_val_type(have.type);
          if (!vh || !*vh || !equal(*vw, *vh)) BinaryReader::fail_at(at, what + ": value types differ");
        }
        break;
      }
      case Sort::Instance:
        charge(want.instance->exports.size(), at);
        for (const auto& e : want.instance->exports) {
          const ExternItem* h = find_export(have.instance, e.name);
          if (!h) BinaryReader::fail_at(at, what + ": instance has no export " + quote(e.name));
          check_compatible(e.type, h->type, what + " export " + quote(e.name), at);
        }
        break;
      default:
        break;
    }
  }

  void parse_instance(BinaryReader& r, Scope& scope) {
    const uint64_t at = r.offset();
    const auto self = std::to_string(scope.instances.size());
    const uint8_t tag = r.read_u8("instance kind");
    ExternType t;
    t.sort = Sort::Instance;
    auto it = std::make_shared<InstanceType>();
    if (tag == 0x00) {
      ComponentInstantiate inst;
      const uint64_t c_at = r.offset();
      inst.component = r.read_u32("component index");
      check_index(c_at, inst.component, scope.components.size(), "component");
      std::set<std::string> names;
      const uint32_t n = r.read_count(3, "instantiate arguments");
      for (uint32_t i = 0; i < n; ++i) {
        const uint64_t a_at = r.offset();
        InstantiateArg arg;
        arg.name = r.read_name("instantiate argument name");
        arg.item = read_component_sortidx(r, scope, "instantiate argument " + quote(arg.name));
        if (!names.insert(arg.name).second) BinaryReader::fail_at(a_at, "duplicate instantiate argument " + quote(arg.name));
        inst.args.push_back(std::move(arg));
      }
      const ComponentType& ct = *scope.components[inst.component];
      const std::string ctx = "instance " + self + " (instantiate component " + std::to_string(inst.component) + ")";
      ResourceSubstitution sub(&budget_);
      try {
        charge(ct.imports.size() + ct.exports.size(), at);
        for (const auto& imp : ct.imports) {
          const InstantiateArg* arg = inst.find_arg(imp.name);
          if (!arg) BinaryReader::fail_at(at, ctx + ": no argument supplies import " + quote(imp.name));
          bind_resources(imp.type, item_type(scope, arg->item), sub, at);
        }
        for (const auto& imp : ct.imports) {
          const InstantiateArg* arg = inst.find_arg(imp.name);
          check_compatible(sub.apply(imp.type), item_type(scope, arg->item), ctx + ": argument " + quote(imp.name), at);
        }
        for (const auto& e : ct.exports) it->exports.push_back(ExternItem{e.name, sub.apply(e.type)});
      } catch (const std::length_error&) {
        BinaryReader::fail_at(at, "component is too complex: type substitution limit reached");
      }
      t.instance = it;
      add_item(scope, t, std::move(inst), at);
    } else if (tag == 0x01) {
      InlineExports bag;
      std::set<std::string> keys;
      const uint32_t n = r.read_count(3, "instance exports");
      for (uint32_t i = 0; i < n; ++i) {
        const uint64_t e_at = r.offset();
        InlineExport e;
        e.name = read_extern_name(r).first;
        if (!keys.insert(uniqueness_key(e.name)).second) BinaryReader::fail_at(e_at, "duplicate instance export " + quote(e.name));
        e.item = read_component_sortidx(r, scope, "instance export " + quote(e.name));
        it->exports.push_back(ExternItem{e.name, item_type(scope, e.item)});
        bag.exports.push_back(std::move(e));
      }
      t.instance = it;
      add_item(scope, t, std::move(bag), at);
    } else {
      BinaryReader::fail_at(at, "unknown instance kind " + hex(tag));
    }
  }

  // ---------------------------------------------------------------- canon

  CanonOptions read_canon_options(BinaryReader& r, const Component& c) {
    CanonOptions o;
    bool have_encoding = false;
    const uint32_t n = r.read_count(1, "canonical options");
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t at = r.offset();
      const uint8_t b = r.read_u8("canonical option");
      switch (b) {
        case 0x00: case 0x01: case 0x02:
          if (have_encoding) BinaryReader::fail_at(at, "string-encoding given more than once");
          have_encoding = true;
          o.string_encoding = b == 0x00 ? StringEncoding::Utf8 : b == 0x01 ? StringEncoding::Utf16 : StringEncoding::Latin1Utf16;
          break;
        case 0x03: {
          if (o.memory) BinaryReader::fail_at(at, "memory option given more than once");
          const uint64_t i_at = r.offset();
          o.memory = r.read_u32("memory index");
          check_index(i_at, *o.memory, c.core_memories.size(), "core memory");
          break;
        }
        case 0x04: {
          if (o.realloc) BinaryReader::fail_at(at, "realloc option given more than once");
          const uint64_t i_at = r.offset();
          o.realloc = r.read_u32("realloc index");
          check_index(i_at, *o.realloc, c.core_funcs.size(), "core func");
          const CoreFuncType want{{CoreValType::I32, CoreValType::I32, CoreValType::I32, CoreValType::I32}, {CoreValType::I32}};
          if (!(c.core_funcs[*o.realloc].type == want))
            BinaryReader::fail_at(i_at, "realloc must have type " + to_string(want) + ", core func " +
                                            std::to_string(*o.realloc) + " is " + to_string(c.core_funcs[*o.realloc].type));
          break;
        }
        case 0x05: {
          if (o.post_return) BinaryReader::fail_at(at, "post-return option given more than once");
          const uint64_t i_at = r.offset();
          o.post_return = r.read_u32("post-return index");
          check_index(i_at, *o.post_return, c.core_funcs.size(), "core func");
          break;
        }
        case 0x06: case 0x07:
          BinaryReader::fail_at(at, "unsupported: async canonical options (async, callback)");
        default:
          BinaryReader::fail_at(at, "unknown canonical option " + hex(b));
      }
    }
    return o;
  }

  // The memory/realloc/post-return requirements of lifting or lowering `ft`.
  void check_options(const CanonOptions& o, const FuncType& ft, abi::FlattenContext cx, const Component& c,
                     const std::string& what, uint64_t at) {
    bool params_mem = false, results_mem = false;
    size_t flat_params = 0, flat_results = 0;
    for (const auto& p : ft.params) {
      params_mem |= p.type->needs_memory;
      flat_params += abi::flatten_type(*p.type).size();
    }
    for (const auto& p : ft.results) {
      results_mem |= p.type->needs_memory;
      flat_results += abi::flatten_type(*p.type).size();
    }
    const bool params_spill = flat_params > abi::kMaxFlatParams;
    const bool results_spill = flat_results > abi::kMaxFlatResults;
    const bool lift = cx == abi::FlattenContext::Lift;
    if ((params_mem || results_mem || params_spill || results_spill) && !o.memory)
      BinaryReader::fail_at(at, what + ": a memory option is required (strings, lists or values passed through memory)");
    const bool need_realloc = lift ? (params_mem || params_spill) : results_mem;
    if (need_realloc && !o.realloc)
      BinaryReader::fail_at(at, what + ": a realloc option is required (strings or lists are passed in)");
    if (o.post_return) {
      if (!lift) BinaryReader::fail_at(at, what + ": post-return is only allowed on canon lift");
      const CoreFuncType want{abi::flatten_functype(ft, cx).results, {}};
      if (!(c.core_funcs[*o.post_return].type == want))
        BinaryReader::fail_at(at, what + ": post-return must have type " + to_string(want) + ", core func " +
                                      std::to_string(*o.post_return) + " is " + to_string(c.core_funcs[*o.post_return].type));
    }
  }

  void parse_canon(BinaryReader& r, Component& c, Scope& scope) {
    const uint64_t at = r.offset();
    const uint8_t op = r.read_u8("canonical function kind");
    switch (op) {
      case 0x00: {  // lift
        const uint64_t s_at = r.offset();
        if (r.read_u8("canon lift sort") != 0x00) BinaryReader::fail_at(s_at, "canon lift: expected core func sort 0x00");
        const uint64_t f_at = r.offset();
        CanonLift lift;
        lift.core_func = r.read_u32("core func index");
        check_index(f_at, lift.core_func, c.core_funcs.size(), "core func");
        lift.options = read_canon_options(r, c);
        const uint64_t t_at = r.offset();
        lift.type = r.read_u32("func type index");
        check_index(t_at, lift.type, scope.types.size(), "type");
        const auto* ft = as_func_type(scope.types[lift.type]);
        if (!ft) BinaryReader::fail_at(t_at, "canon lift: type " + std::to_string(lift.type) + " is not a func type");
        const std::string what = "canon lift of core func " + std::to_string(lift.core_func);
        charge(func_size(**ft), at);
        const CoreFuncType want = abi::flatten_functype(**ft, abi::FlattenContext::Lift);
        if (!(c.core_funcs[lift.core_func].type == want)) {
          BinaryReader::fail_at(at, what + ": core func has type " + to_string(c.core_funcs[lift.core_func].type) +
                                        ", but lifting " + to_string(**ft) + " needs " + to_string(want));
        }
        check_options(lift.options, **ft, abi::FlattenContext::Lift, c, what, at);
        ExternType t;
        t.sort = Sort::Func;
        t.func = *ft;
        add_item(scope, t, lift, at);
        return;
      }
      case 0x01: {  // lower
        const uint64_t s_at = r.offset();
        if (r.read_u8("canon lower sort") != 0x00) BinaryReader::fail_at(s_at, "canon lower: expected func sort 0x00");
        const uint64_t f_at = r.offset();
        CanonLower lower;
        lower.func = r.read_u32("func index");
        check_index(f_at, lower.func, scope.funcs.size(), "func");
        lower.options = read_canon_options(r, c);
        const FuncType& ft = *scope.funcs[lower.func];
        charge(func_size(ft), at);
        check_options(lower.options, ft, abi::FlattenContext::Lower, c, "canon lower of func " + std::to_string(lower.func), at);
        c.core_funcs.push_back(CoreFuncDef{lower, abi::flatten_functype(ft, abi::FlattenContext::Lower), at});
        break;
      }
      case 0x02:
      case 0x03:
      case 0x04: {
        const uint64_t t_at = r.offset();
        const char* name = op == 0x02 ? "resource.new" : op == 0x03 ? "resource.drop" : "resource.rep";
        const uint32_t type = r.read_u32("resource type index");
        check_index(t_at, type, scope.types.size(), "type");
        const auto* res = as_resource(scope.types[type]);
        if (!res) BinaryReader::fail_at(t_at, std::string(name) + ": type " + std::to_string(type) + " is a " + type_class_name(scope.types[type]) + ", not a resource");
        if (op != 0x03 && ((*res)->origin != ResourceType::Origin::Defined || (*res)->owner != &c))
          BinaryReader::fail_at(t_at, std::string(name) + ": type " + std::to_string(type) + " is not a resource defined by this component");
        const CoreValType i32 = CoreValType::I32;
        if (op == 0x02) c.core_funcs.push_back(CoreFuncDef{CanonResourceNew{type, *res}, CoreFuncType{{i32}, {i32}}, at});
        else if (op == 0x03) c.core_funcs.push_back(CoreFuncDef{CanonResourceDrop{type, *res}, CoreFuncType{{i32}, {}}, at});
        else c.core_funcs.push_back(CoreFuncDef{CanonResourceRep{type, *res}, CoreFuncType{{i32}, {i32}}, at});
        break;
      }
      default:
        if (op <= 0x40)  // threads, async built-ins, resource.drop async, ...
          BinaryReader::fail_at(at, "unsupported: canonical built-in " + hex(op) + " (threads and async are not supported)");
        BinaryReader::fail_at(at, "unknown canonical function kind " + hex(op));
    }
    c.definitions.push_back({Sort::CoreFunc, static_cast<uint32_t>(c.core_funcs.size() - 1)});
  }

  // ------------------------------------------------------ imports/exports

  // Gives the abstract resources of an imported instance type their
  // identity: "export <path> of import <name>".
  void collect_abstract_resources(const InstanceTypePtr& it, const ImportDecl& imp, const Component& owner,
                                  std::vector<std::string>& path, ResourceSubstitution& sub,
                                  std::vector<ResourcePtr>& out, uint64_t at) {
    charge(it->exports.size(), at);
    for (const auto& e : it->exports) {
      path.push_back(e.name);
      if (e.type.sort == Sort::Type) {
        const auto* res = as_resource(e.type.type);
        if (res && (*res)->origin == ResourceType::Origin::Abstract && !sub.contains(res->get())) {
          auto r = std::make_shared<ResourceType>();
          r->origin = ResourceType::Origin::Imported;
          r->id = next_resource_id_++;
          r->owner = &owner;
          r->import_name = imp.name;
          r->export_path = path;
          r->name = (*res)->name;
          sub.add(res->get(), r);
          out.push_back(r);
        }
      } else if (e.type.sort == Sort::Instance && e.type.instance) {
        collect_abstract_resources(e.type.instance, imp, owner, path, sub, out, at);
      }
      path.pop_back();
    }
  }

  void parse_import(BinaryReader& r, Component& c, Scope& scope) {
    const uint64_t at = r.offset();
    ImportDecl imp;
    imp.offset = at;
    std::tie(imp.name, imp.version_suffix) = read_extern_name(r);
    if (!scope.import_keys.insert(uniqueness_key(imp.name)).second)
      BinaryReader::fail_at(at, "duplicate import " + quote(imp.name));
    imp.desc = read_extern_desc(r, scope);
    ExternType& t = imp.desc.type;
    if (t.sort == Sort::Type && imp.desc.bound == TypeBound::SubResource) {
      auto res = std::make_shared<ResourceType>();
      res->origin = ResourceType::Origin::Imported;
      res->id = next_resource_id_++;
      res->owner = &c;
      res->import_name = imp.name;
      res->name = imp.name;
      t.type = ResourcePtr(res);
      imp.resources.push_back(res);
    } else if (t.sort == Sort::Instance) {
      ResourceSubstitution sub(&budget_);
      std::vector<std::string> path;
      try {
        collect_abstract_resources(t.instance, imp, c, path, sub, imp.resources, at);
        if (!sub.empty()) t.instance = sub.apply(t.instance);
      } catch (const std::length_error&) {
        BinaryReader::fail_at(at, "component is too complex: type substitution limit reached");
      }
    }
    const auto import_index = static_cast<uint32_t>(c.imports.size());
    imp.item = add_item(scope, t, ImportRef{import_index}, at);
    scope.imports.push_back(ExternItem{imp.name, t});
    c.imports.push_back(std::move(imp));
  }

  void parse_export(BinaryReader& r, Component& c, Scope& scope) {
    const uint64_t at = r.offset();
    ExportDecl exp;
    exp.offset = at;
    std::tie(exp.name, exp.version_suffix) = read_extern_name(r);
    if (!scope.export_keys.insert(uniqueness_key(exp.name)).second)
      BinaryReader::fail_at(at, "duplicate export " + quote(exp.name));
    exp.target = read_component_sortidx(r, scope, "export " + quote(exp.name));
    const ExternType t = item_type(scope, exp.target);
    const uint64_t asc_at = r.offset();
    const uint8_t has_ascription = r.read_u8("export type ascription flag");
    if (has_ascription == 0x01) {
      ExternDesc d = read_extern_desc(r, scope);
      const std::string what = "export " + quote(exp.name) + ": type ascription";
      if (d.sort != t.sort)
        BinaryReader::fail_at(asc_at, what + " is a " + std::string(to_string(d.sort)) + ", the export a " + to_string(t.sort));
      if (d.sort == Sort::Func) {
        charge(func_size(*d.type.func) + func_size(*t.func), at);
        if (!equal(*d.type.func, *t.func))
          BinaryReader::fail_at(asc_at, what + " " + to_string(*d.type.func) + " does not match " + to_string(*t.func));
      } else if (d.sort == Sort::Type) {
        if (d.bound == TypeBound::SubResource && !as_resource(t.type))
          BinaryReader::fail_at(asc_at, what + " says resource, the exported type is a " + type_class_name(t.type));
      }
      // Instance and component ascriptions are accepted without a subtype
      // check; the new index keeps the exported item's (more precise) type.
      exp.ascribed = std::move(d);
    } else if (has_ascription != 0x00) {
      BinaryReader::fail_at(asc_at, "invalid export type ascription flag " + hex(has_ascription));
    }
    const auto export_index = static_cast<uint32_t>(c.exports.size());
    exp.item = add_item(scope, t, ExportRef{export_index, exp.target.index}, at);
    scope.exports.push_back(ExternItem{exp.name, t});
    c.exports.push_back(std::move(exp));
  }

  std::span<const uint8_t> bytes_;
  ParseLimits limits_;
  uint64_t budget_;
  uint32_t nesting_ = 0;
  uint32_t next_resource_id_ = 0;
  std::vector<EmbeddedModule> all_modules_;
  std::map<const InstanceType*, std::pair<InstanceTypePtr, std::unordered_map<std::string, uint32_t>>> export_index_;
};

}  // namespace

std::shared_ptr<const Component> parse_component(std::span<const uint8_t> bytes, const ParseLimits& limits) {
  return Parser(bytes, limits).run();
}

}  // namespace sluice::component
