// Runs one WASI command component to completion in a sandbox: instantiate, call
// `wasi:cli/run#run`, and turn whatever ended it — a return, exit(), a trap, the deadline, the
// memory cap, a link failure — into one RunResult. The guest runs on its own thread with a large
// stack, so a deep guest recursion exhausts that stack, not the caller's.
#pragma once

#include <cstdint>
#include <string>

#include "component/component_model.h"
#include "component/host_interfaces.h"
#include "engine/artifact_abi.h"

namespace sluice::sandbox {

struct SandboxLimits {
  double timeout_seconds = 0;     // 0: none
  uint64_t max_memory_bytes = 0;  // per linear memory; 0: none
};

enum class RunOutcome {
  kExited,       // run returned, or the guest called exit: see exit_status
  kTrapped,      // the guest trapped (message says how)
  kTimedOut,     // the deadline stopped it
  kMemoryLimit,  // the guest died after the memory cap refused it memory
  kLinkError,    // the component cannot run on this host (bad input)
  kHostError,    // sluice itself failed
};
const char* to_string(RunOutcome outcome);

struct RunResult {
  RunOutcome outcome = RunOutcome::kHostError;
  int exit_status = 0;  // kExited only
  std::string message;  // empty for a clean exit
};

// `embedder` is the per-sandbox host state handed to host functions (the WASI context).
RunResult run_command_component(const component::Component& component,
                                const sluice_artifact_desc& artifact,
                                const component::HostInterfaces& host, void* embedder,
                                const SandboxLimits& limits);

}  // namespace sluice::sandbox
