// spin_forever: prints "spinning" (flushed), then loops forever incrementing a volatile
// counter, making no host calls. Only a host-side timeout/interrupt can stop it.
#include <stdio.h>

int main(void) {
  printf("spinning\n");
  fflush(stdout);
  volatile unsigned long long counter = 0;
  for (;;) counter++;
}
