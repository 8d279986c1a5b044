#include "engine/compile_pipeline.h"

#include <fstream>

#include "engine/artifact_abi.h"
#include "engine/artifact_names.h"
#include "engine/core_rewriter.h"
#include "engine/engine_error.h"
#include "engine/glue_generator.h"
#include "engine/process.h"
#include "engine/sha256.h"

#ifndef SLUICE_VERSION
#error "SLUICE_VERSION must be defined by the build"
#endif

namespace sluice::engine {

extern const char kArtifactAbiHeaderText[];  // artifact_abi_embed.cpp (generated)

namespace {

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw EngineError("cannot write " + path.string());
}

void report(const ProgressCallback& progress, Progress::Stage stage, size_t current, size_t total,
            std::string message) {
  if (progress) progress(Progress{stage, current, total, std::move(message)});
}

std::string size_text(uint64_t bytes) {
  char buf[32];
  if (bytes < 1000000)
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

const char* sluice_version() { return SLUICE_VERSION; }

const std::string& artifact_abi_header_text() {
  static const std::string text = kArtifactAbiHeaderText;
  return text;
}

std::vector<CoreModule> parse_modules(std::span<const ModuleBytes> modules) {
  std::vector<CoreModule> parsed;
  parsed.reserve(modules.size());
  for (size_t k = 0; k < modules.size(); ++k) {
    try {
      parsed.push_back(parse_core_module(modules[k]));
    } catch (const UnsupportedFeatureError& e) {
      throw UnsupportedFeatureError(e.feature(), "core module " + std::to_string(k) + ": " + e.what(),
                                    e.offset());
    } catch (const ModuleError& e) {
      throw ModuleError("core module " + std::to_string(k) + ": " + e.what(), e.offset());
    }
  }
  return parsed;
}

std::string modules_digest(std::span<const ModuleBytes> modules) {
  Sha256 h;
  h.update("sluice-modules\n");
  h.update_u64(modules.size());
  for (const ModuleBytes& m : modules) {
    h.update_u64(m.size());
    h.update(m);
  }
  return h.hex_digest();
}

std::string build_configuration(const EngineOptions& options) {
  std::string c;
  c += "pipeline=" + std::to_string(kPipelineVersion) + "\n";
  c += "sluice=" + std::string(sluice_version()) + "\n";
  c += "abi=" + std::to_string(SLUICE_ARTIFACT_ABI_VERSION) + "\n";
  c += "abi_header_sha256=" + sha256_hex(artifact_abi_header_text()) + "\n";
  c += "wasm2c=" + wasm2c_version(resolve_wasm2c(options.translate)) + "\n";
  c += "interrupt_checks=" + std::string(options.translate.interrupt_checks ? "1" : "0") + "\n";
  c += "cflags=";
  for (const auto& f : generated_code_cflags(options.compile)) c += f + " ";
  c += "\ncc=" + compiler_identity(resolve_cc(options.compile)) + "\n";
  return c;
}

std::string artifact_key(std::span<const ModuleBytes> modules, const EngineOptions& options) {
  Sha256 h;
  h.update("sluice-artifact-key\n");
  std::string config = build_configuration(options);
  h.update_u64(config.size());
  h.update(config);
  h.update(modules_digest(modules));
  return h.hex_digest();
}

void build_artifact(std::span<const ModuleBytes> modules, const std::vector<CoreModule>& parsed,
                    const EngineOptions& options, const std::string& key,
                    const std::filesystem::path& work_dir, const std::filesystem::path& output,
                    const ProgressCallback& progress) {
  if (modules.empty()) throw EngineError("a component without core modules has nothing to compile");
  if (parsed.size() != modules.size()) throw EngineError("build_artifact: parsed modules do not match");
  const size_t n = modules.size();
  const std::string wasm2c = resolve_wasm2c(options.translate);
  check_wasm2c_version(wasm2c);

  // 1. Rewrite names and translate (wasm2c runs in parallel; the interrupt transform runs as each
  //    module's translation finishes).
  uint64_t total_wasm = 0;
  std::vector<Job> jobs;
  for (size_t k = 0; k < n; ++k) {
    const auto ku = static_cast<uint32_t>(k);
    std::vector<uint8_t> rewritten = rewrite_for_translation(modules[k], parsed[k], ku);
    total_wasm += modules[k].size();
    std::string m = "m" + std::to_string(k);
    write_file(work_dir / (m + ".wasm"),
               std::string_view(reinterpret_cast<const char*>(rewritten.data()), rewritten.size()));
    Job job;
    job.argv = wasm2c_command(wasm2c, ku, work_dir);
    job.log = work_dir / (m + ".wasm2c.log");
    job.memory_estimate = static_cast<uint64_t>(modules[k].size()) * 40;
    job.description = "wasm2c on core module " + std::to_string(k);
    jobs.push_back(std::move(job));
  }
  report(progress, Progress::Stage::kTranslating, 0, n,
         "translating " + std::to_string(n) + " core modules (" + size_text(total_wasm) +
             " of wasm) with wasm2c");
  size_t translated = 0;
  run_jobs(jobs, options.compile.jobs, [&](size_t k) {
    if (options.translate.interrupt_checks)
      inject_interrupt_checks(work_dir / ("m" + std::to_string(k) + ".c"), parsed[k]);
    ++translated;
    report(progress, Progress::Stage::kTranslating, translated, n,
           "translated core module " + std::to_string(k) + " (" + std::to_string(translated) + "/" +
               std::to_string(n) + ")");
  });

  // 2. Glue.
  std::string info;
  info += "format=1\n";
  info += "key=" + key + "\n";
  info += "modules_sha256=" + modules_digest(modules) + "\n";
  info += "sluice_version=" + std::string(sluice_version()) + "\n";
  info += "pipeline=" + std::to_string(kPipelineVersion) + "\n";
  info += "wasm2c=" + wasm2c_version(wasm2c) + "\n";
  info += "opt_level=" + std::to_string(options.compile.opt_level) + "\n";
  info += "interrupt_checks=" + std::string(options.translate.interrupt_checks ? "1" : "0") + "\n";
  info += "memcheck=signal\n";
  write_file(work_dir / "artifact_abi.h", artifact_abi_header_text());
  write_file(work_dir / "glue.c", generate_glue(parsed, info));

  // 3. Compile and link.
  std::vector<std::filesystem::path> sources;
  uint64_t total_c = 0;
  for (size_t k = 0; k < n; ++k) {
    sources.push_back(work_dir / ("m" + std::to_string(k) + ".c"));
    std::error_code ec;
    total_c += std::filesystem::file_size(sources.back(), ec);
  }
  sources.push_back(work_dir / "glue.c");
  report(progress, Progress::Stage::kCompiling, 0, sources.size(),
         "compiling " + std::to_string(sources.size()) + " C files (" + size_text(total_c) +
             ") at -O" + std::to_string(options.compile.opt_level));
  build_shared_object(sources, {work_dir}, output, options.compile, [&](size_t done, size_t total) {
    report(progress, Progress::Stage::kCompiling, done, total,
           "compiled " + std::to_string(done) + "/" + std::to_string(total) + " files");
    if (done == total) report(progress, Progress::Stage::kLinking, 0, 1, "linking");
  });
}

}  // namespace sluice::engine
