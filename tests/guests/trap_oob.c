// trap_oob [read|write]: prints "before oob <mode>" (flushed), then loads (default) or stores
// 4 bytes at linear-memory address 0xFFFFFFF0, far beyond the module's memory.
// Expected: the host reports an out-of-bounds memory access trap.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  int write_mode = argc > 1 && strcmp(argv[1], "write") == 0;
  printf("before oob %s\n", write_mode ? "write" : "read");
  fflush(stdout);
  volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)0xFFFFFFF0u;
  if (write_mode) {
    *p = 0xdeadbeef;
    printf("after oob write\n");
  } else {
    uint32_t v = *p;
    printf("after oob read: %u\n", (unsigned)v);
  }
  return 0;
}
