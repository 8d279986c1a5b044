// Core module reader: real modules, feature refusal, malformed input.
#include <gtest/gtest.h>

#include <random>

#include "engine/core_module.h"
#include "tests/engine/pipeline_test_util.h"

namespace sluice::engine {
namespace {

using pipeline_test::data_module;

const Import* find_import(const CoreModule& m, const std::string& module, const std::string& field) {
  for (const auto& i : m.imports)
    if (i.module == module && i.field == field) return &i;
  return nullptr;
}

const Export* find_export(const CoreModule& m, const std::string& name) {
  for (const auto& e : m.exports)
    if (e.name == name) return &e;
  return nullptr;
}

TEST(CoreModuleReader, WatModuleImportsAndExports) {
  auto bytes = data_module("basic.wasm");
  CoreModule m = parse_core_module(bytes);
  ASSERT_EQ(m.imports.size(), 2u);
  EXPECT_EQ(m.imports[0].module, "host");
  EXPECT_EQ(m.imports[0].field, "add");
  EXPECT_EQ(m.imports[0].kind, ExternKind::Func);
  EXPECT_EQ(import_signature(m, m.imports[0]), "iI:I");
  EXPECT_EQ(import_signature(m, m.imports[1]), "fF:");
  EXPECT_EQ(m.num_imported_functions, 2u);
  EXPECT_EQ(m.num_defined_functions, 4u);
  EXPECT_EQ(m.num_loops, 2u);
  EXPECT_EQ(m.memories.size(), 1u);
  EXPECT_EQ(m.num_data_segments, 1u);

  const Export* compute = find_export(m, "compute");
  ASSERT_NE(compute, nullptr);
  EXPECT_EQ(compute->kind, ExternKind::Func);
  EXPECT_EQ(export_signature(m, *compute), "i:I");
  EXPECT_EQ(export_signature(m, *find_export(m, "pair")), "F:Fi");
  EXPECT_EQ(export_signature(m, *find_export(m, "spin")), ":");
  EXPECT_EQ(export_signature(m, *find_export(m, "wasi:cli/run@0.2.12#run")), ":i");
  EXPECT_EQ(find_export(m, "memory")->kind, ExternKind::Memory);
  EXPECT_EQ(export_signature(m, *find_export(m, "memory")), "");
  EXPECT_EQ(find_export(m, "counter")->kind, ExternKind::Global);
  EXPECT_EQ(export_signature(m, *find_export(m, "counter")), "mi");
}

TEST(CoreModuleReader, EveryImportKind) {
  auto bytes = data_module("imports_all.wasm");
  CoreModule m = parse_core_module(bytes);
  ASSERT_EQ(m.imports.size(), 8u);
  EXPECT_EQ(m.imports[0].kind, ExternKind::Memory);
  EXPECT_EQ(m.imports[0].memory.min, 1u);
  EXPECT_EQ(m.imports[1].kind, ExternKind::Table);
  EXPECT_EQ(m.imports[1].table.elem, ValType::FuncRef);
  EXPECT_EQ(m.imports[1].table.limits.min, 4u);
  EXPECT_EQ(import_signature(m, m.imports[2]), "i");
  EXPECT_EQ(import_signature(m, m.imports[3]), "mI");
  EXPECT_EQ(import_signature(m, m.imports[4]), "mf");
  EXPECT_EQ(import_signature(m, m.imports[5]), "F");
  EXPECT_EQ(import_signature(m, m.imports[6]), "i:iI");
  EXPECT_EQ(export_signature(m, *find_export(m, "read_globals")), ":iIfF");
  EXPECT_EQ(m.num_imported_globals, 4u);
  EXPECT_EQ(m.num_element_segments, 1u);
}

TEST(CoreModuleReader, RealClangModule) {
  auto bytes = data_module("sample.wasm");
  CoreModule m = parse_core_module(bytes);
  // wasi-libc's preview1 imports.
  const Import* fd_write = find_import(m, "wasi_snapshot_preview1", "fd_write");
  ASSERT_NE(fd_write, nullptr);
  EXPECT_EQ(import_signature(m, *fd_write), "iiii:i");
  const Import* proc_exit = find_import(m, "wasi_snapshot_preview1", "proc_exit");
  ASSERT_NE(proc_exit, nullptr);
  EXPECT_EQ(import_signature(m, *proc_exit), "i:");
  ASSERT_NE(find_export(m, "_start"), nullptr);
  EXPECT_EQ(export_signature(m, *find_export(m, "_start")), ":");
  ASSERT_NE(find_export(m, "memory"), nullptr);
  EXPECT_GT(m.num_defined_functions, 10u);
  EXPECT_GT(m.num_loops, 5u);
  EXPECT_EQ(m.functions.size(), m.num_imported_functions + m.num_defined_functions);
}

struct Refusal {
  const char* file;
  const char* feature;
};

class CoreModuleRefusal : public testing::TestWithParam<Refusal> {};

TEST_P(CoreModuleRefusal, NamesTheFeature) {
  auto bytes = data_module(GetParam().file);
  try {
    parse_core_module(bytes);
    FAIL() << GetParam().file << " was accepted";
  } catch (const UnsupportedFeatureError& e) {
    EXPECT_EQ(e.feature(), GetParam().feature) << e.what();
    EXPECT_NE(std::string(e.what()).find(GetParam().feature), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("byte offset"), std::string::npos) << e.what();
    EXPECT_LT(e.offset(), bytes.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Features, CoreModuleRefusal,
    testing::Values(Refusal{"simd.wasm", "SIMD"},  // clang-19 -msimd128
                    Refusal{"reject_simd_type.wasm", "SIMD"},
                    Refusal{"reject_simd_op.wasm", "SIMD"},
                    Refusal{"reject_threads_shared.wasm", "threads"},
                    Refusal{"reject_threads_atomic.wasm", "threads"},
                    Refusal{"reject_exceptions.wasm", "exception handling"},
                    Refusal{"reject_tail_call.wasm", "tail calls"},
                    Refusal{"reject_memory64.wasm", "memory64"},
                    Refusal{"reject_multi_memory.wasm", "multi-memory"},
                    Refusal{"reject_gc.wasm", "GC"}),
    [](const testing::TestParamInfo<Refusal>& info) {
      std::string n = info.param.file;
      n = n.substr(0, n.find('.'));
      for (char& c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

TEST(CoreModuleReader, RefusesAComponent) {
  std::vector<uint8_t> component = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  try {
    parse_core_module(component);
    FAIL();
  } catch (const ModuleError& e) {
    EXPECT_NE(std::string(e.what()).find("component"), std::string::npos) << e.what();
  }
}

TEST(CoreModuleReader, ErrorsCarryOffsets) {
  // Header + type section claiming 5 bytes but only 2 present.
  std::vector<uint8_t> bad = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60};
  try {
    parse_core_module(bad);
    FAIL();
  } catch (const ModuleError& e) {
    EXPECT_EQ(e.offset(), 9u) << e.what();
    EXPECT_NE(std::string(e.what()).find("byte offset 9"), std::string::npos) << e.what();
  }
  // An over-long LEB128 (6 bytes for a u32 count).
  std::vector<uint8_t> leb = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06,
                              0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_THROW(parse_core_module(leb), ModuleError);
  // A type count far larger than the section.
  std::vector<uint8_t> count = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                0x01, 0x04, 0xff, 0xff, 0x03, 0x60};
  EXPECT_THROW(parse_core_module(count), ModuleError);
}

// Untrusted input: every truncation and many random corruptions of real modules must either
// parse or throw ModuleError — never crash, hang or throw anything else (run under ASan with
// SLUICE_SANITIZE=ON).
TEST(CoreModuleReader, SurvivesTruncationAndCorruption) {
  for (const char* name : {"basic.wasm", "imports_all.wasm", "loops.wasm"}) {
    auto bytes = data_module(name);
    for (size_t len = 0; len < bytes.size(); ++len) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
      try {
        parse_core_module(cut);
      } catch (const ModuleError&) {
      }
    }
    std::mt19937 rng(1234);
    for (int round = 0; round < 3000; ++round) {
      std::vector<uint8_t> mutated = bytes;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        size_t pos = 8 + rng() % (mutated.size() - 8);
        mutated[pos] = static_cast<uint8_t>(rng());
      }
      try {
        parse_core_module(mutated);
      } catch (const ModuleError&) {
      }
    }
  }
  auto big = data_module("sample.wasm");
  std::mt19937 rng(99);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> mutated = big;
    size_t pos = 8 + rng() % (mutated.size() - 8);
    mutated[pos] = static_cast<uint8_t>(rng());
    try {
      parse_core_module(mutated);
    } catch (const ModuleError&) {
    }
  }
}

}  // namespace
}  // namespace sluice::engine
