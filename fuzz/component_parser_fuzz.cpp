// libFuzzer target for the component parser: any input must either parse or
// throw ParseError, without crashes, leaks, out-of-bounds reads or undefined
// behaviour. Parsed models are walked so that dangling pointers in them show.
#include <cstddef>
#include <cstdint>
#include <span>

#include "component/abi_layout.h"
#include "component/component_parser.h"

using namespace sluice::component;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();  // an invariant of the model is broken
}

void walk(const Component& c) {
  // Every index is defined exactly once, in increasing order per sort.
  size_t total = 0;
  for (Sort s : {Sort::CoreFunc, Sort::CoreTable, Sort::CoreMemory, Sort::CoreGlobal, Sort::CoreType, Sort::CoreModule,
                 Sort::CoreInstance, Sort::Func, Sort::Type, Sort::Component, Sort::Instance})
    total += c.count(s);
  check(total == c.definitions.size());
  for (const auto& d : c.definitions) check(d.index < c.count(d.sort));

  for (const auto& f : c.funcs) {
    check(f.type != nullptr);
    uint64_t cost = 0;
    for (const auto& p : f.type->params) cost += p.type->tree_size;
    for (const auto& r : f.type->results) cost += r.type->tree_size;
    if (cost < 10000) {
      (void)abi::flatten_functype(*f.type, abi::FlattenContext::Lift);
      (void)abi::flatten_functype(*f.type, abi::FlattenContext::Lower);
    }
  }
  for (const auto& t : c.types) {
    if (const auto* v = as_val_type(t.type); v && *v && (*v)->tree_size < 10000) {
      const uint32_t a = abi::alignment(**v);
      check(a == 1 || a == 2 || a == 4 || a == 8);
      check(abi::elem_size(**v) % a == 0);
    }
  }
  for (const auto& i : c.imports) check(i.item.index < c.count(i.item.sort));
  for (const auto& e : c.exports) check(e.target.index < c.count(e.target.sort));
  for (const auto& comp : c.components)
    if (const Component* n = comp.nested()) {
      check(n->parent == &c);
      walk(*n);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto c = parse_component(std::span<const uint8_t>(data, size));
    for (const auto& m : c->all_modules) check(m.offset + m.size <= size);
    walk(*c);
  } catch (const ParseError& e) {
    check(e.offset() <= size);
  }
  return 0;
}
