// host_calls [N]: makes N (default 1000000) clock_gettime(CLOCK_MONOTONIC) calls — each one a
// host call through the preview1 adapter into wasi:clocks/monotonic-clock.now — and prints
//   host_calls: <N> calls, <ns per call> ns/call
// The same source compiled natively measures the host's own clock_gettime for comparison.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  if (n <= 0) return 2;
  volatile long sink = 0;
  double start = now_ns();
  for (long i = 0; i < n; i++) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sink += ts.tv_nsec & 1;
  }
  double elapsed = now_ns() - start;
  printf("host_calls: %ld calls, %.1f ns/call\n", n, elapsed / (double)n);
  return 0;
}
