// Rewriter, wasm2c translation, interrupt-check injection, and the wasm2c 1.0.32 naming facts
// the glue relies on.
#include <gtest/gtest.h>

#include "engine/artifact_names.h"
#include "engine/core_module.h"
#include "engine/core_rewriter.h"
#include "engine/engine_error.h"
#include "engine/process.h"
#include "engine/wasm2c_translator.h"
#include "tests/engine/pipeline_test_util.h"

namespace sluice::engine {
namespace {

using pipeline_test::count_occurrences;
using pipeline_test::data_module;
using pipeline_test::read_text;
using pipeline_test::TempDir;

TEST(PipelineRewriter, RenamesImportsAndExportsAndReparses) {
  auto bytes = data_module("imports_all.wasm");
  CoreModule original = parse_core_module(bytes);
  auto rewritten = rewrite_for_translation(bytes, original, 3);
  CoreModule m = parse_core_module(rewritten);
  ASSERT_EQ(m.imports.size(), original.imports.size());
  for (size_t j = 0; j < m.imports.size(); ++j) {
    EXPECT_EQ(m.imports[j].module, "sluice_i3");
    EXPECT_EQ(m.imports[j].field, "f" + std::to_string(j));
    EXPECT_EQ(m.imports[j].kind, original.imports[j].kind);
    EXPECT_EQ(import_signature(m, m.imports[j]), import_signature(original, original.imports[j]));
  }
  ASSERT_EQ(m.exports.size(), original.exports.size());
  for (size_t e = 0; e < m.exports.size(); ++e) {
    EXPECT_EQ(m.exports[e].name, "x" + std::to_string(e));
    EXPECT_EQ(m.exports[e].kind, original.exports[e].kind);
    EXPECT_EQ(m.exports[e].index, original.exports[e].index);
  }
  EXPECT_EQ(m.num_defined_functions, original.num_defined_functions);
  EXPECT_EQ(m.num_loops, original.num_loops);
  EXPECT_EQ(m.types, original.types);
}

TEST(PipelineRewriter, DropsCustomSections) {
  auto bytes = data_module("sample.wasm");  // clang output: name, producers, target_features
  CoreModule original = parse_core_module(bytes);
  size_t customs = 0;
  for (const auto& s : original.sections) customs += s.id == 0;
  ASSERT_GT(customs, 0u);
  CoreModule m = parse_core_module(rewrite_for_translation(bytes, original, 0));
  for (const auto& s : m.sections) EXPECT_NE(s.id, 0) << s.custom_name;
  EXPECT_EQ(m.num_defined_functions, original.num_defined_functions);
}

// Runs wasm2c on the module as is (no renaming) to pin the facts the glue depends on.
std::string raw_wasm2c_header(const TempDir& dir, const std::string& wasm) {
  auto r = run_process({resolve_wasm2c({}), "--no-debug-names", "-n", "sluice_m0", "-o",
                        (dir.path() / "raw.c").string(), (pipeline_test::data_dir() / wasm).string()});
  EXPECT_TRUE(r.ok()) << r.output;
  return read_text(dir.path() / "raw.h");
}

TEST(PipelineWasm2cFacts, ExportNameMangling) {
  TempDir dir;
  std::string h = raw_wasm2c_header(dir, "hostile_names.wasm");
  EXPECT_EQ(wasm2c_mangle("wasi:cli/run@0.2.12#run"), "Z_wasiZ3AcliZ2FrunZ400Z2E2Z2E12Z23run");
  EXPECT_EQ(wasm2c_mangle("cabi_realloc"), "Z_cabi_realloc");
  EXPECT_EQ(wasm2c_mangle("Zed"), "Z_Z5Aed");
  for (const char* name : {"wasi:cli/run@0.2.12#run", "cabi_realloc", "", "caf\xc3\xa9",
                           "Zed\"\\?" "?=", "nl\n  w2c_L9: \n", "x*/ int sluice_injected = 1; /*y"}) {
    std::string sym = wasm2c_mangle("sluice_m0") + wasm2c_mangle(name) + "(";
    EXPECT_NE(h.find(sym), std::string::npos) << sym;
  }
  // The hazard the rewriter removes: wasm2c 1.0.32 pastes export names into C comments.
  EXPECT_NE(h.find("/* export: 'x*/ int sluice_injected = 1; /*y' */"), std::string::npos);
}

TEST(PipelineWasm2cFacts, ImportedMemoryTableGlobalsAreAccessors) {
  TempDir dir;
  std::string h = raw_wasm2c_header(dir, "imports_all.wasm");
  EXPECT_NE(h.find("extern wasm_rt_memory_t* Z_envZ_mem(struct Z_env_instance_t*);"), std::string::npos);
  EXPECT_NE(h.find("extern wasm_rt_funcref_table_t* Z_envZ_tab(struct Z_env_instance_t*);"), std::string::npos);
  EXPECT_NE(h.find("extern u32* Z_envZ_g(struct Z_env_instance_t*);"), std::string::npos);
  EXPECT_NE(h.find("extern u64* Z_envZ_gm(struct Z_env_instance_t*);"), std::string::npos);
  EXPECT_NE(h.find("extern f32* Z_envZ_gf(struct Z_env_instance_t*);"), std::string::npos);
  EXPECT_NE(h.find("extern f64* Z_envZ_gd(struct Z_env_instance_t*);"), std::string::npos);
  EXPECT_NE(h.find("struct wasm_multi_ij Z_envZ_two(struct Z_env_instance_t*, u32);"), std::string::npos);
  EXPECT_NE(h.find("u32 Z_envZ_ident(struct Z_env_instance_t*, u32);"), std::string::npos);
  EXPECT_NE(h.find("struct wasm_multi_ijfd Z_sluice_m0Z_read_globals(Z_sluice_m0_instance_t*);"),
            std::string::npos);
  EXPECT_NE(h.find("void Z_sluice_m0_instantiate(Z_sluice_m0_instance_t*, struct Z_env_instance_t*);"),
            std::string::npos);
  EXPECT_NE(h.find("wasm_rt_memory_t* Z_sluice_m0Z_mem(Z_sluice_m0_instance_t* instance);"), std::string::npos);
  EXPECT_NE(h.find("u64* Z_sluice_m0Z_gm(Z_sluice_m0_instance_t* instance);"), std::string::npos);
}

TEST(PipelineTranslate, InterruptChecksAtLoopsAndFunctionEntries) {
  TempDir dir;
  for (const char* wasm : {"basic.wasm", "loops.wasm"}) {
    auto bytes = data_module(wasm);
    CoreModule m = parse_core_module(bytes);
    auto rewritten = rewrite_for_translation(bytes, m, 0);
    TranslatedModule t = translate_module(rewritten, m, 0, dir.path(), {});
    std::string c = read_text(t.c_file);
    EXPECT_EQ(t.interrupts.function_checks, m.num_defined_functions) << wasm;
    EXPECT_EQ(count_occurrences(c, kInterruptCheck),
              t.interrupts.function_checks + t.interrupts.loop_checks) << wasm;
    EXPECT_NE(c.find("extern __thread volatile uint32_t sluice_rt_interrupt_flag"), std::string::npos);
    if (std::string(wasm) == "basic.wasm") {
      // 4 functions, 2 loops: every one instrumented.
      EXPECT_EQ(t.interrupts.loop_checks, m.num_loops);
      EXPECT_EQ(count_occurrences(c, kInterruptCheck), 6u);
    } else {
      // loops.wasm has 5 loops; wasm2c emits no label for the empty `(loop)` (it cannot
      // iterate), so 4 are instrumented.
      EXPECT_EQ(m.num_loops, 5u);
      EXPECT_EQ(t.interrupts.loop_checks, 4u);
    }
  }
}

TEST(PipelineTranslate, ChecksCanBeSwitchedOff) {
  TempDir dir;
  auto bytes = data_module("basic.wasm");
  CoreModule m = parse_core_module(bytes);
  TranslateOptions opts;
  opts.interrupt_checks = false;
  TranslatedModule t = translate_module(rewrite_for_translation(bytes, m, 0), m, 0, dir.path(), opts);
  std::string c = read_text(t.c_file);
  EXPECT_EQ(count_occurrences(c, "sluice_rt_interrupt"), 0u);
  EXPECT_EQ(t.interrupts.function_checks + t.interrupts.loop_checks, 0u);
}

TEST(PipelineTranslate, HostileNamesNeverReachTheC) {
  TempDir dir;
  auto bytes = data_module("hostile_names.wasm");
  CoreModule m = parse_core_module(bytes);
  TranslatedModule t = translate_module(rewrite_for_translation(bytes, m, 0), m, 0, dir.path(), {});
  std::string all = read_text(t.c_file) + read_text(t.h_file);
  EXPECT_EQ(all.find("sluice_injected"), std::string::npos);
  EXPECT_EQ(all.find("w2c_L9"), std::string::npos);
  EXPECT_EQ(all.find("caf"), std::string::npos);
}

TEST(PipelineTranslate, TransformRefusesUnexpectedFormat) {
  auto bytes = data_module("basic.wasm");
  CoreModule m = parse_core_module(bytes);
  TempDir dir;
  TranslateOptions off;
  off.interrupt_checks = false;
  TranslatedModule t = translate_module(rewrite_for_translation(bytes, m, 0), m, 0, dir.path(), off);
  const std::string c = read_text(t.c_file);

  std::string ok = c;
  EXPECT_NO_THROW(inject_interrupt_checks_in(ok, m));

  auto expect_refused = [&](std::string src, const char* why) {
    EXPECT_THROW(inject_interrupt_checks_in(src, m), ToolError) << why;
  };
  std::string s = c;
  s.replace(s.find("  FUNC_PROLOGUE;"), 16, "  FUNC_PROLOGUE ;");
  expect_refused(s, "prologue in another form");
  s = c;
  s.replace(s.find("#define FUNC_PROLOGUE\n"), 22, "#define FUNC_PROLOGUE /**/\n");
  expect_refused(s, "prologue define changed");
  s = c;
  size_t label = s.find("w2c_L");
  ASSERT_NE(label, std::string::npos);
  s.insert(s.find('\n', label), "x");  // "w2c_L0: x"
  expect_refused(s, "label line in another form");
  s = c;
  s.replace(0, s.find('\n'), "/* something else */");
  expect_refused(s, "no wasm2c banner");
}

}  // namespace
}  // namespace sluice::engine
