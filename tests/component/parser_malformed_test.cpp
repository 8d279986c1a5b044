// Hand-built and damaged inputs: every one must give a ParseError naming the
// problem and its byte offset; none may crash or read out of bounds.
#include <gtest/gtest.h>

#include "component/component_parser.h"
#include "parser_test_util.h"

namespace sluice::component {
namespace {

using namespace sluice::component::testing;

// Parses `b`, expects a ParseError whose message contains `needle`; returns it.
ParseError expect_error(const Bytes& b, const std::string& needle) {
  try {
    parse_component(b.v);
  } catch (const ParseError& e) {
    EXPECT_NE(e.message().find(needle), std::string::npos) << "message: " << e.what() << "\nexpected: " << needle;
    EXPECT_LE(e.offset(), b.size());
    return e;
  }
  ADD_FAILURE() << "no error, expected: " << needle;
  return ParseError(0, "");
}

// (type (func)) as a type section entry.
Bytes empty_func_type() { return Bytes{0x40, 0x00, 0x01, 0x00}; }
// (import "<name>" (func (type 0)))
Bytes func_import(std::string_view name) { return Bytes().ext_name(name).raw({0x01, 0x00}); }

// A core module exporting func "f" of type (func (param i32 i32)).
Bytes core_module_exporting_f() {
  Bytes m = empty_core_module();
  m.append(section(1, Bytes{0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00}));  // type
  m.append(section(3, Bytes{0x01, 0x00}));                          // function
  m.append(section(7, Bytes().u32(1).str("f").raw({0x00, 0x00})));  // export
  m.append(section(10, Bytes{0x01, 0x02, 0x00, 0x0b}));             // code
  return m;
}

TEST(ParserMalformed, Preamble) {
  expect_error(Bytes{}, "empty input");
  expect_error(Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'}, "bad magic");
  expect_error(Bytes{0x00, 0x61, 0x73, 0x6d, 0x0d}, "truncated preamble");
  auto e = expect_error(empty_core_module(),
                        "this is a core WebAssembly module, not a component; wrap a WASI preview1 command with: "
                        "jco new module.wasm --wasi-command -o component.wasm");
  EXPECT_EQ(e.offset(), 6u);
  expect_error(Bytes{0x00, 0x61, 0x73, 0x6d, 0x0a, 0x00, 0x01, 0x00}, "unsupported component binary version 0x0a (expected 0x0d)");
  expect_error(Bytes{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x02, 0x00}, "unknown WebAssembly layer 2");
  EXPECT_NO_THROW(parse_component(preamble().v));  // an empty component is valid
}

TEST(ParserMalformed, SectionFraming) {
  auto past = expect_error(component({Bytes{0x07, 0x10, 0x00}}), "runs past the end");
  EXPECT_EQ(past.offset(), 10u);  // where the section body would start
  expect_error(component({section(kTypeSec, Bytes{0x00, 0x00})}), "unexpected trailing byte");
  expect_error(component({Bytes{0x07, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}), "longer than 5 bytes");
  expect_error(component({Bytes{0x07, 0xff, 0xff, 0xff, 0xff, 0x7f}}), "does not fit in 32 bits");
  expect_error(component({section(13, Bytes{})}), "unknown component section id 13");
  expect_error(component({section(kStartSec, Bytes{0x00, 0x00, 0x00})}), "unsupported: component start functions");
  expect_error(component({section(kValueSec, Bytes{0x00})}), "unsupported: component value sections");
  expect_error(component({section(kCustomSec, Bytes{0x02, 0xff, 0xfe})}), "not valid UTF-8");
  EXPECT_NO_THROW(parse_component(component({section(kCustomSec, Bytes().str("name").raw({1, 2, 3}))}).v));
}

TEST(ParserMalformed, AbsurdCountsAreRejectedBeforeAllocating) {
  auto e = expect_error(component({section(kTypeSec, Bytes{0xff, 0xff, 0xff, 0xff, 0x0f})}),
                        "count of types (4294967295) is larger than the remaining 0 bytes allow");
  EXPECT_EQ(e.offset(), 10u);
  expect_error(component({section(kImportSec, Bytes{0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00})}), "count of imports");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x72, 0xff, 0xff, 0xff, 0x7f}})}), "count of record fields");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x42, 0xff, 0xff, 0xff, 0x0f}})}),
               "count of instance type declarations");
}

TEST(ParserMalformed, OutOfRangeIndices) {
  auto e = expect_error(component({vec_section(kAliasSec, {Bytes{0x01, 0x00, 0x00}.str("f")})}),
                        "instance index 0 out of range (0 defined so far)");
  EXPECT_EQ(e.offset(), 13u);  // the index byte
  expect_error(component({vec_section(kCanonSec, {Bytes{0x00, 0x00, 0x03, 0x00, 0x00}})}), "core func index 3 out of range");
  expect_error(component({vec_section(kCoreInstanceSec, {Bytes{0x00, 0x07, 0x00}})}), "core module index 7 out of range");
  expect_error(component({vec_section(kExportSec, {Bytes().ext_name("f").raw({0x01, 0x09, 0x00})})}),
               "func index 9 out of range");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x72, 0x01}.str("a").u8(0x05)})}), "type index 5 out of range");
  expect_error(component({vec_section(kImportSec, {func_import("f")})}), "type index 0 out of range");
  expect_error(component({vec_section(kCanonSec, {Bytes{0x03, 0x02}})}), "type index 2 out of range");
  expect_error(component({vec_section(kAliasSec, {Bytes{0x03, 0x02, 0x01, 0x00}})}), "exceeds the enclosing scopes");
}

TEST(ParserMalformed, SortAndKindMismatches) {
  // import func "f"; instance bag exporting it; alias that export as a type.
  expect_error(component({vec_section(kTypeSec, {empty_func_type()}), vec_section(kImportSec, {func_import("f")}),
                          vec_section(kInstanceSec, {Bytes{0x01, 0x01}.ext_name("f").raw({0x01, 0x00})}),
                          vec_section(kAliasSec, {Bytes{0x03, 0x00, 0x00}.str("f")})}),
               "instance 0 export \"f\" is a func, not a type");
  // The import's type must be a func type.
  expect_error(component({vec_section(kTypeSec, {Bytes{0x79}}), vec_section(kImportSec, {func_import("f")})}),
               "type 0 is not a func type");
  // own<> of something that is not a resource.
  expect_error(component({vec_section(kTypeSec, {Bytes{0x79}, Bytes{0x69, 0x00}})}), "not a resource type");
  // A value type index that names a func type.
  expect_error(component({vec_section(kTypeSec, {empty_func_type(), Bytes{0x70, 0x00}})}), "is a func type, not a value type");
  // Core instantiate arguments must be core instances.
  expect_error(component({section(kCoreModuleSec, empty_core_module()),
                          vec_section(kCoreInstanceSec, {Bytes{0x00, 0x00, 0x01}.str("x").raw({0x00, 0x00})})}),
               "only core instances can be passed");
  // Exports can only name core modules among the core sorts.
  expect_error(component({vec_section(kExportSec, {Bytes().ext_name("f").raw({0x00, 0x00, 0x00, 0x00})})}),
               "only core modules can");
}

TEST(ParserMalformed, CoreAliasKindAndGenerativeResources) {
  // (alias core export $i "f" (core memory)) where "f" is a func.
  expect_error(component({section(kCoreModuleSec, core_module_exporting_f()), vec_section(kCoreInstanceSec, {Bytes{0x00, 0x00, 0x00}}),
                          vec_section(kAliasSec, {Bytes{0x00, 0x02, 0x01, 0x00}.str("f")})}),
               "core instance 0 export \"f\" is a func, not a memory");
  expect_error(component({section(kCoreModuleSec, core_module_exporting_f()), vec_section(kCoreInstanceSec, {Bytes{0x00, 0x00, 0x00}}),
                          vec_section(kAliasSec, {Bytes{0x00, 0x00, 0x01, 0x00}.str("nope")})}),
               "core instance 0 has no export \"nope\"");
  // A nested component may not outer-alias a resource defined by its parent...
  Bytes nested = component({vec_section(kAliasSec, {Bytes{0x03, 0x02, 0x01, 0x00}})});
  expect_error(component({vec_section(kTypeSec, {Bytes{0x3f, 0x7f, 0x00}}), section(kComponentSec, nested)}),
               "resource types are generative");
  // ...but may alias an imported one.
  EXPECT_NO_THROW(parse_component(
      component({vec_section(kImportSec, {Bytes().ext_name("r").raw({0x03, 0x01})}), section(kComponentSec, nested)}).v));
}

TEST(ParserMalformed, Names) {
  expect_error(component({vec_section(kTypeSec, {empty_func_type()}), vec_section(kImportSec, {func_import("Not Valid!")})}),
               "invalid name");
  expect_error(component({vec_section(kTypeSec, {empty_func_type()}),
                          vec_section(kImportSec, {func_import("foo"), func_import("FOO")})}),
               "duplicate import \"FOO\"");
  expect_error(component({vec_section(kTypeSec, {empty_func_type()}), vec_section(kImportSec, {func_import("f")}),
                          vec_section(kExportSec, {Bytes().ext_name("g").raw({0x01, 0x00, 0x00}),
                                                   Bytes().ext_name("g").raw({0x01, 0x00, 0x00})})}),
               "duplicate export \"g\"");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x72, 0x02}.str("a").u8(0x79).str("A").u8(0x79)})}),
               "duplicate record field \"A\"");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x6d, 0x01}.str("not_kebab")})}), "is not a kebab-case label");
  expect_error(component({vec_section(kImportSec, {Bytes{0x02}.str("f").raw({0x01, 0x00})})}), "unknown import/export name prefix 0x02");
}

TEST(ParserMalformed, UnknownAndUnsupportedEncodings) {
  expect_error(component({vec_section(kTypeSec, {Bytes{0x55}})}), "unknown type form 0x55");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x66, 0x00}})}), "unsupported: async types");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x43, 0x00}})}), "unsupported: async function types");
  expect_error(component({vec_section(kCanonSec, {Bytes{0x09}})}), "unsupported: canonical built-in 0x09");
  expect_error(component({vec_section(kCanonSec, {Bytes{0x7f}})}), "unknown canonical function kind 0x7f");
  expect_error(component({vec_section(kTypeSec, {empty_func_type()}), vec_section(kImportSec, {func_import("f")}),
                          vec_section(kCanonSec, {Bytes{0x01, 0x00, 0x00, 0x01, 0x06}})}),
               "unsupported: async canonical options");
  expect_error(component({vec_section(kAliasSec, {Bytes{0x02, 0x02, 0x00, 0x00}})}), "unsupported: the value sort");
  expect_error(component({vec_section(kAliasSec, {Bytes{0x03, 0x07, 0x00, 0x00}})}), "unknown alias target 0x07");
  expect_error(component({vec_section(kCoreTypeSec, {Bytes{0x4e, 0x00}})}), "unsupported: GC core type");
  expect_error(component({section(kCoreModuleSec, Bytes{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x63, 0x00})}),
               "unknown core section id 99");
}

TEST(ParserMalformed, NestingDepthIsLimited) {
  Bytes inner = preamble();
  for (int i = 0; i < 40; ++i) {
    Bytes outer = preamble();
    outer.append(section(kComponentSec, inner));
    inner = outer;
  }
  expect_error(inner, "nesting of components and type declarations is deeper than 32");

  // 40 nested instance types.
  Bytes t{0x42, 0x00};
  for (int i = 0; i < 40; ++i) {
    Bytes outer{0x42, 0x01, 0x01};
    outer.append(t);
    t = outer;
  }
  expect_error(component({vec_section(kTypeSec, {t})}), "nesting of components and type declarations is deeper");
}

TEST(ParserMalformed, TypeDepthAndSizeAreLimited) {
  Bytes body;
  body.u32(150).u8(0x70).u8(0x79);  // type 0 = list<u32>
  for (uint32_t i = 1; i < 150; ++i) body.u8(0x70).s33(i - 1);
  expect_error(component({section(kTypeSec, body)}), "type nesting is deeper than 100");

  // tuple(t, t) doubling: 2^30 nodes when walked as a tree, from 30 definitions.
  Bytes dag;
  dag.u32(30).raw({0x6f, 0x02, 0x79, 0x79});
  for (uint32_t i = 1; i < 30; ++i) dag.raw({0x6f, 0x02}).s33(i - 1).s33(i - 1);
  expect_error(component({section(kTypeSec, dag)}), "type is too large");
}

TEST(ParserMalformed, TypeRules) {
  expect_error(component({vec_section(kTypeSec, {Bytes{0x72, 0x00}})}), "record type has no fields");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x71, 0x00}})}), "variant type has no cases");
  // (type (resource (rep i32))) (type (borrow 0)) (type (func (result 1)))
  expect_error(component({vec_section(kTypeSec, {Bytes{0x3f, 0x7f, 0x00}, Bytes{0x68, 0x00}, Bytes{0x40, 0x00, 0x00, 0x01}})}),
               "function results cannot contain borrow handles");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x3f, 0x7e, 0x00}})}), "resource representation must be i32");
  expect_error(component({vec_section(kTypeSec, {Bytes{0x42, 0x01, 0x01, 0x3f, 0x7f, 0x00}})}),
               "resource types cannot be defined inside instance or component types");
}

TEST(ParserMalformed, CanonRules) {
  // core module exporting f: (param i32 i32); lift it as (func (param "s" string)) without memory.
  Bytes prefix_mod = section(kCoreModuleSec, core_module_exporting_f());
  Bytes inst = vec_section(kCoreInstanceSec, {Bytes{0x00, 0x00, 0x00}});
  Bytes alias_f = vec_section(kAliasSec, {Bytes{0x00, 0x00, 0x01, 0x00}.str("f")});
  Bytes string_fn = vec_section(kTypeSec, {Bytes{0x40, 0x01}.str("s").raw({0x73, 0x01, 0x00})});
  expect_error(component({prefix_mod, inst, alias_f, string_fn, vec_section(kCanonSec, {Bytes{0x00, 0x00, 0x00, 0x00, 0x00}})}),
               "a memory option is required");
  // Same core func lifted as (func (param "x" u32)): signature mismatch.
  Bytes u32_fn = vec_section(kTypeSec, {Bytes{0x40, 0x01}.str("x").raw({0x79, 0x01, 0x00})});
  expect_error(component({prefix_mod, inst, alias_f, u32_fn, vec_section(kCanonSec, {Bytes{0x00, 0x00, 0x00, 0x00, 0x00}})}),
               "core func has type (func (param i32 i32)), but lifting (func (param \"x\" u32)) needs (func (param i32))");
  // Duplicate options.
  expect_error(component({prefix_mod, inst, alias_f, u32_fn,
                          vec_section(kCanonSec, {Bytes{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}})}),
               "string-encoding given more than once");
  // resource.new of an imported resource.
  expect_error(component({vec_section(kImportSec, {Bytes().ext_name("r").raw({0x03, 0x01})}),
                          vec_section(kCanonSec, {Bytes{0x02, 0x00}})}),
               "resource.new: type 0 is not a resource defined by this component");
  // resource.drop of a non-resource.
  expect_error(component({vec_section(kTypeSec, {Bytes{0x79}}), vec_section(kCanonSec, {Bytes{0x03, 0x00}})}),
               "resource.drop: type 0 is a value type, not a resource");
}

TEST(ParserMalformed, InstantiationRules) {
  // A nested component importing func "f".
  Bytes nested = component({vec_section(kTypeSec, {empty_func_type()}), vec_section(kImportSec, {func_import("f")})});
  expect_error(component({section(kComponentSec, nested), vec_section(kInstanceSec, {Bytes{0x00, 0x00, 0x00}})}),
               "instance 0 (instantiate component 0): no argument supplies import \"f\"");
  // Supplying a func of a different type.
  Bytes other_fn = vec_section(kTypeSec, {Bytes{0x40, 0x01}.str("x").raw({0x79, 0x01, 0x00})});
  expect_error(component({section(kComponentSec, nested), other_fn, vec_section(kImportSec, {func_import("g")}),
                          vec_section(kInstanceSec, {Bytes{0x00, 0x00, 0x01}.str("f").raw({0x01, 0x00})})}),
               "argument \"f\": expected (func), got (func (param \"x\" u32))");
  // Core: the module's import has no argument.
  Bytes importing_mod = empty_core_module();
  importing_mod.append(section(1, Bytes{0x01, 0x60, 0x00, 0x00}));
  importing_mod.append(section(2, Bytes{0x01}.str("env").str("g").raw({0x00, 0x00})));
  expect_error(component({section(kCoreModuleSec, importing_mod), vec_section(kCoreInstanceSec, {Bytes{0x00, 0x00, 0x00}})}),
               "no argument supplies import module \"env\"");
  // Export ascription that does not match.
  expect_error(component({vec_section(kTypeSec, {empty_func_type(), Bytes{0x40, 0x01}.str("x").raw({0x79, 0x01, 0x00})}),
                          vec_section(kImportSec, {func_import("f")}),
                          vec_section(kExportSec, {Bytes().ext_name("g").raw({0x01, 0x00, 0x01, 0x01, 0x01})})}),
               "type ascription (func (param \"x\" u32)) does not match (func)");
}

TEST(ParserMalformed, ValidMinimalComponents) {
  // import a func, re-export it, instantiate a nested component with it.
  Bytes nested = component({vec_section(kTypeSec, {empty_func_type()}), vec_section(kImportSec, {func_import("f")}),
                            vec_section(kExportSec, {Bytes().ext_name("h").raw({0x01, 0x00, 0x00})})});
  auto c = parse_component(component({vec_section(kTypeSec, {empty_func_type()}), vec_section(kImportSec, {func_import("f")}),
                                      section(kComponentSec, nested),
                                      vec_section(kInstanceSec, {Bytes{0x00, 0x00, 0x01}.str("f").raw({0x01, 0x00})}),
                                      vec_section(kAliasSec, {Bytes{0x01, 0x00, 0x00}.str("h")}),
                                      vec_section(kExportSec, {Bytes().ext_name("g").raw({0x01, 0x01, 0x00})})})
                               .v);
  ASSERT_EQ(c->funcs.size(), 3u);  // import, alias, export
  EXPECT_TRUE(std::holds_alternative<InstanceExportAlias>(c->funcs[1].def));
  EXPECT_EQ(c->resolve_func(2), 1u);
  // 0x01-prefixed names: legacy form (no suffix) and versioned canonical form.
  auto v = parse_component(component({vec_section(kTypeSec, {Bytes{0x42, 0x00}}),
                                      vec_section(kImportSec, {Bytes{0x01}.str("wasi:io/streams@0.2.12").raw({0x05, 0x00}),
                                                               Bytes{0x01}.str("wasi:http/types@0.2").str(".6").raw({0x05, 0x00})})})
                               .v);
  ASSERT_EQ(v->imports.size(), 2u);
  EXPECT_EQ(v->imports[0].version_suffix, "");
  EXPECT_EQ(v->imports[1].version_suffix, ".6");
  EXPECT_EQ(v->imports[1].full_name(), "wasi:http/types@0.2.6");
}

// Every prefix of a real component either parses (a prefix ending on a
// section boundary is a valid, smaller component) or fails cleanly.
void check_all_truncations(const std::vector<uint8_t>& bytes, size_t stride) {
  size_t failures = 0, total = 0;
  for (size_t n = 0; n < bytes.size(); n += stride) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
    ++total;
    try {
      parse_component(prefix);
    } catch (const ParseError& e) {
      ++failures;
      EXPECT_LE(e.offset(), n);
    }
  }
  EXPECT_GT(failures, total * 9 / 10);
}

TEST(ParserMalformed, TruncatedAtEveryByte) {
  check_all_truncations(load_fixture("kitchen_sink.wasm"), 1);
  check_all_truncations(load_fixture("hello.wasm"), 53);
}

TEST(ParserMalformed, CorruptedBytesNeverCrash) {
  const auto good = load_fixture("kitchen_sink.wasm");
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t x : {0xffu, 0x01u, 0x80u}) {
      auto bad = good;
      bad[i] ^= x;
      try {
        parse_component(bad);
      } catch (const ParseError& e) {
        EXPECT_LE(e.offset(), bad.size());
      }
    }
  }
}

}  // namespace
}  // namespace sluice::component
