#include "component/abi_layout.h"

#include <algorithm>
#include <stdexcept>

namespace sluice::component::abi {

namespace {

// The spec's join() of two flat types sharing a variant payload slot.
CoreValType join(CoreValType a, CoreValType b) {
  if (a == b) return a;
  if ((a == CoreValType::I32 && b == CoreValType::F32) || (a == CoreValType::F32 && b == CoreValType::I32))
    return CoreValType::I32;
  return CoreValType::I64;
}

uint32_t num_i32_flags(size_t n) { return static_cast<uint32_t>((n + 31) / 32); }

// Records and tuples are laid out alike: a list of member types.
std::vector<const ValType*> members(const ValType& t) {
  std::vector<const ValType*> out;
  if (t.kind == ValKind::Record)
    for (const auto& f : t.fields) out.push_back(f.type.get());
  else
    for (const auto& e : t.elems) out.push_back(e.get());
  return out;
}

void flatten_into(const ValType& t, std::vector<CoreValType>& out);

void flatten_variant(const std::vector<Case>& cases, std::vector<CoreValType>& out) {
  std::vector<CoreValType> payload;
  for (const auto& c : cases) {
    if (!c.type) continue;
    std::vector<CoreValType> flat;
    flatten_into(*c.type, flat);
    for (size_t i = 0; i < flat.size(); ++i) {
      if (i < payload.size()) payload[i] = join(payload[i], flat[i]);
      else payload.push_back(flat[i]);
    }
  }
  // The discriminant (u8/u16/u32) flattens to one i32.
  out.push_back(CoreValType::I32);
  out.insert(out.end(), payload.begin(), payload.end());
}

void flatten_into(const ValType& t, std::vector<CoreValType>& out) {
  switch (t.kind) {
    case ValKind::Bool: case ValKind::S8: case ValKind::U8: case ValKind::S16: case ValKind::U16:
    case ValKind::S32: case ValKind::U32: case ValKind::Char: case ValKind::Own: case ValKind::Borrow:
      out.push_back(CoreValType::I32);
      return;
    case ValKind::S64: case ValKind::U64:
      out.push_back(CoreValType::I64);
      return;
    case ValKind::F32: out.push_back(CoreValType::F32); return;
    case ValKind::F64: out.push_back(CoreValType::F64); return;
    case ValKind::String: case ValKind::List:
      out.push_back(CoreValType::I32);  // pointer
      out.push_back(CoreValType::I32);  // length
      return;
    case ValKind::Record: case ValKind::Tuple:
      for (const ValType* m : members(t)) flatten_into(*m, out);
      return;
    case ValKind::Flags:
      out.insert(out.end(), num_i32_flags(t.labels.size()), CoreValType::I32);
      return;
    case ValKind::Variant: case ValKind::Enum: case ValKind::Option: case ValKind::Result:
      flatten_variant(variant_cases(t), out);
      return;
  }
}

}  // namespace

std::vector<Case> variant_cases(const ValType& t) {
  switch (t.kind) {
    case ValKind::Variant: return t.cases;
    case ValKind::Enum: {
      std::vector<Case> cs;
      for (const auto& l : t.labels) cs.push_back(Case{l, nullptr});
      return cs;
    }
    case ValKind::Option: return {Case{"none", nullptr}, Case{"some", t.elem}};
    case ValKind::Result: return {Case{"ok", t.elem}, Case{"error", t.error}};
    default: throw std::invalid_argument("variant_cases: not a variant-like type");
  }
}

std::vector<CoreValType> flatten_type(const ValType& t) {
  std::vector<CoreValType> out;
  flatten_into(t, out);
  return out;
}

CoreFuncType flatten_functype(const FuncType& ft, FlattenContext context) {
  CoreFuncType out;
  for (const auto& p : ft.params) flatten_into(*p.type, out.params);
  for (const auto& r : ft.results) flatten_into(*r.type, out.results);
  if (out.params.size() > kMaxFlatParams) out.params = {CoreValType::I32};
  if (out.results.size() > kMaxFlatResults) {
    if (context == FlattenContext::Lift) {
      out.results = {CoreValType::I32};
    } else {
      out.params.push_back(CoreValType::I32);
      out.results.clear();
    }
  }
  return out;
}

ValKind discriminant_type(size_t n) {
  if (n <= 0x100) return ValKind::U8;
  if (n <= 0x10000) return ValKind::U16;
  return ValKind::U32;
}

uint32_t align_to(uint32_t offset, uint32_t a) { return (offset + a - 1) / a * a; }

namespace {

uint32_t max_case_alignment(const std::vector<Case>& cases) {
  uint32_t a = 1;
  for (const auto& c : cases)
    if (c.type) a = std::max(a, alignment(*c.type));
  return a;
}

}  // namespace

uint32_t alignment(const ValType& t) {
  switch (t.kind) {
    case ValKind::Bool: case ValKind::S8: case ValKind::U8: return 1;
    case ValKind::S16: case ValKind::U16: return 2;
    case ValKind::S32: case ValKind::U32: case ValKind::F32: case ValKind::Char: return 4;
    case ValKind::S64: case ValKind::U64: case ValKind::F64: return 8;
    case ValKind::String: case ValKind::List: case ValKind::Own: case ValKind::Borrow: return 4;
    case ValKind::Record: case ValKind::Tuple: {
      uint32_t a = 1;
      for (const ValType* m : members(t)) a = std::max(a, alignment(*m));
      return a;
    }
    case ValKind::Flags: {
      const size_t n = t.labels.size();
      return n <= 8 ? 1 : n <= 16 ? 2 : 4;
    }
    case ValKind::Variant: case ValKind::Enum: case ValKind::Option: case ValKind::Result: {
      const auto cases = variant_cases(t);
      return std::max(alignment(*primitive(discriminant_type(cases.size()))), max_case_alignment(cases));
    }
  }
  return 1;
}

uint32_t elem_size(const ValType& t) {
  switch (t.kind) {
    case ValKind::Bool: case ValKind::S8: case ValKind::U8: return 1;
    case ValKind::S16: case ValKind::U16: return 2;
    case ValKind::S32: case ValKind::U32: case ValKind::F32: case ValKind::Char: return 4;
    case ValKind::S64: case ValKind::U64: case ValKind::F64: return 8;
    case ValKind::String: case ValKind::List: return 8;
    case ValKind::Own: case ValKind::Borrow: return 4;
    case ValKind::Record: case ValKind::Tuple: {
      uint32_t s = 0;
      for (const ValType* m : members(t)) s = align_to(s, alignment(*m)) + elem_size(*m);
      return align_to(s, alignment(t));
    }
    case ValKind::Flags: {
      const size_t n = t.labels.size();
      if (n == 0) return 0;
      return n <= 8 ? 1 : n <= 16 ? 2 : 4 * num_i32_flags(n);
    }
    case ValKind::Variant: case ValKind::Enum: case ValKind::Option: case ValKind::Result: {
      const auto cases = variant_cases(t);
      uint32_t s = elem_size(*primitive(discriminant_type(cases.size())));
      s = align_to(s, max_case_alignment(cases));
      uint32_t cs = 0;
      for (const auto& c : cases)
        if (c.type) cs = std::max(cs, elem_size(*c.type));
      return align_to(s + cs, alignment(t));
    }
  }
  return 0;
}

std::vector<uint32_t> field_offsets(const ValType& t) {
  std::vector<uint32_t> out;
  uint32_t s = 0;
  for (const ValType* m : members(t)) {
    s = align_to(s, alignment(*m));
    out.push_back(s);
    s += elem_size(*m);
  }
  return out;
}

uint32_t variant_payload_offset(const ValType& t) {
  const auto cases = variant_cases(t);
  return align_to(elem_size(*primitive(discriminant_type(cases.size()))), max_case_alignment(cases));
}

}  // namespace sluice::component::abi
