#include "component/types.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace sluice::component {

const char* to_string(CoreValType t) {
  switch (t) {
    case CoreValType::I32: return "i32";
    case CoreValType::I64: return "i64";
    case CoreValType::F32: return "f32";
    case CoreValType::F64: return "f64";
    case CoreValType::V128: return "v128";
    case CoreValType::FuncRef: return "funcref";
    case CoreValType::ExternRef: return "externref";
  }
  return "?";
}

std::string to_string(const CoreFuncType& t) {
  std::string s = "(func";
  if (!t.params.empty()) {
    s += " (param";
    for (auto p : t.params) s += std::string(" ") + to_string(p);
    s += ")";
  }
  if (!t.results.empty()) {
    s += " (result";
    for (auto r : t.results) s += std::string(" ") + to_string(r);
    s += ")";
  }
  return s + ")";
}

const char* to_string(CoreExternKind k) {
  switch (k) {
    case CoreExternKind::Func: return "func";
    case CoreExternKind::Table: return "table";
    case CoreExternKind::Memory: return "memory";
    case CoreExternKind::Global: return "global";
    case CoreExternKind::Tag: return "tag";
  }
  return "?";
}

const CoreExportDecl* CoreModuleType::find_export(std::string_view name) const {
  for (const auto& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

const char* to_string(ValKind k) {
  static constexpr std::array<const char*, 23> kNames = {
      "bool", "s8",     "u8",    "s16",  "u16",  "s32",   "u32",  "s64",    "u64",
      "f32",  "f64",    "char",  "string", "record", "variant", "list", "tuple", "flags",
      "enum", "option", "result", "own",  "borrow"};
  const auto i = static_cast<size_t>(k);
  return i < kNames.size() ? kNames[i] : "?";
}

ValTypePtr primitive(ValKind k) {
  // One immutable node per primitive kind, built on first use.
  static const auto kTable = [] {
    std::array<ValTypePtr, static_cast<size_t>(ValKind::String) + 1> table;
    for (size_t i = 0; i < table.size(); ++i) {
      auto t = std::make_shared<ValType>();
      t->kind = static_cast<ValKind>(i);
      t->needs_memory = t->kind == ValKind::String;
      table[i] = std::move(t);
    }
    return table;
  }();
  if (!is_primitive(k)) throw std::logic_error("primitive() called with a compound kind");
  return kTable[static_cast<size_t>(k)];
}

std::string describe(const ResourceType& r) {
  switch (r.origin) {
    case ResourceType::Origin::Defined:
      return "resource #" + std::to_string(r.id) + " (defined in component)";
    case ResourceType::Origin::Imported: {
      std::string s = "resource #" + std::to_string(r.id) + " from import \"" + r.import_name + "\"";
      for (const auto& p : r.export_path) s += " export \"" + p + "\"";
      return s;
    }
    case ResourceType::Origin::Abstract:
      return "abstract resource #" + std::to_string(r.id) + " \"" + r.name + "\"";
  }
  return "resource";
}

const char* type_class_name(const TypeDef& t) {
  switch (t.index()) {
    case 0: return "value type";
    case 1: return "func type";
    case 2: return "resource type";
    case 3: return "instance type";
    case 4: return "component type";
  }
  return "type";
}

const char* to_string(Sort s) {
  switch (s) {
    case Sort::CoreFunc: return "core func";
    case Sort::CoreTable: return "core table";
    case Sort::CoreMemory: return "core memory";
    case Sort::CoreGlobal: return "core global";
    case Sort::CoreType: return "core type";
    case Sort::CoreModule: return "core module";
    case Sort::CoreInstance: return "core instance";
    case Sort::Func: return "func";
    case Sort::Value: return "value";
    case Sort::Type: return "type";
    case Sort::Component: return "component";
    case Sort::Instance: return "instance";
  }
  return "?";
}

const ExternItem* InstanceType::find_export(std::string_view name) const {
  for (const auto& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

const ExternItem* ComponentType::find_import(std::string_view name) const {
  for (const auto& e : imports)
    if (e.name == name) return &e;
  return nullptr;
}

const ExternItem* ComponentType::find_export(std::string_view name) const {
  for (const auto& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

namespace {

// Saturating add: tree sizes of shared DAGs can grow exponentially.
uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

void absorb(ValType& parent, const ValTypePtr& child) {
  if (!child) return;
  parent.depth = std::max(parent.depth, child->depth + 1);
  parent.tree_size = sat_add(parent.tree_size, child->tree_size);
  parent.has_borrow |= child->has_borrow;
  parent.needs_memory |= child->needs_memory;
}

}  // namespace

void finish_val_type(ValType& t) {
  t.depth = 1;
  t.tree_size = 1;
  t.has_borrow = t.kind == ValKind::Borrow;
  t.needs_memory = t.kind == ValKind::String || t.kind == ValKind::List;
  for (const auto& f : t.fields) absorb(t, f.type);
  for (const auto& c : t.cases) absorb(t, c.type);
  for (const auto& e : t.elems) absorb(t, e);
  t.tree_size = sat_add(t.tree_size, t.labels.size());
  absorb(t, t.elem);
  absorb(t, t.error);
}

bool equal(const ValTypePtr& a, const ValTypePtr& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  if (a->kind != b->kind) return false;
  switch (a->kind) {
    case ValKind::Record:
      if (a->fields.size() != b->fields.size()) return false;
      for (size_t i = 0; i < a->fields.size(); ++i)
        if (a->fields[i].name != b->fields[i].name || !equal(a->fields[i].type, b->fields[i].type)) return false;
      return true;
    case ValKind::Variant:
      if (a->cases.size() != b->cases.size()) return false;
      for (size_t i = 0; i < a->cases.size(); ++i)
        if (a->cases[i].name != b->cases[i].name || !equal(a->cases[i].type, b->cases[i].type)) return false;
      return true;
    case ValKind::Tuple:
      if (a->elems.size() != b->elems.size()) return false;
      for (size_t i = 0; i < a->elems.size(); ++i)
        if (!equal(a->elems[i], b->elems[i])) return false;
      return true;
    case ValKind::Flags:
    case ValKind::Enum:
      return a->labels == b->labels;
    case ValKind::List:
    case ValKind::Option:
      return equal(a->elem, b->elem);
    case ValKind::Result:
      return equal(a->elem, b->elem) && equal(a->error, b->error);
    case ValKind::Own:
    case ValKind::Borrow:
      return a->resource == b->resource;
    default:
      return true;  // primitives of the same kind
  }
}

bool equal(const FuncType& a, const FuncType& b) {
  auto same = [](const std::vector<Field>& x, const std::vector<Field>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].name != y[i].name || !equal(x[i].type, y[i].type)) return false;
    return true;
  };
  return same(a.params, b.params) && same(a.results, b.results);
}

namespace {
std::string quoted(const std::string& s) { return "\"" + s + "\""; }
}  // namespace

std::string to_string(const ValType& t) {
  auto sub = [](const ValTypePtr& p) { return p ? to_string(*p) : std::string("_"); };
  std::string s;
  switch (t.kind) {
    case ValKind::Record:
      s = "(record";
      for (const auto& f : t.fields) s += " (field " + quoted(f.name) + " " + sub(f.type) + ")";
      return s + ")";
    case ValKind::Variant:
      s = "(variant";
      for (const auto& c : t.cases) s += " (case " + quoted(c.name) + (c.type ? " " + sub(c.type) : "") + ")";
      return s + ")";
    case ValKind::Tuple:
      s = "(tuple";
      for (const auto& e : t.elems) s += " " + sub(e);
      return s + ")";
    case ValKind::Flags:
    case ValKind::Enum:
      s = std::string("(") + to_string(t.kind);
      for (const auto& l : t.labels) s += " " + quoted(l);
      return s + ")";
    case ValKind::List: return "(list " + sub(t.elem) + ")";
    case ValKind::Option: return "(option " + sub(t.elem) + ")";
    case ValKind::Result:
      s = "(result";
      if (t.elem) s += " " + sub(t.elem);
      if (t.error) s += " (error " + sub(t.error) + ")";
      return s + ")";
    case ValKind::Own:
    case ValKind::Borrow:
      return std::string("(") + to_string(t.kind) + " " + (t.resource ? describe(*t.resource) : "?") + ")";
    default:
      return to_string(t.kind);
  }
}

std::string to_string(const FuncType& t) {
  std::string s = "(func";
  for (const auto& p : t.params) s += " (param " + quoted(p.name) + " " + to_string(*p.type) + ")";
  for (const auto& r : t.results) {
    s += " (result ";
    if (!r.name.empty()) s += quoted(r.name) + " ";
    s += to_string(*r.type) + ")";
  }
  return s + ")";
}

// ------------------------------------------------------------- substitution

void ResourceSubstitution::charge(uint64_t n) {
  if (*budget_ < n) throw std::length_error("type substitution budget exhausted");
  *budget_ -= n;
}

ResourcePtr ResourceSubstitution::apply(const ResourcePtr& r) {
  auto it = map_.find(r.get());
  return it == map_.end() ? r : it->second;
}

ValTypePtr ResourceSubstitution::apply(const ValTypePtr& t) {
  if (!t || is_primitive(t->kind)) return t;
  if (auto it = memo_.find(t.get()); it != memo_.end()) return std::static_pointer_cast<const ValType>(it->second);
  auto copy = std::make_shared<ValType>(*t);
  bool changed = false;
  auto sub = [&](ValTypePtr& p) {
    auto n = apply(p);
    if (n != p) changed = true;
    p = std::move(n);
  };
  for (auto& f : copy->fields) sub(f.type);
  for (auto& c : copy->cases) sub(c.type);
  for (auto& e : copy->elems) sub(e);
  sub(copy->elem);
  sub(copy->error);
  if (copy->resource) {
    auto n = apply(copy->resource);
    if (n != copy->resource) changed = true;
    copy->resource = std::move(n);
  }
  ValTypePtr out = t;
  if (changed) {
    charge(1 + copy->fields.size() + copy->cases.size() + copy->elems.size() + copy->labels.size());
    out = std::move(copy);
  }
  memo_[t.get()] = out;
  return out;
}

FuncTypePtr ResourceSubstitution::apply(const FuncTypePtr& t) {
  if (!t) return t;
  if (auto it = memo_.find(t.get()); it != memo_.end()) return std::static_pointer_cast<const FuncType>(it->second);
  auto copy = std::make_shared<FuncType>(*t);
  bool changed = false;
  for (auto* list : {&copy->params, &copy->results}) {
    for (auto& f : *list) {
      auto n = apply(f.type);
      if (n != f.type) changed = true;
      f.type = std::move(n);
    }
  }
  FuncTypePtr out = t;
  if (changed) {
    charge(1 + copy->params.size() + copy->results.size());
    out = std::move(copy);
  }
  memo_[t.get()] = out;
  return out;
}

TypeDef ResourceSubstitution::apply(const TypeDef& t) {
  return std::visit([this](const auto& p) -> TypeDef { return apply(p); }, t);
}

ExternType ResourceSubstitution::apply(const ExternType& t) {
  ExternType out = t;
  out.func = apply(t.func);
  out.type = apply(t.type);
  out.instance = apply(t.instance);
  out.component = apply(t.component);
  return out;
}

namespace {
bool same_extern(const ExternType& a, const ExternType& b) {
  return a.func == b.func && a.instance == b.instance && a.component == b.component && a.type == b.type;
}
}  // namespace

InstanceTypePtr ResourceSubstitution::apply(const InstanceTypePtr& t) {
  if (!t) return t;
  if (auto it = memo_.find(t.get()); it != memo_.end()) return std::static_pointer_cast<const InstanceType>(it->second);
  auto copy = std::make_shared<InstanceType>(*t);
  bool changed = false;
  for (auto& e : copy->exports) {
    auto n = apply(e.type);
    if (!same_extern(n, e.type)) changed = true;
    e.type = std::move(n);
  }
  InstanceTypePtr out = t;
  if (changed) {
    charge(1 + copy->exports.size());
    out = std::move(copy);
  }
  memo_[t.get()] = out;
  return out;
}

ComponentTypePtr ResourceSubstitution::apply(const ComponentTypePtr& t) {
  if (!t) return t;
  if (auto it = memo_.find(t.get()); it != memo_.end()) return std::static_pointer_cast<const ComponentType>(it->second);
  auto copy = std::make_shared<ComponentType>(*t);
  bool changed = false;
  for (auto* list : {&copy->imports, &copy->exports}) {
    for (auto& e : *list) {
      auto n = apply(e.type);
      if (!same_extern(n, e.type)) changed = true;
      e.type = std::move(n);
    }
  }
  ComponentTypePtr out = t;
  if (changed) {
    charge(1 + copy->imports.size() + copy->exports.size());
    out = std::move(copy);
  }
  memo_[t.get()] = out;
  return out;
}

}  // namespace sluice::component
