/* Traps, guarded calls, the fault handler, per-thread setup, interrupts and wasm exceptions.
 *
 * Written in C because it is built around sigsetjmp/siglongjmp: nothing here may own a
 * destructor that a trap would skip.
 *
 * Per-thread state lives in initial-exec TLS so the signal handler can read it without calling
 * into the dynamic linker. Two jump targets are kept per thread, on purpose:
 *   - the trap target: the innermost sluice_rt_call_guarded. wasm_rt_trap, faults and
 *     sluice_rt_raise go there. Traps are not catchable by wasm code.
 *   - the unwind target (wasm_rt_get/set_unwind_target): where wasm_rt_throw goes. Generated
 *     code points it at its try blocks; a guarded call points it at its own landing pad so an
 *     uncaught exception ends the call with WASM_RT_TRAP_UNCAUGHT_EXCEPTION.
 * If traps went to the unwind target, a trap inside a wasm `try` would land in its catch
 * clause and the guest would carry on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rt_internal.h"
#include "sluice_rt.h"

/* ---- Per-thread state --------------------------------------------------------------------- */

static SLUICE_TLS jmp_buf* volatile t_trap_target;  /* innermost guarded call, or NULL */
static SLUICE_TLS jmp_buf* volatile t_unwind_target; /* where wasm_rt_throw goes */
static SLUICE_TLS volatile uint32_t t_guest_depth;   /* nesting of guarded calls */

static SLUICE_TLS int t_initialized;
static SLUICE_TLS uintptr_t t_stack_lo, t_stack_hi; /* this thread's stack, from pthread */
static SLUICE_TLS void* t_altstack_map;             /* our sigaltstack mapping (guard + stack) */
static SLUICE_TLS size_t t_altstack_map_len;
static SLUICE_TLS stack_t t_prev_altstack;          /* what we replaced, restored at exit */

/* Details of the trap in flight, read by the guarded call's landing pad. */
static SLUICE_TLS int t_pending_exit_status;
static SLUICE_TLS const char* t_pending_message;
static SLUICE_TLS uintptr_t t_pending_fault;
static SLUICE_TLS char t_message_buf[256];

/* The active wasm exception. The buffer grows on demand instead of being a 64 KiB TLS array:
 * static TLS is paid for (and zeroed) by every thread of the process. */
static SLUICE_TLS uint32_t t_exc_tag, t_exc_size, t_exc_cap;
static SLUICE_TLS void* t_exc_buf;

__thread volatile uint32_t sluice_rt_interrupt_flag __attribute__((tls_model("initial-exec")));
static SLUICE_TLS volatile uint32_t t_fired_deadlines; /* see sluice_rt_fired_deadlines_address */

/* ---- Process-wide state ------------------------------------------------------------------- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static atomic_int g_initialized;
static pthread_key_t g_thread_key; /* its destructor releases per-thread resources */
static struct sigaction g_prev_segv, g_prev_bus;

enum {
  /* Our sigaltstack. Large because a handler we chain to (ASan's report, a crash reporter) runs
   * on it too; it is only address space until touched. */
  kAltStackBytes = 256 * 1024,
  /* An existing sigaltstack at least this big is kept: enough for our handler's frame plus the
   * kernel's signal frame with full AVX-512 state. */
  kKeepAltStackBytes = 32 * 1024,
  /* How far below the lowest stack address a fault still counts as stack exhaustion: a large
   * frame can skip past glibc's one-page guard, and the kernel keeps a 1 MiB gap below the
   * main thread's stack. */
  kStackGuardSlop = 1024 * 1024,
};

/* ---- Fatal errors ------------------------------------------------------------------------- */

static void write_stderr(const char* text) {
  /* write(2), not stdio: this can run in a signal handler or with a corrupted heap. */
  ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
  (void)ignored;
}

void sluice_rt_fatal(const char* message) {
  write_stderr("sluice runtime: ");
  write_stderr(message);
  write_stderr("\n");
  abort();
}

/* ---- Trap delivery ------------------------------------------------------------------------ */

const char* sluice_rt_trap_message(int kind) {
  switch (kind) {
    case WASM_RT_TRAP_NONE: return "no trap";
    case WASM_RT_TRAP_OOB: return "out of bounds memory or table access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "indirect call to a null, out-of-range or mistyped function";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught wasm exception";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
    case SLUICE_TRAP_INTERRUPTED: return "interrupted (deadline exceeded)";
    case SLUICE_TRAP_HOST: return "killed by the host";
    case SLUICE_TRAP_EXIT: return "guest exited";
    default: return "unknown trap";
  }
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) { return sluice_rt_trap_message((int)trap); }

/* Jump to the innermost guarded call. Async-signal-safe (the fault handler uses it). */
static SLUICE_NORETURN void deliver(int kind, int exit_status, const char* message,
                                    uintptr_t fault) {
  jmp_buf* target = t_trap_target;
  if (target == NULL) {
    /* No guarded call on this thread: unwinding anywhere else would resume unrelated code. */
    write_stderr("sluice runtime: trap outside sluice_rt_call_guarded: ");
    sluice_rt_fatal(message);
  }
  t_pending_exit_status = exit_status;
  t_pending_message = message;
  t_pending_fault = fault;
  siglongjmp(*target, kind); /* kind is never 0 here: callers map NONE to HOST */
}

void wasm_rt_trap(wasm_rt_trap_t trap) {
  if (trap == WASM_RT_TRAP_NONE) { /* longjmp can't carry 0, and it must not look like success */
    deliver(SLUICE_TRAP_HOST, 0, "wasm_rt_trap called with WASM_RT_TRAP_NONE", 0);
  }
  deliver((int)trap, 0, sluice_rt_trap_message((int)trap), 0);
}

void sluice_rt_raise(int kind, int exit_status, const char* message) {
  if (kind == 0) kind = SLUICE_TRAP_HOST;
  const char* text = sluice_rt_trap_message(kind);
  if (message != NULL) {
    /* Copy: host code typically builds the message in a std::string it destroys before
     * raising. */
    snprintf(t_message_buf, sizeof t_message_buf, "%s", message);
    text = t_message_buf;
  }
  deliver(kind, exit_status, text, 0);
}

void sluice_rt_interrupted(void) {
  deliver(SLUICE_TRAP_INTERRUPTED, 0, sluice_rt_trap_message(SLUICE_TRAP_INTERRUPTED), 0);
}

volatile uint32_t* sluice_rt_interrupt_flag_address(void) { return &sluice_rt_interrupt_flag; }

volatile uint32_t* sluice_rt_fired_deadlines_address(void) { return &t_fired_deadlines; }

int sluice_rt_in_guest(void) { return t_guest_depth > 0; }

/* ---- Guarded calls ------------------------------------------------------------------------ */

int sluice_rt_call_guarded(void (*fn)(void*), void* arg, sluice_trap_info* info) {
  sluice_rt_thread_init();
  /* Saved before sigsetjmp and never modified after it, so they survive the longjmp. */
  jmp_buf* const prev_trap = t_trap_target;
  jmp_buf* const prev_unwind = t_unwind_target;
  const uint32_t prev_depth = t_guest_depth;

  jmp_buf landing;
  /* savemask=0: saving the mask costs a syscall on every call. The fault handler unblocks its
   * signal itself before jumping, and no other path changes the mask. */
  int kind = sigsetjmp(landing, 0);
  if (kind == 0) {
    t_trap_target = &landing;
    t_unwind_target = &landing;
    t_guest_depth = prev_depth + 1;
    atomic_signal_fence(memory_order_seq_cst); /* the handler must see us "in guest" */
    fn(arg);
  }
  t_guest_depth = prev_depth;
  t_trap_target = prev_trap;
  t_unwind_target = prev_unwind;
  atomic_signal_fence(memory_order_seq_cst);
  if (prev_depth == 0) {
    /* Only the outermost call clears it: an interrupt seen by a nested guest must also stop
     * the guests below it once their host function returns. An expired deadline that is not
     * cancelled yet stays in force, though: it may have fired just after the guest's last
     * check, and the job's next guarded call must still stop. Clear first, then look at the
     * count (the watchdog increments it before setting the flag), so a deadline firing
     * concurrently is never lost. */
    __atomic_store_n(&sluice_rt_interrupt_flag, 0, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&t_fired_deadlines, __ATOMIC_SEQ_CST) != 0) {
      __atomic_store_n(&sluice_rt_interrupt_flag, 1, __ATOMIC_SEQ_CST);
    }
  }

  if (info != NULL) {
    info->kind = kind;
    info->exit_status = kind ? t_pending_exit_status : 0;
    info->message = kind ? t_pending_message : NULL;
    info->fault_address = kind ? t_pending_fault : 0;
  }
  return kind;
}

/* ---- Fault handler ------------------------------------------------------------------------ */

/* A fault at addr while this thread runs guest code: is it the stack running out? */
static int is_stack_exhaustion(uintptr_t addr) {
  if (t_stack_lo == 0) return 0; /* bounds unknown (pthread_getattr_np failed) */
  return addr + kStackGuardSlop >= t_stack_lo && addr < t_stack_hi;
}

/* Hand a fault that is not ours to whoever had the signal before us, or to the default action
 * (so the process dies with the real signal and a core dump, as it would without us). */
static void chain(int sig, siginfo_t* si, void* uctx) {
  const struct sigaction* prev = sig == SIGSEGV ? &g_prev_segv : &g_prev_bus;
  if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
    if (prev->sa_flags & SA_SIGINFO) {
      prev->sa_sigaction(sig, si, uctx);
    } else {
      prev->sa_handler(sig);
    }
    return; /* it handled it, or it returns and the instruction faults again */
  }
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  /* A real fault re-executes and now kills us. A signal sent with kill() would not come back
   * by itself: send it again (it stays pending until we return, unblocking it). */
  if (si->si_code <= 0) raise(sig);
}

static void on_fault(int sig, siginfo_t* si, void* uctx) {
  const int saved_errno = errno;
  const uintptr_t addr = (uintptr_t)si->si_addr;
  /* si_code > 0: raised by the kernel for an access, not sent by another process. */
  if (t_guest_depth > 0 && t_trap_target != NULL && si->si_code > 0) {
    int kind = 0;
    if (sluice_rt_addr_in_memory(addr)) {
      kind = WASM_RT_TRAP_OOB;
    } else if (is_stack_exhaustion(addr)) {
      kind = WASM_RT_TRAP_EXHAUSTION;
    }
    if (kind != 0) {
      /* The guarded call did not save the mask (see there); leaving the handler by longjmp
       * would otherwise leave this signal blocked and the next fault would kill us. */
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, sig);
      pthread_sigmask(SIG_UNBLOCK, &set, NULL);
      deliver(kind, 0, sluice_rt_trap_message(kind), addr);
    }
  }
  /* Not a guest fault: a host bug (including one in a host function the guest called). */
  errno = saved_errno;
  chain(sig, si, uctx);
}

/* ---- Initialisation ----------------------------------------------------------------------- */

static void release_thread(void* unused);

static void install_handler(int sig, struct sigaction* prev) {
  /* Read the previous action first so the handler never sees a half-written copy. */
  if (sigaction(sig, NULL, prev) != 0) sluice_rt_fatal("sigaction query failed");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK; /* on the altstack: the fault may be stack overflow */
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) sluice_rt_fatal("sigaction install failed");
}

static void process_init_once(void) {
  if (pthread_key_create(&g_thread_key, release_thread) != 0) {
    sluice_rt_fatal("pthread_key_create failed");
  }
  install_handler(SIGSEGV, &g_prev_segv);
  install_handler(SIGBUS, &g_prev_bus);
  atomic_store(&g_initialized, 1);
}

void sluice_rt_process_init(void) { pthread_once(&g_once, process_init_once); }

static void install_altstack(void) {
  stack_t current;
  if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE) &&
      current.ss_size >= kKeepAltStackBytes) {
    return; /* someone (ASan, the embedding app) already gave this thread a usable one */
  }
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t size = kAltStackBytes;
  const long min_size = sysconf(_SC_SIGSTKSZ);
  if (min_size > 0 && (size_t)min_size * 4 > size) size = (size_t)min_size * 4;
  size = (size + page - 1) / page * page;
  /* A guard page below it: a handler overflowing the altstack faults instead of silently
   * writing over whatever is mapped there. */
  void* map = mmap(NULL, size + page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
  if (map == MAP_FAILED) sluice_rt_fatal("cannot map a sigaltstack");
  if (mprotect((char*)map + page, size, PROT_READ | PROT_WRITE) != 0) {
    sluice_rt_fatal("cannot protect a sigaltstack");
  }
  stack_t ss;
  memset(&ss, 0, sizeof ss);
  ss.ss_sp = (char*)map + page;
  ss.ss_size = size;
  if (sigaltstack(&ss, &t_prev_altstack) != 0) sluice_rt_fatal("sigaltstack failed");
  t_altstack_map = map;
  t_altstack_map_len = size + page;
}

void sluice_rt_thread_init(void) {
  if (LIKELY(t_initialized)) return;
  sluice_rt_process_init();

  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = NULL;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
      t_stack_lo = (uintptr_t)addr;
      t_stack_hi = (uintptr_t)addr + size;
    }
    pthread_attr_destroy(&attr);
  }
  install_altstack();
  /* Any non-NULL value makes the key's destructor run when this thread exits. */
  pthread_setspecific(g_thread_key, &t_initialized);
  t_initialized = 1;
}

/* Runs at thread exit (key destructor) and from wasm_rt_free. */
static void release_thread(void* unused) {
  (void)unused;
  if (t_altstack_map != NULL) {
    stack_t current;
    /* Put back what was there before (or disable), but only if ours is still the one
     * installed: unmapping a stack the kernel may still deliver signals on would be fatal, and
     * if someone replaced ours, leaking it is the safe choice. */
    if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE) &&
        (char*)current.ss_sp > (char*)t_altstack_map &&
        (char*)current.ss_sp < (char*)t_altstack_map + t_altstack_map_len) {
      stack_t restore = t_prev_altstack;
      if (restore.ss_flags & SS_DISABLE) {
        memset(&restore, 0, sizeof restore);
        restore.ss_flags = SS_DISABLE;
      }
      if (sigaltstack(&restore, NULL) == 0) munmap(t_altstack_map, t_altstack_map_len);
    }
    t_altstack_map = NULL;
    t_altstack_map_len = 0;
  }
  free(t_exc_buf);
  t_exc_buf = NULL;
  t_exc_cap = t_exc_size = t_exc_tag = 0;
  t_stack_lo = t_stack_hi = 0;
  t_initialized = 0;
}

void wasm_rt_init(void) {
  sluice_rt_process_init();
  sluice_rt_thread_init();
}

bool wasm_rt_is_initialized(void) { return atomic_load(&g_initialized) != 0; }

/* The stock runtime tears down its single global state here. Ours is per thread plus handlers
 * every thread relies on, so this only releases the calling thread's resources (the next
 * guarded call re-creates them); the handlers stay installed. */
void wasm_rt_free(void) {
  if (t_guest_depth > 0) sluice_rt_fatal("wasm_rt_free called inside a guarded call");
  if (t_initialized) {
    release_thread(NULL);
    pthread_setspecific(g_thread_key, NULL);
  }
}

/* ---- Exceptions --------------------------------------------------------------------------- */

enum { kMaxExceptionBytes = 64 * 1024 }; /* same bound as the stock runtime */

uint32_t wasm_rt_register_tag(uint32_t size) {
  (void)size; /* checked when an exception is loaded */
  /* Process-wide and never reused, so tags of different modules never compare equal. 0 is
   * left unused so it can never match a real tag. */
  static atomic_uint next_tag = 1;
  return atomic_fetch_add(&next_tag, 1);
}

void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void* values) {
  if (size > kMaxExceptionBytes) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  if (size > t_exc_cap) {
    sluice_rt_thread_init(); /* registers the thread-exit hook that frees the buffer */
    void* grown = realloc(t_exc_buf, size);
    if (grown == NULL) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
    t_exc_buf = grown;
    t_exc_cap = size;
  }
  t_exc_tag = tag;
  t_exc_size = size;
  if (size != 0) memcpy(t_exc_buf, values, size);
}

void wasm_rt_throw(void) {
  jmp_buf* target = t_unwind_target;
  if (target == NULL) sluice_rt_fatal("wasm exception thrown outside any guarded call");
  /* If nothing in the guest catches it, target is the guarded call's landing pad. */
  t_pending_exit_status = 0;
  t_pending_message = sluice_rt_trap_message(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  t_pending_fault = 0;
  siglongjmp(*target, WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
}

WASM_RT_UNWIND_TARGET* wasm_rt_get_unwind_target(void) { return t_unwind_target; }

void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET* target) { t_unwind_target = target; }

uint32_t wasm_rt_exception_tag(void) { return t_exc_tag; }

uint32_t wasm_rt_exception_size(void) { return t_exc_size; }

void* wasm_rt_exception(void) { return t_exc_buf; }
