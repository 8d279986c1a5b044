#include <gtest/gtest.h>

#include "component/abi_layout.h"

namespace sluice::component {
namespace {

using abi::alignment;
using abi::elem_size;
using abi::flatten_functype;
using abi::flatten_type;
using abi::FlattenContext;
using V = CoreValType;

ValTypePtr P(ValKind k) { return primitive(k); }

ValTypePtr make(ValKind kind, auto&& fill) {
  auto t = std::make_shared<ValType>();
  t->kind = kind;
  fill(*t);
  finish_val_type(*t);
  return t;
}

ValTypePtr record(std::vector<ValTypePtr> fs) {
  return make(ValKind::Record, [&](ValType& t) {
    int i = 0;
    for (auto& f : fs) t.fields.push_back(Field{"f" + std::to_string(i++), f});
  });
}
ValTypePtr tuple(std::vector<ValTypePtr> es) { return make(ValKind::Tuple, [&](ValType& t) { t.elems = es; }); }
ValTypePtr variant(std::vector<ValTypePtr> cs) {
  return make(ValKind::Variant, [&](ValType& t) {
    int i = 0;
    for (auto& c : cs) t.cases.push_back(Case{"c" + std::to_string(i++), c});
  });
}
ValTypePtr list(ValTypePtr e) { return make(ValKind::List, [&](ValType& t) { t.elem = e; }); }
ValTypePtr option(ValTypePtr e) { return make(ValKind::Option, [&](ValType& t) { t.elem = e; }); }
ValTypePtr result(ValTypePtr ok, ValTypePtr err) {
  return make(ValKind::Result, [&](ValType& t) {
    t.elem = ok;
    t.error = err;
  });
}
ValTypePtr labels(ValKind k, size_t n) {
  return make(k, [&](ValType& t) {
    for (size_t i = 0; i < n; ++i) t.labels.push_back("l" + std::to_string(i));
  });
}
ValTypePtr own() {
  static auto res = std::make_shared<ResourceType>();
  return make(ValKind::Own, [&](ValType& t) { t.resource = res; });
}

FuncType func(std::vector<ValTypePtr> params, std::vector<ValTypePtr> results) {
  FuncType ft;
  int i = 0;
  for (auto& p : params) ft.params.push_back(Field{"p" + std::to_string(i++), p});
  if (results.size() == 1) ft.results.push_back(Field{"", results[0]});
  else
    for (auto& r : results) ft.results.push_back(Field{"r" + std::to_string(i++), r});
  return ft;
}

TEST(ParserAbiLayout, PrimitiveSizes) {
  struct Row {
    ValKind k;
    uint32_t size, align;
    std::vector<V> flat;
  };
  for (const Row& r : std::vector<Row>{{ValKind::Bool, 1, 1, {V::I32}},  {ValKind::S8, 1, 1, {V::I32}},
                                       {ValKind::U16, 2, 2, {V::I32}},   {ValKind::U32, 4, 4, {V::I32}},
                                       {ValKind::S64, 8, 8, {V::I64}},   {ValKind::F32, 4, 4, {V::F32}},
                                       {ValKind::F64, 8, 8, {V::F64}},   {ValKind::Char, 4, 4, {V::I32}},
                                       {ValKind::String, 8, 4, {V::I32, V::I32}}}) {
    EXPECT_EQ(elem_size(*P(r.k)), r.size) << to_string(r.k);
    EXPECT_EQ(alignment(*P(r.k)), r.align) << to_string(r.k);
    EXPECT_EQ(flatten_type(*P(r.k)), r.flat) << to_string(r.k);
  }
  EXPECT_EQ(elem_size(*list(P(ValKind::U8))), 8u);
  EXPECT_EQ(elem_size(*own()), 4u);
}

TEST(ParserAbiLayout, Records) {
  auto r = record({P(ValKind::U8), P(ValKind::U32), P(ValKind::U8)});
  EXPECT_EQ(alignment(*r), 4u);
  EXPECT_EQ(elem_size(*r), 12u);
  EXPECT_EQ(abi::field_offsets(*r), (std::vector<uint32_t>{0, 4, 8}));
  auto s = record({P(ValKind::U64), P(ValKind::U32)});  // wasi:clocks datetime
  EXPECT_EQ(elem_size(*s), 16u);
  EXPECT_EQ(alignment(*s), 8u);
  EXPECT_EQ(flatten_type(*s), (std::vector<V>{V::I64, V::I32}));
  auto t = tuple({own(), P(ValKind::String)});  // (tuple descriptor string) of get-directories
  EXPECT_EQ(elem_size(*t), 12u);
  EXPECT_EQ(alignment(*t), 4u);
}

TEST(ParserAbiLayout, VariantsAndSpecializations) {
  // result<u64, stream-error> where stream-error = variant { last-operation-failed(own), closed }
  auto stream_error = variant({own(), nullptr});
  EXPECT_EQ(elem_size(*stream_error), 8u);
  EXPECT_EQ(flatten_type(*stream_error), (std::vector<V>{V::I32, V::I32}));
  auto r = result(P(ValKind::U64), stream_error);
  EXPECT_EQ(alignment(*r), 8u);
  EXPECT_EQ(elem_size(*r), 16u);
  EXPECT_EQ(abi::variant_payload_offset(*r), 8u);
  EXPECT_EQ(flatten_type(*r), (std::vector<V>{V::I32, V::I64, V::I32}));

  // join(): f32 with i32 -> i32, f64 with i32 -> i64, f32 with f64 -> i64.
  EXPECT_EQ(flatten_type(*variant({P(ValKind::F32), P(ValKind::U32)})), (std::vector<V>{V::I32, V::I32}));
  EXPECT_EQ(flatten_type(*variant({P(ValKind::F64), P(ValKind::U32)})), (std::vector<V>{V::I32, V::I64}));
  EXPECT_EQ(flatten_type(*variant({P(ValKind::F32), P(ValKind::F64)})), (std::vector<V>{V::I32, V::I64}));
  EXPECT_EQ(flatten_type(*variant({P(ValKind::F32), P(ValKind::F32)})), (std::vector<V>{V::I32, V::F32}));

  auto opt = option(P(ValKind::String));
  EXPECT_EQ(elem_size(*opt), 12u);
  EXPECT_EQ(flatten_type(*opt), (std::vector<V>{V::I32, V::I32, V::I32}));
  auto empty_result = result(nullptr, nullptr);
  EXPECT_EQ(elem_size(*empty_result), 1u);
  EXPECT_EQ(flatten_type(*empty_result), (std::vector<V>{V::I32}));

  // An enum of 37 cases (wasi:filesystem error-code) has a u8 discriminant.
  auto e = labels(ValKind::Enum, 37);
  EXPECT_EQ(elem_size(*e), 1u);
  EXPECT_EQ(abi::discriminant_type(256), ValKind::U8);
  EXPECT_EQ(abi::discriminant_type(257), ValKind::U16);
  EXPECT_EQ(abi::discriminant_type(70000), ValKind::U32);
  EXPECT_EQ(elem_size(*labels(ValKind::Enum, 300)), 2u);
}

TEST(ParserAbiLayout, Flags) {
  EXPECT_EQ(elem_size(*labels(ValKind::Flags, 6)), 1u);
  EXPECT_EQ(elem_size(*labels(ValKind::Flags, 9)), 2u);
  EXPECT_EQ(alignment(*labels(ValKind::Flags, 9)), 2u);
  EXPECT_EQ(elem_size(*labels(ValKind::Flags, 17)), 4u);
  EXPECT_EQ(elem_size(*labels(ValKind::Flags, 40)), 8u);
  EXPECT_EQ(flatten_type(*labels(ValKind::Flags, 40)), (std::vector<V>{V::I32, V::I32}));
}

TEST(ParserAbiLayout, FlattenFuncType) {
  // (func (param "self" borrow) (param "contents" (list u8)) (result (result (error stream-error))))
  auto stream_error = variant({own(), nullptr});
  auto write = func({own(), list(P(ValKind::U8))}, {result(nullptr, stream_error)});
  auto lower = flatten_functype(write, FlattenContext::Lower);
  EXPECT_EQ(lower.params, (std::vector<V>{V::I32, V::I32, V::I32, V::I32}));  // + return pointer
  EXPECT_TRUE(lower.results.empty());
  auto lift = flatten_functype(write, FlattenContext::Lift);
  EXPECT_EQ(lift.params, (std::vector<V>{V::I32, V::I32, V::I32}));
  EXPECT_EQ(lift.results, (std::vector<V>{V::I32}));

  // 17 flat params are passed through memory as one pointer.
  std::vector<ValTypePtr> many(17, P(ValKind::U32));
  EXPECT_EQ(flatten_functype(func(many, {}), FlattenContext::Lift).params, (std::vector<V>{V::I32}));
  std::vector<ValTypePtr> sixteen(16, P(ValKind::U32));
  EXPECT_EQ(flatten_functype(func(sixteen, {}), FlattenContext::Lift).params.size(), 16u);

  // One flat result stays flat; run's (result) is a single i32.
  auto run = func({}, {result(nullptr, nullptr)});
  EXPECT_EQ(flatten_functype(run, FlattenContext::Lift), (CoreFuncType{{}, {V::I32}}));
  EXPECT_EQ(flatten_functype(run, FlattenContext::Lower), (CoreFuncType{{}, {V::I32}}));
  // Named results with more than one flat value spill too.
  auto two = func({}, {P(ValKind::U32), P(ValKind::U32)});
  EXPECT_EQ(flatten_functype(two, FlattenContext::Lower), (CoreFuncType{{V::I32}, {}}));
}

}  // namespace
}  // namespace sluice::component
