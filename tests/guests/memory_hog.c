// memory_hog [MAX_MIB]: mallocs 1 MiB blocks, writing every byte of each, and prints
// "allocated <N> MiB" (flushed) after each block.
//   When malloc fails (memory.grow refused, e.g. by a --max-memory limit, or the 4 GiB wasm32
//   ceiling): prints "malloc failed after <N> MiB" and exits with status 3.
//   With MAX_MIB: stops after MAX_MIB blocks, prints "done <N> MiB" and exits 0.
// (If the host makes memory.grow trap instead of returning -1, the run ends in that trap.)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Blocks are chained so the allocations escape and cannot be optimised away.
static char *volatile head;

int main(int argc, char **argv) {
  long max = argc > 1 ? atol(argv[1]) : -1;
  long count = 0;
  for (;;) {
    if (max >= 0 && count >= max) {
      printf("done %ld MiB\n", count);
      return 0;
    }
    char *p = malloc(1 << 20);
    if (!p) {
      printf("malloc failed after %ld MiB\n", count);
      return 3;
    }
    memset(p, (int)(count & 0xff) | 1, 1 << 20);
    *(char **)p = head;
    head = p;
    count++;
    printf("allocated %ld MiB\n", count);
    fflush(stdout);
  }
}
