#include "cli/commands.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <optional>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "cli/exit_codes.h"
#include "cli/policy_reloader.h"
#include "cli/policy_source.h"
#include "cli/progress_line.h"
#include "component/binary_reader.h"
#include "component/host_interfaces.h"
#include "engine/engine_error.h"
#include "egress/event_drain.h"
#include "egress/flow_log.h"
#include "egress/meter.h"
#include "egress/policy.h"
#include "egress/report_json.h"
#include "egress/summary_table.h"
#include "engine/runtime/sluice_rt.h"
#include "sandbox/artifact_file.h"
#include "sandbox/command_runner.h"
#include "sandbox/component_loader.h"
#include "wasi/wasi.h"
#include "wasi/wasi_ctx.h"

namespace sluice::cli {
namespace {

void report(const std::string& message) { std::fprintf(stderr, "sluice: %s\n", message.c_str()); }

sandbox::ComponentLoadOptions load_options(int opt_level, ProgressLine& progress) {
  sandbox::ComponentLoadOptions options;
  options.engine.compile.opt_level = opt_level;
  options.progress = [&progress](const engine::Progress& p) { progress.update(p); };
  return options;
}

// Runs `body`, mapping every failure to its message and exit status, so that both subcommands
// report bad input the same way.
template <typename Body>
int guarded(const std::string& input, Body&& body) {
  try {
    return body();
  } catch (const component::ParseError& e) {
    report(input + ": " + e.what());
    return kExitBadInput;
  } catch (const engine::ModuleError& e) {
    report(input + ": " + e.what());
    return kExitBadInput;
  } catch (const sandbox::ArtifactFileError& e) {
    report(input + ": " + e.what());
    return kExitBadInput;
  } catch (const engine::EngineError& e) {
    report(input + ": " + e.what());
    return kExitHostError;
  } catch (const std::filesystem::filesystem_error& e) {
    report(e.what());
    return kExitIoError;
  } catch (const FileReadError& e) {
    report(e.what());
    return kExitIoError;
  } catch (const PolicyFileError& e) {
    report(std::string("bad --policy file: ") + e.what());
    return kExitConfig;
  } catch (const egress::RuleSyntaxError& e) {
    report(e.what());
    return kExitUsage;
  } catch (const std::invalid_argument& e) {
    report(e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    report(std::string("internal error: ") + e.what());
    return kExitHostError;
  }
}

// Fails early, with an I/O error rather than a parse error, when the input cannot be opened.
void check_readable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FileReadError("cannot read " + path + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileReadError("cannot read " + path + ": " + std::strerror(errno));
}

int exit_status_for(const sandbox::RunResult& result) {
  switch (result.outcome) {
    case sandbox::RunOutcome::kExited: return result.exit_status;
    case sandbox::RunOutcome::kTrapped: return kExitTrap;
    case sandbox::RunOutcome::kTimedOut: return kExitTimeout;
    case sandbox::RunOutcome::kMemoryLimit: return kExitMemoryLimit;
    case sandbox::RunOutcome::kLinkError: return kExitBadInput;
    case sandbox::RunOutcome::kHostError: return kExitHostError;
  }
  return kExitHostError;
}

// 16 hex digits from the kernel's random source: names this sandbox in reports and logs.
std::string new_sandbox_id() {
  uint64_t bits = 0;
  if (getentropy(&bits, sizeof bits) != 0) bits = static_cast<uint64_t>(getpid()) ^ static_cast<uint64_t>(time(nullptr));
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

// A directory grant as --dir and --dir-readonly spell it: HOST[::GUEST], GUEST defaulting to HOST.
struct DirGrant {
  std::string host;
  std::string guest;
};

DirGrant parse_dir_grant(const std::string& spec) {
  size_t sep = spec.find("::");
  if (sep == std::string::npos) return DirGrant{spec, spec};
  return DirGrant{spec.substr(0, sep), spec.substr(sep + 2)};
}

// Preopens every grant of `specs` with `access`. Both directory flags come through here, so they
// parse alike and a missing directory is reported under the flag that named it.
void grant_directories(wasi::WasiCtx& wasi_ctx, const std::vector<std::string>& specs,
                       wasi::DirectoryAccess access, const std::string& flag) {
  for (const std::string& spec : specs) {
    DirGrant grant = parse_dir_grant(spec);
    try {
      wasi_ctx.preopen_directory(grant.host, grant.guest, access);
    } catch (const std::system_error& e) {
      throw FileReadError(flag + " " + grant.host + ": " + e.what());
    }
  }
}

PolicySource policy_source(const RunCommand& command) {
  return PolicySource{command.policy_file, command.allow_outbound, command.deny_outbound,
                      command.allow_inbound};
}

// The egress outputs of one run: the flow log streams while the guest runs (drained off the
// guest's thread); the report and the summary are written once it has ended, whatever ended it.
class EgressOutputs {
 public:
  EgressOutputs(const RunCommand& command, egress::Meter& meter, std::string sandbox_id)
      : command_(command), meter_(meter), sandbox_id_(std::move(sandbox_id)),
        started_at_(std::chrono::system_clock::now()), start_(std::chrono::steady_clock::now()) {
    if (!command.egress_log.empty()) {
      log_.emplace(command.egress_log, sandbox_id_);
      drain_.emplace(meter.events(), std::ref(*log_));
    }
  }

  void finish(const sandbox::RunResult& result) {
    meter_.finish();
    if (drain_) {
      drain_->stop();
      meter_.events().drain(std::ref(*log_));
      log_->flush();
    }
    if (!command_.egress_report.empty()) {
      egress::RunInfo run;
      run.sandbox_id = sandbox_id_;
      run.component = command_.input;
      run.outcome = sandbox::to_string(result.outcome);
      run.exit_status = result.exit_status;
      run.started_at = started_at_;
      run.duration_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      egress::write_report(meter_, run, command_.egress_report);
    }
    if (command_.egress_summary) egress::write_summary(meter_, std::cerr);
  }

 private:
  const RunCommand& command_;
  egress::Meter& meter_;
  std::string sandbox_id_;
  std::chrono::system_clock::time_point started_at_;
  std::chrono::steady_clock::time_point start_;
  std::optional<egress::FlowLogWriter> log_;
  std::optional<egress::EventDrain> drain_;
};

}  // namespace

unsigned long long parse_byte_size(const std::string& text) {
  size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument("not a byte size: \"" + text + "\" (use e.g. 65536, 64K, 256M, 1G)");
  }
  std::string suffix = text.substr(used);
  unsigned long long scale = 1;
  if (suffix == "K" || suffix == "k" || suffix == "KiB") scale = 1ull << 10;
  else if (suffix == "M" || suffix == "m" || suffix == "MiB") scale = 1ull << 20;
  else if (suffix == "G" || suffix == "g" || suffix == "GiB") scale = 1ull << 30;
  else if (!suffix.empty() && suffix != "B") {
    throw std::invalid_argument("not a byte size: \"" + text + "\" (use e.g. 65536, 64K, 256M, 1G)");
  }
  return value * scale;
}

int run_compile(const CompileCommand& command) {
  return guarded(command.input, [&] {
    check_readable(command.input);  // a clear I/O error before anything else
    wasm_rt_init();
    ProgressLine progress(command.input);
    std::vector<uint8_t> file =
        sandbox::compile_artifact_file(command.input, load_options(command.opt_level, progress));
    progress.finish();
    std::filesystem::path tmp = command.output + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
      if (!out) throw FileReadError("cannot write " + tmp.string());
    }
    std::filesystem::rename(tmp, command.output);
    return 0;
  });
}

int run_run(const RunCommand& command) {
  // A guest writing to a closed pipe gets an error from its stream, not a dead host.
  signal(SIGPIPE, SIG_IGN);
  PolicyReloader::block_reload_signal();
  return guarded(command.input, [&] {
    const PolicySource source = policy_source(command);
    egress::Policy policy = source.build();  // bad rules fail before any compiling
    if (!command.metering && (policy.limits().bytes_out || policy.limits().bytes_out_per_destination ||
                              policy.limits().concurrent_connections ||
                              policy.limits().connections_per_second ||
                              policy.limits().dns_lookups_per_second)) {
      throw std::invalid_argument("--no-metering cannot enforce the policy's limits");
    }
    check_readable(command.input);
    sandbox::SandboxLimits limits;
    limits.timeout_seconds = command.timeout_seconds;
    if (!command.max_memory.empty()) limits.max_memory_bytes = parse_byte_size(command.max_memory);

    wasi::WasiCtx wasi_ctx;
    std::vector<std::string> argv{std::filesystem::path(command.input).filename().string()};
    argv.insert(argv.end(), command.args.begin(), command.args.end());
    wasi_ctx.set_arguments(argv);
    std::vector<std::pair<std::string, std::string>> env;
    for (const std::string& kv : command.env) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw std::invalid_argument("--env wants NAME=VALUE, got \"" + kv + "\"");
      }
      env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    wasi_ctx.set_environment(std::move(env));
    grant_directories(wasi_ctx, command.dirs, wasi::DirectoryAccess::kReadWrite, "--dir");
    grant_directories(wasi_ctx, command.readonly_dirs, wasi::DirectoryAccess::kReadOnly,
                      "--dir-readonly");

    wasm_rt_init();
    ProgressLine progress(command.input);
    sandbox::LoadedComponent loaded =
        sandbox::load_component(command.input, load_options(command.opt_level, progress));
    progress.finish();

    std::string sandbox_id = new_sandbox_id();
    egress::MeterOptions meter_options;
    meter_options.sandbox_id = sandbox_id;
    meter_options.metering = command.metering;
    egress::Meter meter(std::move(policy), meter_options);
    wasi_ctx.set_egress(&meter);
    EgressOutputs outputs(command, meter, sandbox_id);
    std::optional<PolicyReloader> reloader;
    reloader.emplace(source, meter, report);

    component::HostInterfaces host;
    wasi::add_wasi_to(host);
    sandbox::RunResult result = sandbox::run_command_component(
        *loaded.component, loaded.artifact->desc(), host, &wasi_ctx, limits);
    std::fflush(stdout);
    reloader.reset();  // no reload once the guest has ended: the report shows one final state
    if (!result.message.empty()) report(result.message);
    try {
      outputs.finish(result);
    } catch (const std::exception& e) {
      report(std::string("egress output: ") + e.what());
      if (result.outcome == sandbox::RunOutcome::kExited && result.exit_status == 0) return kExitIoError;
    }
    return exit_status_for(result);
  });
}

}  // namespace sluice::cli
