#include "sandbox/command_runner.h"

#include <pthread.h>

#include <exception>
#include <memory>

#include "component/linker.h"
#include "engine/runtime/sluice_rt.h"
#include "wasi/sockets/socket_reaper.h"

namespace sluice::sandbox {
namespace {

// wasm2c code keeps wasm locals in C frames: give guests far more stack than a host thread.
constexpr size_t kGuestStackBytes = 256u << 20;

struct GuestThreadJob {
  const component::Component& component;
  const sluice_artifact_desc& artifact;
  const component::HostInterfaces& host;
  void* embedder;
  const SandboxLimits& limits;
  RunResult result;
};

struct RunCall {
  const component::LiftedFunc* run;
  uint64_t values[1];
};

RunResult trap_result(const sluice_trap_info& info, int kind) {
  RunResult r;
  if (kind == SLUICE_TRAP_EXIT) {
    r.outcome = RunOutcome::kExited;
    r.exit_status = info.exit_status;
    return r;
  }
  std::string what = info.message ? info.message : sluice_rt_trap_message(kind);
  if (kind == SLUICE_TRAP_INTERRUPTED) {
    r.outcome = RunOutcome::kTimedOut;
    r.message = "guest stopped: time limit exceeded";
  } else if (sluice_rt_memory_limit_hit()) {
    r.outcome = RunOutcome::kMemoryLimit;
    r.message = "guest exceeded the memory limit (" + what + ")";
  } else {
    r.outcome = RunOutcome::kTrapped;
    r.message = "guest trapped: " + what;
  }
  return r;
}

RunResult run_on_this_thread(GuestThreadJob& job) {
  sluice_rt_thread_init();
  sluice_rt_set_memory_limit(job.limits.max_memory_bytes);
  sluice_rt_reset_memory_limit_hit();
  sluice_rt_deadline* deadline =
      job.limits.timeout_seconds > 0 ? sluice_rt_deadline_start(job.limits.timeout_seconds) : nullptr;
  struct DeadlineGuard {
    sluice_rt_deadline* d;
    ~DeadlineGuard() { sluice_rt_deadline_cancel(d); }
  } guard{deadline};

  std::unique_ptr<component::ComponentInstance> instance;
  try {
    instance = component::ComponentInstance::instantiate(job.component, job.artifact, job.host,
                                                         job.embedder);
  } catch (const component::LinkError& e) {
    return {RunOutcome::kLinkError, 0, e.what()};
  } catch (const component::InstantiationTrap& e) {
    sluice_trap_info info{};
    info.kind = e.kind();
    info.exit_status = e.exit_status();
    info.message = e.what();
    return trap_result(info, e.kind());
  }

  const component::LiftedFunc* run = instance->find_exported_func("wasi:cli/run@0.2.x", "run");
  if (run == nullptr) {
    return {RunOutcome::kLinkError, 0,
            "not a command component: it exports no wasi:cli/run@0.2 instance with a run "
            "function"};
  }
  if (run->core.signature != ":i") {
    return {RunOutcome::kLinkError, 0,
            "wasi:cli/run#run has core type (" + run->core.signature + "), expected (:i)"};
  }

  RunCall call{run, {0}};
  sluice_trap_info info{};
  int kind = sluice_rt_call_guarded(
      [](void* arg) {
        auto* c = static_cast<RunCall*>(arg);
        c->run->core.call(c->run->core.target, c->values);
      },
      &call, &info);
  if (kind != 0) return trap_result(info, kind);

  // run returns result<_, _>: 0 is ok, 1 is err.
  uint32_t status = static_cast<uint32_t>(call.values[0]);
  if (run->post_return) {
    RunCall post{run, {status}};
    sluice_rt_call_guarded(
        [](void* arg) {
          auto* c = static_cast<RunCall*>(arg);
          c->run->post_return->call(c->run->post_return->target, c->values);
        },
        &post, &info);
  }
  if (status > 1) {
    return {RunOutcome::kTrapped, 0, "wasi:cli/run#run returned an invalid result discriminant"};
  }
  return {RunOutcome::kExited, status == 0 ? 0 : 1, ""};
}

void* guest_thread_main(void* arg) {
  auto* job = static_cast<GuestThreadJob*>(arg);
  try {
    job->result = run_on_this_thread(*job);
    // A guest that handles a refused allocation itself still deserves the operator's attention.
    if (job->result.outcome == RunOutcome::kExited && sluice_rt_memory_limit_hit()) {
      job->result.message = "the guest was refused memory by the memory limit (" +
                            std::to_string(job->limits.max_memory_bytes) + " bytes per memory)";
    }
  } catch (const std::exception& e) {
    job->result = {RunOutcome::kHostError, 0, std::string("host error: ") + e.what()};
  }
  return nullptr;
}

}  // namespace

const char* to_string(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kExited: return "exited";
    case RunOutcome::kTrapped: return "trapped";
    case RunOutcome::kTimedOut: return "timed-out";
    case RunOutcome::kMemoryLimit: return "memory-limit";
    case RunOutcome::kLinkError: return "link-error";
    case RunOutcome::kHostError: return "host-error";
  }
  return "unknown";
}

RunResult run_command_component(const component::Component& component,
                                const sluice_artifact_desc& artifact,
                                const component::HostInterfaces& host, void* embedder,
                                const SandboxLimits& limits) {
  GuestThreadJob job{component, artifact, host, embedder, limits, {}};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kGuestStackBytes);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, &guest_thread_main, &job);
  pthread_attr_destroy(&attr);
  if (rc != 0) return {RunOutcome::kHostError, 0, "cannot start the guest thread"};
  pthread_join(thread, nullptr);
  // The guest's sockets are gone; their kernel cross-checks finish before anyone reports.
  wasi::SocketReaper::drain();
  return job.result;
}

}  // namespace sluice::sandbox
