// The whole pipeline: compile to a shared object, load it, instantiate with host bindings, call
// exports through their trampolines; the cache; the loader's refusals; a real jco component.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "engine/artifact_cache.h"
#include "engine/artifact_loader.h"
#include "engine/compile_pipeline.h"
#include "engine/engine_error.h"
#include "engine/process.h"
#include "tests/engine/pipeline_guest_call.h"
#include "tests/engine/pipeline_test_util.h"

namespace sluice::engine {
namespace {

using pipeline_test::count_occurrences;
using pipeline_test::data_module;
using pipeline_test::guest;
using pipeline_test::TempDir;

std::vector<ModuleBytes> spans(const std::vector<std::vector<uint8_t>>& modules) {
  return std::vector<ModuleBytes>(modules.begin(), modules.end());
}

const sluice_export_desc& export_named(const sluice_module_desc& md, const std::string& name) {
  for (uint32_t e = 0; e < md.num_exports; ++e)
    if (name == md.exports[e].name) return md.exports[e];
  throw std::runtime_error("no export " + name);
}

uint64_t f64_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
float bits_f32(uint64_t v) {
  uint32_t b = static_cast<uint32_t>(v);
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
double bits_f64(uint64_t v) {
  double d;
  std::memcpy(&d, &v, 8);
  return d;
}

// One instance's memory, freed (and the instance's own memories/tables released) at scope exit.
struct Instance {
  explicit Instance(const sluice_module_desc& d) : md(d), mem(std::calloc(1, d.instance_size)) {}
  ~Instance() {
    if (live) md.free(mem);
    std::free(mem);
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  int instantiate(sluice_import_ctx* ctx) {
    int kind = guest([&] { md.instantiate(mem, ctx); });
    live = kind == 0;
    return kind;
  }
  int call(const std::string& name, uint64_t* v) {
    const sluice_export_desc& e = export_named(md, name);
    return guest([&] { e.call(mem, v); });
  }
  const sluice_module_desc& md;
  void* mem;
  bool live = false;
};

class Pipeline : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_test::init_runtime_once();
    cache_dir_ = new TempDir();
  }
  static void TearDownTestSuite() {
    delete cache_dir_;
    cache_dir_ = nullptr;
  }
  // Compiles through a cache shared by the tests of this suite.
  static std::filesystem::path compile(const std::vector<ModuleBytes>& mods,
                                       const EngineOptions& opts = {},
                                       std::vector<Progress>* events = nullptr) {
    ArtifactCache cache(cache_dir_->path() / "cache");
    return cache.ensure_compiled(mods, opts, [&](const Progress& p) {
      if (events) events->push_back(p);
    });
  }
  static LoadedArtifact load(const std::filesystem::path& path, const std::vector<ModuleBytes>& mods,
                             LoadOptions lo = {}) {
    lo.expected_modules_sha256 = modules_digest(mods);
    return LoadedArtifact::open(path, parse_modules(mods), lo);
  }
  static TempDir* cache_dir_;
};
TempDir* Pipeline::cache_dir_ = nullptr;

struct HostLog {
  std::vector<std::pair<uint32_t, uint64_t>> add_calls;
  std::vector<std::pair<float, double>> log_calls;
  std::vector<uint32_t> ident_calls;
};

void host_add(void* target, uint64_t* v) {
  auto* log = static_cast<HostLog*>(target);
  uint32_t x = static_cast<uint32_t>(v[0]);
  uint64_t acc = v[1];
  log->add_calls.emplace_back(x, acc);
  v[0] = acc + x;
}

void host_log(void* target, uint64_t* v) {
  static_cast<HostLog*>(target)->log_calls.emplace_back(bits_f32(v[0]), bits_f64(v[1]));
}

TEST_F(Pipeline, CompileLoadInstantiateCall) {
  auto bytes = data_module("basic.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  std::vector<Progress> events;
  auto path = compile(mods, {}, &events);
  bool translated = false, compiled = false;
  for (const auto& e : events) {
    translated |= e.stage == Progress::Stage::kTranslating;
    compiled |= e.stage == Progress::Stage::kCompiling;
    EXPECT_FALSE(e.message.empty());
  }
  EXPECT_TRUE(translated && compiled);

  LoadedArtifact art = load(path, mods);
  ASSERT_EQ(art.num_modules(), 1u);
  EXPECT_EQ(art.info().at("interrupt_checks"), "1");
  EXPECT_EQ(art.info().at("opt_level"), "2");
  const sluice_module_desc& md = art.module(0);
  EXPECT_STREQ(md.name, "sluice_m0");
  ASSERT_EQ(md.num_imports, 2u);
  EXPECT_STREQ(md.imports[0].module, "host");
  EXPECT_STREQ(md.imports[0].field, "add");
  EXPECT_STREQ(md.imports[0].signature, "iI:I");

  HostLog log;
  sluice_func_binding funcs[2] = {{host_add, &log}, {host_log, &log}};
  void* externs[2] = {nullptr, nullptr};
  sluice_import_ctx ctx{&ctx, funcs, externs};
  ASSERT_NO_THROW(check_import_ctx(md, ctx));
  Instance inst(md);
  ASSERT_EQ(inst.instantiate(&ctx), 0);

  uint64_t v[4] = {5};
  ASSERT_EQ(inst.call("compute", v), 0);
  EXPECT_EQ(v[0], 15u);
  ASSERT_EQ(log.add_calls.size(), 3u);
  EXPECT_EQ(log.add_calls[0], (std::pair<uint32_t, uint64_t>{5, 0}));
  EXPECT_EQ(log.add_calls[1], (std::pair<uint32_t, uint64_t>{5, 5}));
  EXPECT_EQ(log.add_calls[2], (std::pair<uint32_t, uint64_t>{5, 10}));
  ASSERT_EQ(log.log_calls.size(), 1u);
  EXPECT_EQ(log.log_calls[0].first, 1.5f);
  EXPECT_EQ(log.log_calls[0].second, -2.25);

  auto* counter = static_cast<uint32_t*>(export_named(md, "counter").get(inst.mem));
  EXPECT_EQ(*counter, 8u);
  auto* memory = static_cast<wasm_rt_memory_t*>(export_named(md, "memory").get(inst.mem));
  EXPECT_EQ(memory->pages, 1u);
  EXPECT_EQ(std::memcmp(memory->data + 16, "hello", 5), 0);

  v[0] = f64_bits(2.5);
  ASSERT_EQ(inst.call("pair", v), 0);
  EXPECT_EQ(bits_f64(v[0]), 2.5);
  EXPECT_EQ(v[1], 42u);

  v[0] = 0;
  ASSERT_EQ(inst.call("wasi:cli/run@0.2.12#run", v), 0);
  EXPECT_EQ(v[0], static_cast<uint64_t>('h'));

  // The injected check stops a guest spinning in a loop.
  const sluice_export_desc& spin = export_named(md, "spin");
  int kind = guest([&] {
    pipeline_test::set_interrupt_flag();
    spin.call(inst.mem, v);
  });
  EXPECT_EQ(kind, pipeline_test::kInterrupted);
}

#if SLUICE_TEST_HAVE_RUNTIME
TEST_F(Pipeline, DeadlineStopsASpinningGuest) {
  auto bytes = data_module("basic.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  LoadedArtifact art = load(compile(mods), mods);
  const sluice_module_desc& md = art.module(0);
  HostLog log;
  sluice_func_binding funcs[2] = {{host_add, &log}, {host_log, &log}};
  void* externs[2] = {nullptr, nullptr};
  sluice_import_ctx ctx{&ctx, funcs, externs};
  Instance inst(md);
  ASSERT_EQ(inst.instantiate(&ctx), 0);
  uint64_t v[1] = {0};
  sluice_rt_deadline* d = sluice_rt_deadline_start(0.05);
  int kind = inst.call("spin", v);
  sluice_rt_deadline_cancel(d);
  EXPECT_EQ(kind, SLUICE_TRAP_INTERRUPTED);
}
#endif

struct EnvImports {
  wasm_rt_memory_t mem;
  wasm_rt_funcref_table_t tab;
  uint32_t g = 11;
  uint64_t gm = 22;
  float gf = 3.5f;
  double gd = 4.25;
  std::vector<uint32_t> ident_calls;
  std::vector<uint32_t> two_calls;
};

void host_two(void* target, uint64_t* v) {
  auto* env = static_cast<EnvImports*>(target);
  env->two_calls.push_back(static_cast<uint32_t>(v[0]));
  uint32_t x = static_cast<uint32_t>(v[0]);
  v[0] = x * 2;
  v[1] = 1000;
}

void host_ident(void* target, uint64_t* v) {
  auto* env = static_cast<EnvImports*>(target);
  env->ident_calls.push_back(static_cast<uint32_t>(v[0]));
  v[0] = static_cast<uint32_t>(v[0]) + 100;
}

TEST_F(Pipeline, EveryImportKindAndTableStoredImport) {
  auto bytes = data_module("imports_all.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  LoadedArtifact art = load(compile(mods), mods);
  const sluice_module_desc& md = art.module(0);
  ASSERT_EQ(md.num_imports, 8u);

  EnvImports env;
  wasm_rt_allocate_memory(&env.mem, 1, 1);
  wasm_rt_allocate_funcref_table(&env.tab, 4, 4);
  sluice_func_binding funcs[8] = {};
  funcs[6] = {host_two, &env};
  funcs[7] = {host_ident, &env};
  void* externs[8] = {&env.mem, &env.tab, &env.g, &env.gm, &env.gf, &env.gd, nullptr, nullptr};
  sluice_import_ctx ctx{&ctx, funcs, externs};
  ASSERT_NO_THROW(check_import_ctx(md, ctx));
  {
    Instance inst(md);
    ASSERT_EQ(inst.instantiate(&ctx), 0);
    EXPECT_NE(env.tab.data[1].func, nullptr);  // the element segment filled the host's table

    uint64_t v[4] = {5};
    ASSERT_EQ(inst.call("direct", v), 0);
    EXPECT_EQ(v[0], 105u);
    v[0] = 6;
    ASSERT_EQ(inst.call("via_table", v), 0);  // through the table: the self-pointer case
    EXPECT_EQ(v[0], 106u);
    EXPECT_EQ(env.ident_calls, (std::vector<uint32_t>{5, 6}));

    v[0] = 7;
    ASSERT_EQ(inst.call("call_two", v), 0);
    EXPECT_EQ(v[0], 1014u);
    EXPECT_EQ(env.two_calls, (std::vector<uint32_t>{7}));

    ASSERT_EQ(inst.call("bump", v), 0);
    EXPECT_EQ(env.gm, 23u);
    ASSERT_EQ(inst.call("read_globals", v), 0);
    EXPECT_EQ(v[0], 11u);
    EXPECT_EQ(v[1], 23u);
    EXPECT_EQ(bits_f32(v[2]), 3.5f);
    EXPECT_EQ(bits_f64(v[3]), 4.25);

    v[0] = 8;
    v[1] = 0xdeadbeef;
    ASSERT_EQ(inst.call("store", v), 0);
    uint32_t stored;
    std::memcpy(&stored, env.mem.data + 8, 4);
    EXPECT_EQ(stored, 0xdeadbeefu);

    EXPECT_EQ(export_named(md, "mem").get(inst.mem), &env.mem);
    EXPECT_EQ(export_named(md, "tab").get(inst.mem), &env.tab);
    EXPECT_EQ(export_named(md, "gm").get(inst.mem), &env.gm);
  }
  wasm_rt_free_funcref_table(&env.tab);
  wasm_rt_free_memory(&env.mem);
}

TEST_F(Pipeline, ImportContextIsChecked) {
  auto bytes = data_module("imports_all.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  LoadedArtifact art = load(compile(mods), mods);
  const sluice_module_desc& md = art.module(0);
  sluice_func_binding funcs[8] = {};
  void* externs[8] = {};
  sluice_import_ctx ctx{nullptr, funcs, externs};
  EXPECT_THROW(check_import_ctx(md, ctx), EngineError);  // no self pointer
  ctx.self = &ctx;
  try {
    check_import_ctx(md, ctx);
    FAIL();
  } catch (const EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("'env' 'mem'"), std::string::npos) << e.what();
  }
}

TEST_F(Pipeline, HostileExportNamesWork) {
  auto bytes = data_module("hostile_names.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  LoadedArtifact art = load(compile(mods), mods);
  const sluice_module_desc& md = art.module(0);
  Instance inst(md);
  ASSERT_EQ(inst.instantiate(nullptr), 0);
  const std::vector<std::string> names = {"x*/ int sluice_injected = 1; /*y", "nl\n  w2c_L9: \n",
                                          "wasi:cli/run@0.2.12#run", "", "Zed\"\\?" "?=", "caf\xc3\xa9",
                                          "cabi_realloc"};
  for (size_t i = 0; i < names.size(); ++i) {
    uint64_t v[4] = {};
    ASSERT_EQ(inst.call(names[i], v), 0) << names[i];
    EXPECT_EQ(v[0], i + 1) << names[i];
  }
}

TEST_F(Pipeline, OptionsChangeTheKey) {
  auto a = data_module("basic.wasm");
  auto b = data_module("loops.wasm");
  std::vector<ModuleBytes> mods = {a};
  EngineOptions base;
  const std::string k = artifact_key(mods, base);
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(artifact_key(mods, base), k);

  EngineOptions o1 = base;
  o1.compile.opt_level = 1;
  EngineOptions o2 = base;
  o2.translate.interrupt_checks = false;
  EngineOptions o3 = base;
  o3.compile.extra_cflags = {"-g"};
  EngineOptions o4 = base;
  o4.compile.jobs = 1;  // does not change the output
  std::vector<ModuleBytes> other = {b};
  std::vector<ModuleBytes> two = {a, b};
  std::vector<ModuleBytes> swapped = {b, a};
  EXPECT_NE(artifact_key(mods, o1), k);
  EXPECT_NE(artifact_key(mods, o2), k);
  EXPECT_NE(artifact_key(mods, o3), k);
  EXPECT_EQ(artifact_key(mods, o4), k);
  EXPECT_NE(artifact_key(other, base), k);
  EXPECT_NE(artifact_key(two, base), artifact_key(swapped, base));
}

TEST_F(Pipeline, SecondCompileIsACacheHit) {
  TempDir dir;
  auto bytes = data_module("loops.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  ArtifactCache cache(dir.path() / "c");
  std::vector<Progress> first, second;
  EngineOptions opts;
  opts.compile.opt_level = 1;
  auto p1 = cache.ensure_compiled(mods, opts, [&](const Progress& p) { first.push_back(p); });
  ASSERT_TRUE(std::filesystem::exists(p1));
  EXPECT_EQ(p1.parent_path(), dir.path() / "c");
  auto mtime = std::filesystem::last_write_time(p1);
  auto p2 = cache.ensure_compiled(mods, opts, [&](const Progress& p) { second.push_back(p); });
  EXPECT_EQ(p1, p2);
  EXPECT_EQ(std::filesystem::last_write_time(p2), mtime);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].stage, Progress::Stage::kCacheHit);
  bool compiled = false;
  for (const auto& e : first) compiled |= e.stage == Progress::Stage::kCompiling;
  EXPECT_TRUE(compiled);

  // Other options: another artifact.
  opts.compile.opt_level = 0;
  auto p3 = cache.ensure_compiled(mods, opts);
  EXPECT_NE(p3, p1);
  // Nothing left behind in the cache's tmp directory.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "c" / "tmp"));
  struct stat st;
  ASSERT_EQ(stat((dir.path() / "c").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
}

TEST_F(Pipeline, ConcurrentCompilesOfTheSameComponent) {
  TempDir dir;
  auto bytes = data_module("basic.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  EngineOptions opts;
  opts.compile.opt_level = 0;
  std::filesystem::path paths[2];
  std::atomic<int> compiles{0};
  std::exception_ptr errors[2];
  auto worker = [&](int i) {
    try {
      ArtifactCache cache(dir.path() / "c");
      bool compiled = false;
      paths[i] = cache.ensure_compiled(mods, opts, [&](const Progress& p) {
        if (p.stage == Progress::Stage::kCompiling && !compiled) {
          compiled = true;
          ++compiles;
        }
      });
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::thread t0(worker, 0), t1(worker, 1);
  t0.join();
  t1.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  EXPECT_EQ(paths[0], paths[1]);
  EXPECT_EQ(compiles.load(), 1);
  LoadedArtifact art = load(paths[0], mods);
  EXPECT_EQ(art.num_modules(), 1u);
}

TEST_F(Pipeline, CompileToAPath) {
  TempDir dir;
  auto bytes = data_module("loops.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  EngineOptions opts;
  opts.compile.opt_level = 1;
  auto out = dir.path() / "loops.so";
  compile_to(mods, opts, out);
  LoadedArtifact art = load(out, mods);
  Instance inst(art.module(0));
  ASSERT_EQ(inst.instantiate(nullptr), 0);
  uint64_t v[1] = {4};
  ASSERT_EQ(inst.call("nested", v), 0);
  EXPECT_EQ(v[0], 16u);
  v[0] = 3;
  ASSERT_EQ(inst.call("branchy", v), 0);
  EXPECT_EQ(v[0], 10u);
  v[0] = 5;
  ASSERT_EQ(inst.call("table", v), 0);
  EXPECT_EQ(v[0], 0u);
  v[0] = 21;
  ASSERT_EQ(inst.call("calls", v), 0);
  EXPECT_EQ(v[0], 42u);
  // Same artifact opened twice: one init, both usable.
  LoadedArtifact again = load(out, mods);
  EXPECT_EQ(&again.desc(), &art.desc());
}

TEST_F(Pipeline, LoaderRefusesMismatchedArtifacts) {
  auto basic = data_module("basic.wasm");
  auto loops = data_module("loops.wasm");
  std::vector<ModuleBytes> mods = {basic};
  std::vector<ModuleBytes> other = {loops};
  auto path = compile(mods);

  auto expect_refused = [&](auto&& open, const std::string& needle) {
    try {
      open();
      ADD_FAILURE() << "accepted; expected an error containing '" << needle << "'";
    } catch (const ArtifactLoadError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  // Another component's interface.
  expect_refused([&] { LoadedArtifact::open(path, parse_modules(other)); }, "does not match");
  // Same interface, a single export renamed.
  auto parsed = parse_modules(mods);
  parsed[0].exports[0].name = "computf";
  expect_refused([&] { LoadedArtifact::open(path, parsed); }, "export 0");
  // Signature changed.
  parsed = parse_modules(mods);
  parsed[0].types[parsed[0].functions[0]].params.push_back(ValType::I32);
  expect_refused([&] { LoadedArtifact::open(path, parsed); }, "import 0");
  // Two modules expected.
  std::vector<ModuleBytes> two = {basic, basic};
  expect_refused([&] { LoadedArtifact::open(path, parse_modules(two)); }, "core modules");
  // Same interface but other bytes.
  LoadOptions lo;
  lo.expected_modules_sha256 = modules_digest(other);
  expect_refused([&] { LoadedArtifact::open(path, parse_modules(mods), lo); }, "other core modules");
  // Missing file.
  expect_refused([&] { LoadedArtifact::open(path.parent_path() / "nope.so", parse_modules(mods)); },
                 "cannot load");

  // Not an artifact at all.
  TempDir dir;
  {
    std::ofstream(dir.path() / "x.c") << "int not_an_artifact = 1;\n";
  }
  auto r = run_process({"cc", "-shared", "-fPIC", "-o", (dir.path() / "x.so").string(),
                        (dir.path() / "x.c").string()});
  ASSERT_TRUE(r.ok()) << r.output;
  expect_refused([&] { LoadedArtifact::open(dir.path() / "x.so", parse_modules(mods)); },
                 "not a sluice artifact");

  // Compiled without interrupt checks: refused unless asked for.
  EngineOptions no_checks;
  no_checks.translate.interrupt_checks = false;
  auto unchecked = compile(mods, no_checks);
  expect_refused([&] { LoadedArtifact::open(unchecked, parse_modules(mods)); }, "interrupt checks");
  LoadOptions allow;
  allow.require_interrupt_checks = false;
  EXPECT_NO_THROW(LoadedArtifact::open(unchecked, parse_modules(mods), allow));
}

TEST_F(Pipeline, KeptIntermediatesHaveTheChecks) {
  TempDir dir;
  auto bytes = data_module("basic.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  EngineOptions opts;
  opts.keep_intermediates = true;
  opts.compile.opt_level = 0;
  std::filesystem::path work;
  compile_to(mods, opts, dir.path() / "a.so", [&](const Progress& p) {
    if (p.stage == Progress::Stage::kNote) work = p.message.substr(p.message.find('/'));
  });
  ASSERT_FALSE(work.empty());
  std::string c = pipeline_test::read_text(work / "m0.c");
  EXPECT_EQ(count_occurrences(c, kInterruptCheck), 6u);  // 4 functions + 2 loops
  std::string glue = pipeline_test::read_text(work / "glue.c");
  EXPECT_NE(glue.find("Z_sluice_i0Z_f0("), std::string::npos);
  std::filesystem::remove_all(work);
}

TEST_F(Pipeline, RefusesSimdBeforeTranslating) {
  auto bytes = data_module("simd.wasm");
  std::vector<ModuleBytes> mods = {bytes};
  TempDir dir;
  try {
    compile_to(mods, {}, dir.path() / "x.so");
    FAIL();
  } catch (const UnsupportedFeatureError& e) {
    EXPECT_EQ(e.feature(), "SIMD");
    EXPECT_NE(std::string(e.what()).find("core module 0"), std::string::npos) << e.what();
  }
}

// The 4 core modules of `jco new hello.core.wasm --wasi-command` (main, preview1 adapter, shim,
// fixup) in one artifact.
TEST_F(Pipeline, JcoHelloComponent) {
  std::string component = PIPELINE_HELLO_COMPONENT;
  if (component.empty()) GTEST_SKIP() << "guests are not built (SLUICE_GUESTS=OFF)";
  auto modules = pipeline_test::component_core_modules(component);
  ASSERT_EQ(modules.size(), 4u);
  std::vector<ModuleBytes> mods = spans(modules);
  std::vector<Progress> events;
  auto path = compile(mods, {}, &events);
  size_t translated = 0;
  for (const auto& e : events)
    if (e.stage == Progress::Stage::kTranslating && e.current > 0) ++translated;
  EXPECT_EQ(translated, 4u);
  LoadedArtifact art = load(path, mods);
  ASSERT_EQ(art.num_modules(), 4u);

  // Module 1 is the adapter: imports the main module's memory, exports the run function.
  const sluice_module_desc& adapter = art.module(1);
  bool imports_memory = false;
  for (uint32_t j = 0; j < adapter.num_imports; ++j)
    imports_memory |= adapter.imports[j].kind == SLUICE_EXTERN_MEMORY;
  EXPECT_TRUE(imports_memory);
  const sluice_export_desc& run = export_named(adapter, "wasi:cli/run@0.2.12#run");
  EXPECT_STREQ(run.signature, ":i");
  EXPECT_NE(run.call, nullptr);

  // Module 2 (the shim) has no imports: instantiate it and look at its table.
  const sluice_module_desc& shim = art.module(2);
  ASSERT_EQ(shim.num_imports, 0u);
  Instance inst(shim);
  ASSERT_EQ(inst.instantiate(nullptr), 0);
  auto* table = static_cast<wasm_rt_funcref_table_t*>(export_named(shim, "$imports").get(inst.mem));
  ASSERT_NE(table, nullptr);
  EXPECT_GT(table->size, 0u);
}

}  // namespace
}  // namespace sluice::engine
