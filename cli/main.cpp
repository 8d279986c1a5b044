// The sluice command: `compile` a component ahead of time, `run` one in a sandbox.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
  CLI::App app{"sluice: run WASI 0.2 components ahead-of-time compiled, and meter what leaves them"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SLUICE_VERSION);

  sluice::cli::CompileCommand compile;
  CLI::App* compile_cmd = app.add_subcommand("compile", "Compile a component to a native .sluice artifact");
  compile_cmd->add_option("component", compile.input, "WASI 0.2 component (.wasm)")->required();
  compile_cmd->add_option("-o,--output", compile.output, "Artifact to write (.sluice)")->required();
  compile_cmd->add_option("--opt-level", compile.opt_level, "C optimisation level 0-3 (compile time vs speed)")
      ->check(CLI::Range(0, 3));

  sluice::cli::RunCommand run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a command component (.wasm or .sluice)");
  run_cmd->add_option("component", run.input, "Component (.wasm) or compiled artifact (.sluice)")->required();
  run_cmd->add_option("args", run.args, "Arguments for the guest (put them after --)");
  run_cmd->add_option("--env", run.env, "Set a guest environment variable NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  run_cmd->add_option("--dir", run.dirs, "Grant a host directory read-write: HOST_DIR[::GUEST_DIR] (repeatable)")
      ->allow_extra_args(false);
  run_cmd->add_option("--dir-readonly", run.readonly_dirs,
                      "Grant a host directory read-only: HOST_DIR[::GUEST_DIR] (repeatable)")
      ->allow_extra_args(false);
  run_cmd->add_option("--timeout", run.timeout_seconds, "Stop the guest after this many seconds")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--max-memory", run.max_memory, "Cap each linear memory, in bytes (K/M/G suffixes)");
  run_cmd->add_option("--opt-level", run.opt_level, "C optimisation level when compiling on demand")
      ->check(CLI::Range(0, 3));
  run_cmd->add_option("--policy", run.policy_file,
                      "Egress policy file (TOML): rules and limits; reloaded on SIGHUP or when it "
                      "changes (docs/policy.md)");
  run_cmd->add_option("--allow-outbound", run.allow_outbound,
                      "Allow connections/datagrams/lookups: scheme://host:port, e.g. tcp://10.0.0.0/8:443, "
                      "udp://*.example.com:53, *://[::1]:*, tcp://public:443 (repeatable; default deny)")
      ->allow_extra_args(false);
  run_cmd->add_option("--deny-outbound", run.deny_outbound,
                      "Deny scheme://host:port even where an allow rule matches, e.g. *://metadata:*, "
                      "*://private:* (repeatable)")
      ->allow_extra_args(false);
  run_cmd->add_option("--allow-inbound", run.allow_inbound, "Allow listening on scheme://host:port (repeatable)")
      ->allow_extra_args(false);
  run_cmd->add_option("--egress-report", run.egress_report, "Write the egress report (JSON) here at exit");
  run_cmd->add_option("--egress-log", run.egress_log, "Stream flow records (JSON lines) to this file");
  run_cmd->add_flag("--egress-summary", run.egress_summary, "Print a per-destination table on stderr at exit");
  run_cmd->add_flag("!--no-metering", run.metering,
                    "Keep policy decisions but count nothing (to measure the meter's cost)")
      ->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : sluice::cli::kExitUsage;
  }
  if (compile_cmd->parsed()) return sluice::cli::run_compile(compile);
  return sluice::cli::run_run(run);
}
