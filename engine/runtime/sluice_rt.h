/* sluice's own wasm2c runtime: the sluice extensions to /usr/include/wasm-rt.h (wabt 1.0.32).
 *
 * The runtime implements every function wasm-rt.h declares (memories, tables, traps, the
 * function-type registry, exceptions) and adds what a multi-threaded host needs:
 *   - guarded calls: run guest code on the calling thread and get a trap back as a value;
 *   - traps that stay on their own thread (per-thread unwind targets, per-thread sigaltstack);
 *   - a SIGSEGV/SIGBUS handler that only claims faults of guest code (out-of-bounds accesses to a
 *     registered linear memory, stack exhaustion) and hands every other fault on, so host bugs
 *     still crash honestly;
 *   - interrupts (a thread-local flag generated code polls, set by a deadline watchdog);
 *   - a per-thread cap on linear memory size.
 *
 * Generated code must be compiled with WASM_RT_MEMCHECK_SIGNAL_HANDLER=1 and
 * WASM_RT_USE_STACK_DEPTH_COUNT=0 (the x86-64 defaults): bounds checks are the guard pages of
 * the 8 GiB reservation, stack overflow is the thread's guard page. Guest code must only run
 * inside sluice_rt_call_guarded().
 *
 * Usable from C and C++.
 */
#ifndef SLUICE_ENGINE_RUNTIME_SLUICE_RT_H_
#define SLUICE_ENGINE_RUNTIME_SLUICE_RT_H_

#include <stdint.h>

#include <wasm-rt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Trap kinds. A trap kind is an int: either a wasm_rt_trap_t value (OOB, UNREACHABLE, ...,
 * EXHAUSTION, UNCAUGHT_EXCEPTION) or one of these. They start at 100 so they can never collide
 * with wasm_rt_trap_t, whose values are small and may grow in later wabt releases. */
enum {
  /* A deadline expired (or someone set the thread's interrupt flag): the guest was stopped at a
   * loop header or function entry. */
  SLUICE_TRAP_INTERRUPTED = 100,
  /* A host function decided the guest must die (bad pointer, bad handle, limit exceeded...). */
  SLUICE_TRAP_HOST = 101,
  /* The guest called exit: not an error, carries an exit status. */
  SLUICE_TRAP_EXIT = 102,
};

/* What a guarded call reports about a trap. */
typedef struct sluice_trap_info {
  int kind;            /* 0 if the call returned normally, else the trap kind */
  int exit_status;     /* SLUICE_TRAP_EXIT only: the status passed to sluice_rt_raise */
  /* Short human-readable reason. Either a static string or this thread's copy of the message
   * passed to sluice_rt_raise; valid until the next trap on this thread. Never NULL after a
   * trap. */
  const char* message;
  /* Faulting address for traps that came from a signal (OOB, EXHAUSTION), else 0: for
   * diagnostics only. */
  uintptr_t fault_address;
} sluice_trap_info;

/* Prepare the calling thread to run guest code: installs a sigaltstack (with a guard page) so
 * the fault handler can run when the guest has exhausted the thread's stack, and records the
 * thread's stack bounds so such a fault is recognised as stack exhaustion. Also installs the
 * process-wide handlers if wasm_rt_init has not run yet. Idempotent and cheap after the first
 * call; sluice_rt_call_guarded calls it itself, so calling it explicitly only moves the cost
 * (a few syscalls) out of the first guarded call. Resources are released when the thread exits.
 * Keeps an already installed sigaltstack of at least 32 KiB (for example one set by ASan). */
void sluice_rt_thread_init(void);

/* Run fn(arg) as guest code on the calling thread. Returns 0 if it returned normally, or the
 * trap kind if a trap unwound it (info is filled either way; info may be NULL).
 *
 * Why: traps longjmp, so every entry into generated code needs a landing pad on this thread.
 * The previous unwind targets are saved and restored, so calls nest (host -> guest -> host ->
 * guest cabi_realloc): an inner trap lands in the inner call, and the outer guest can continue
 * or be unwound by its host function re-raising. While fn runs the thread counts as "in guest",
 * which is what lets the fault handler turn a fault into a trap. When the outermost guarded
 * call on a thread returns, its interrupt flag is cleared, unless a deadline armed by this
 * thread has expired and is not cancelled yet (that deadline keeps stopping the job's guest
 * calls, even if it fired just after the guest's last check).
 *
 * fn must not leave live C++ objects with destructors on the stack between the call and a trap:
 * a trap jumps over them. After a trap, the guest instance's state is inconsistent: free it. */
int sluice_rt_call_guarded(void (*fn)(void* arg), void* arg, sluice_trap_info* info);

/* Unwind the innermost guarded call on this thread with trap `kind` (a wasm_rt_trap_t or
 * SLUICE_TRAP_*). exit_status is reported for SLUICE_TRAP_EXIT. message is copied (truncated to
 * 255 bytes), so a temporary string is fine; NULL gives a default message.
 *
 * Why: host functions (imports) find errors the guest must die of. They call this with no live
 * C++ objects between here and the guarded call. Called outside any guarded call it aborts the
 * process with the message: there is nowhere to unwind to. */
#ifdef __cplusplus
[[noreturn]]
#else
_Noreturn
#endif
void sluice_rt_raise(int kind, int exit_status, const char* message);

/* Human-readable text for any trap kind (wasm_rt_trap_t values and SLUICE_TRAP_*). Static. */
const char* sluice_rt_trap_message(int kind);

/* ---- Interrupts ---------------------------------------------------------------------------
 * Generated code (after sluice's rewriting) tests this flag at every loop header and function
 * entry:   if (UNLIKELY(sluice_rt_interrupt_flag)) sluice_rt_interrupted();
 * It is plain TLS in the executable, accessed with the initial-exec model: one load from %fs,
 * no call. Code that is dlopen'ed must be compiled with -ftls-model=initial-exec (the attribute
 * below also does it for any code that includes this header) so it does not go through
 * __tls_get_addr. Nonzero means "stop". */
extern __thread volatile uint32_t sluice_rt_interrupt_flag __attribute__((tls_model("initial-exec")));

/* Called by generated code when it sees the flag set: raises SLUICE_TRAP_INTERRUPTED. The flag
 * stays set until the outermost guarded call returns, so every nested guest level stops too. */
#ifdef __cplusplus
[[noreturn]]
#else
_Noreturn
#endif
void sluice_rt_interrupted(void);

/* Address of the calling thread's interrupt flag, so another thread (a watchdog, a signal from
 * the user) can stop this thread's guest by storing a nonzero value. Valid until this thread
 * exits. */
volatile uint32_t* sluice_rt_interrupt_flag_address(void);

/* A deadline armed on one shared watchdog thread. */
typedef struct sluice_rt_deadline sluice_rt_deadline;

/* Arm a deadline: after `seconds` (<= 0: immediately) the calling thread's interrupt flag is
 * set, and it stays set across this thread's guarded calls until the deadline is cancelled, so
 * one deadline bounds a whole job (instantiate, run, post-return...). Cheap (one lock, one
 * O(log n) insert; the watchdog is woken only if this deadline is now the earliest); many
 * threads may hold deadlines at once. Always pair with sluice_rt_deadline_cancel, after the
 * guarded calls it covers have returned and before the arming thread exits. Returns NULL only
 * if out of memory. */
sluice_rt_deadline* sluice_rt_deadline_start(double seconds);

/* Disarm and free a deadline (NULL is a no-op). Safe against the race with expiry: after it
 * returns the watchdog will never touch the deadline or the flag on its behalf again. If the
 * deadline had already fired, the flag it set is cleared (unless another expired deadline of
 * the same thread is still uncancelled), so it does not interrupt the thread's next, unrelated
 * guest call. Returns nonzero if the deadline had fired. */
int sluice_rt_deadline_cancel(sluice_rt_deadline* deadline);

/* ---- Memory cap ---------------------------------------------------------------------------- */

/* Cap, in bytes, on each linear memory allocated afterwards by the calling thread (0 = no cap,
 * the default). Why per thread: the host instantiates a guest on one thread, and the cap travels
 * with each memory from its allocation, whichever thread later grows it. Allocating a memory
 * whose initial size exceeds the cap raises SLUICE_TRAP_HOST; memory.grow past it returns -1 to
 * the guest (as if the system were out of memory). Both set the limit-hit flag of the thread
 * that hit it. */
void sluice_rt_set_memory_limit(uint64_t max_bytes);

/* The cap set on this thread (0 = none). */
uint64_t sluice_rt_memory_limit(void);

/* Nonzero if, on this thread, a memory allocation or grow was refused because of the cap since
 * the last reset: lets the host report "guest exceeded --max-memory" instead of a bare trap or
 * a guest-reported allocation failure. */
int sluice_rt_memory_limit_hit(void);

/* Clear the flag above (do it before each guest run). */
void sluice_rt_reset_memory_limit_hit(void);

/* ---- Introspection (diagnostics and tests) ------------------------------------------------- */

/* Number of linear memories currently allocated in the process. */
uint32_t sluice_rt_live_memory_count(void);

/* Nonzero while the calling thread is inside a guarded call. */
int sluice_rt_in_guest(void);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_ENGINE_RUNTIME_SLUICE_RT_H_ */
