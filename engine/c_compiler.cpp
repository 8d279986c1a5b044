#include "engine/c_compiler.h"

#include <cstdlib>
#include <map>
#include <mutex>

#include "engine/engine_error.h"
#include "engine/process.h"

namespace sluice::engine {

std::vector<std::string> resolve_cc(const CCompilerOptions& options) {
  if (!options.cc.empty()) return options.cc;
  if (const char* env = std::getenv("CC"); env && *env) {
    auto cc = split_command(env);
    if (!cc.empty()) return cc;
  }
  return {"cc"};
}

std::string compiler_identity(const std::vector<std::string>& cc) {
  static std::mutex mu;
  static std::map<std::vector<std::string>, std::string> memo;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = memo.find(cc); it != memo.end()) return it->second;
  std::vector<std::string> argv = cc;
  argv.push_back("--version");
  ProcessResult r = run_process(argv);
  if (!r.ok()) throw ToolError("'" + cc[0] + " --version' " + r.describe_status() + ": " + r.output);
  std::string id;
  for (const auto& a : cc) id += a + " ";
  id += "\n" + r.output;
  memo[cc] = id;
  return id;
}

std::vector<std::string> generated_code_cflags(const CCompilerOptions& options) {
  if (options.opt_level < 0 || options.opt_level > 3)
    throw EngineError("optimization level must be 0..3, got " + std::to_string(options.opt_level));
  std::vector<std::string> flags = {
      "-fPIC",
      "-O" + std::to_string(options.opt_level),
      "-fno-strict-aliasing",
      // The interrupt flag lives in the executable's static TLS: one %fs load per check.
      "-ftls-model=initial-exec",
      // Only sluice_artifact and sluice_artifact_info are exported; calls between the
      // artifact's translation units bind locally.
      "-fvisibility=hidden",
      // Unwind tables so C++ exceptions thrown by host functions can pass through guest frames.
      "-fexceptions",
      // Must match engine/runtime: bounds checks are guard pages, stack overflow is a fault.
      "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1",
      "-DWASM_RT_USE_STACK_DEPTH_COUNT=0",
      "-w",
  };
  flags.insert(flags.end(), options.extra_cflags.begin(), options.extra_cflags.end());
  return flags;
}

void build_shared_object(const std::vector<std::filesystem::path>& sources,
                         const std::vector<std::filesystem::path>& include_dirs,
                         const std::filesystem::path& output, const CCompilerOptions& options,
                         const std::function<void(size_t done, size_t total)>& on_compiled) {
  const std::vector<std::string> cc = resolve_cc(options);
  const std::vector<std::string> cflags = generated_code_cflags(options);
  std::vector<Job> jobs;
  std::vector<std::filesystem::path> objects;
  for (const auto& src : sources) {
    std::filesystem::path obj = src;
    obj += ".o";
    Job job;
    job.argv = cc;
    job.argv.insert(job.argv.end(), cflags.begin(), cflags.end());
    for (const auto& dir : include_dirs) job.argv.push_back("-I" + dir.string());
    job.argv.insert(job.argv.end(), {"-c", src.string(), "-o", obj.string()});
    std::filesystem::path log = src;
    log += ".log";
    job.log = log;
    std::error_code ec;
    uintmax_t size = std::filesystem::file_size(src, ec);
    // Measured: gcc -O2 needs ~46 bytes of memory per byte of wasm2c output (7.6 GB for 165 MB).
    job.memory_estimate = ec ? 0 : static_cast<uint64_t>(size) * (options.opt_level == 0 ? 16 : 48);
    job.description = "compiling " + src.filename().string();
    jobs.push_back(std::move(job));
    objects.push_back(obj);
  }
  size_t done = 0;
  run_jobs(jobs, options.jobs, [&](size_t) {
    ++done;
    if (on_compiled) on_compiled(done, sources.size());
  });

  Job link;
  link.argv = cc;
  link.argv.insert(link.argv.end(), {"-shared", "-fPIC", "-Wl,-z,now", "-Wl,-z,relro", "-o",
                                     output.string()});
  for (const auto& obj : objects) link.argv.push_back(obj.string());
  link.argv.push_back("-lm");
  std::filesystem::path log = output;
  log += ".link.log";
  link.log = log;
  link.description = "linking " + output.filename().string();
  run_jobs({link}, 1);
}

}  // namespace sluice::engine
