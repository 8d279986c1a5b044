/* Declarations shared between the runtime's own translation units. Not a public header. */
#ifndef SLUICE_ENGINE_RUNTIME_RT_INTERNAL_H_
#define SLUICE_ENGINE_RUNTIME_RT_INTERNAL_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* All runtime TLS is initial-exec: the runtime lives in the executable, and the signal handler
 * reads TLS, which must not go through __tls_get_addr (it may allocate). */
#define SLUICE_TLS __thread __attribute__((tls_model("initial-exec")))

#ifdef __cplusplus
#define SLUICE_NORETURN [[noreturn]]
#else
#define SLUICE_NORETURN _Noreturn
#endif

/* Print "sluice runtime: <message>" to stderr and abort: for states with nowhere to unwind to
 * (a trap outside a guarded call) and broken invariants. */
SLUICE_NORETURN void sluice_rt_fatal(const char* message);

/* Installs the process-wide signal handlers once (thread-safe); wasm_rt_init and
 * sluice_rt_thread_init both go through it. */
void sluice_rt_process_init(void);

/* rt_trap.c: the calling thread's count of deadlines that expired and were not cancelled yet.
 * The watchdog increments it (before setting the flag), cancel decrements it; while it is
 * nonzero the end of a guarded call leaves the interrupt flag set. */
volatile uint32_t* sluice_rt_fired_deadlines_address(void);

/* rt_memory.c: nonzero if addr lies in a live linear-memory reservation. Async-signal-safe. */
int sluice_rt_addr_in_memory(uintptr_t addr);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_ENGINE_RUNTIME_RT_INTERNAL_H_ */
