// trap_unreachable: prints "before trap" (flushed), then executes `unreachable`.
// Expected: the host reports a trap (unreachable); nothing after the first line is printed.
#include <stdio.h>

int main(void) {
  printf("before trap\n");
  fflush(stdout);
  __builtin_trap();
  printf("after trap\n");
  return 0;
}
