// Guest support runtime (with cabi_realloc.c), linked into every C guest unless it is built PLAIN (see
// cmake/Guests.cmake). It works around two problems of Debian 12's wasi-libc (2022-05) under
// the WASI 0.2 command adapter:
//
// 1. Heap corruption. The adapter's start function takes a 64 KiB stack (and later its state)
//    with memory.grow when the main module exports no cabi_realloc. This wasi-libc's dlmalloc
//    claims everything from __heap_base to the *current* memory size on its first malloc -
//    including the adapter's pages - so a guest whose heap grows past its initial memory
//    overwrites the adapter ("assertion failed at adapter line 2857"). Exporting cabi_realloc
//    makes the adapter allocate through malloc instead.
//
// 2. Command export wrappers. In a command module wasm-ld wraps every export other than _start
//    so that it runs __wasm_call_ctors before and __wasm_call_dtors (stdio flush/teardown)
//    after the call, so each cabi_realloc call from the host or adapter would re-run the
//    constructors (wasi-libc's preopen table) and tear stdio down (lost buffered output). wasm-ld
//    generates no wrappers when regular code calls __wasm_call_ctors itself, which this _start
//    does, as newer wasi-libc's crt1-command.c does. Link with -nostartfiles.
#include <stdlib.h>

extern void __wasm_call_ctors(void);
extern void __wasm_call_dtors(void);
extern int __original_main(void);

__attribute__((export_name("_start"))) void _start(void) {
  static volatile int started;
  if (started) __builtin_trap();  // a command runs once per instance
  started = 1;
  __wasm_call_ctors();
  int r = __original_main();
  __wasm_call_dtors();
  if (r != 0) exit(r);
}
