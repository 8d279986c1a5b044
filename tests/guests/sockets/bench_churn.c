// bench_churn IP PORT N
// Connection churn benchmark (bench/egress_bench.sh): N sequential TCP connections to IP:PORT,
// each connect (create + start-connect + block + finish-connect), shutdown, drop. Prints
//   connections <N> seconds <s>
// timed with wasi:clocks/monotonic-clock around the loop (host startup excluded). Failures print
// "<step> failed: <error-code>" and exit 1.
#include "common.h"

int main(int argc, char **argv) {
  guest_init();
  if (argc != 4) {
    printf("usage: bench_churn IP PORT N\n");
    return 2;
  }
  ws_addr to;
  arg_addr(argv[1], argv[2], &to);
  uint64_t n = arg_u64(argv[3], "connections");
  uint64_t t0 = ws_now_ns();
  for (uint64_t i = 0; i < n; i++) {
    ws_tcp c;
    int err = ws_tcp_connect(&to, &c, NULL);
    if (err) fail("connect", err);
    ws_tcp_shutdown(c.sock, 2);  // errors do not matter: the peer may have closed already
    ws_tcp_close(&c);
  }
  uint64_t t1 = ws_now_ns();
  printf("connections %llu seconds %.6f\n", (unsigned long long)n, (double)(t1 - t0) / 1e9);
  return 0;
}
