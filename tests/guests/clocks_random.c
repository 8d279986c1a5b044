// clocks_random [MS]: checks wasi:clocks and wasi:random through wasi-libc.
// Sleeps MS milliseconds (default 20) with nanosleep (poll on a monotonic-clock pollable).
// Output, when all is well (exit 0; any "fail" line makes the exit status 1):
//   monotonic: ok
//   sleep: ok
//   wall: ok
//   entropy: ok
//   random: ok
//   clocks_random: all ok
// A failing check prints "<name>: fail <details>" instead.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

static int64_t ns(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -1;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void check(const char *name, int ok, const char *fmt, long long a, long long b) {
  if (ok) {
    printf("%s: ok\n", name);
  } else {
    failures++;
    printf("%s: fail ", name);
    printf(fmt, a, b);
    printf("\n");
  }
}

int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 20;

  int64_t m0 = ns(CLOCK_MONOTONIC);
  int64_t m1 = ns(CLOCK_MONOTONIC);
  check("monotonic", m0 > 0 && m1 >= m0, "t0=%lld t1=%lld", (long long)m0, (long long)m1);

  struct timespec req = {ms / 1000, (ms % 1000) * 1000000};
  int rc = nanosleep(&req, NULL);
  int64_t m2 = ns(CLOCK_MONOTONIC);
  check("sleep", rc == 0 && m2 - m1 >= (int64_t)ms * 1000000, "rc=%lld elapsed_ns=%lld",
        (long long)rc, (long long)(m2 - m1));

  int64_t w = ns(CLOCK_REALTIME);
  // 2020-01-01T00:00:00Z
  check("wall", w / 1000000000 > 1577836800LL, "now=%lld s, expected > %lld",
        (long long)(w / 1000000000), 1577836800LL);

  unsigned char a[32], b[32];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  int ea = getentropy(a, sizeof a);
  int eb = getentropy(b, sizeof b);
  int distinct = 0;
  for (int i = 1; i < 32; i++) distinct |= a[i] != a[0];
  check("entropy", ea == 0 && eb == 0 && distinct, "rc=%lld all_equal=%lld",
        (long long)(ea | eb), (long long)!distinct);
  check("random", memcmp(a, b, sizeof a) != 0, "two getentropy(32) calls returned the same bytes",
        0, 0);

  printf("clocks_random: %s\n", failures ? "FAILED" : "all ok");
  return failures ? 1 : 0;
}
