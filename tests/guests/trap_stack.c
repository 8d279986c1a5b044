// trap_stack [native|shadow]: unbounded recursion, printing "recursing <mode>" (flushed) first.
//   native (default): each frame lives only on the wasm call stack (wasm locals, no linear
//            memory), through a volatile function pointer so it stays a real, non-tail call.
//            Expected: the host reports call-stack exhaustion.
//   shadow:  each frame also takes 1 KiB of the C shadow stack in linear memory (wasm-ld puts
//            the stack first, so overflowing it runs below address 0). Expected: a trap
//            (out-of-bounds access, or call-stack exhaustion if that comes first).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t native_rec(uint32_t n);
static uint32_t shadow_rec(uint32_t n);
static uint32_t (*volatile native_fp)(uint32_t) = native_rec;
static uint32_t (*volatile shadow_fp)(uint32_t) = shadow_rec;
static volatile uint32_t sink;

__attribute__((noinline)) static uint32_t native_rec(uint32_t n) {
  sink = n;
  return native_fp(n + 1) * 2654435761u + n;
}

__attribute__((noinline)) static uint32_t shadow_rec(uint32_t n) {
  volatile char frame[1024];
  frame[n % sizeof frame] = (char)n;
  return shadow_fp(n + 1) + frame[(n * 7) % sizeof frame];
}

int main(int argc, char **argv) {
  int shadow = argc > 1 && strcmp(argv[1], "shadow") == 0;
  printf("recursing %s\n", shadow ? "shadow" : "native");
  fflush(stdout);
  uint32_t r = shadow ? shadow_fp(0) : native_fp(0);
  printf("returned %u\n", (unsigned)r);
  return 0;
}
