// bench_stream IP PORT TOTAL_BYTES CHUNK
// Egress throughput benchmark (bench/egress_bench.sh): one TCP connection to IP:PORT; writes
// TOTAL_BYTES from a static buffer in writes of at most CHUNK bytes (<= 65536): check-write ->
// write min(CHUNK, permit, left) -> when the permit is 0, subscribe + block. At the end a
// blocking flush, shutdown, drop. Prints
//   bytes <TOTAL_BYTES> seconds <s>
// timed with wasi:clocks/monotonic-clock from before the connect to after the drop (so host
// startup is excluded). Failures print "<step> failed: <error-code>" and exit 1.
#include "common.h"

static char buf[65536];

int main(int argc, char **argv) {
  guest_init();
  if (argc != 5) {
    printf("usage: bench_stream IP PORT TOTAL_BYTES CHUNK\n");
    return 2;
  }
  ws_addr to;
  arg_addr(argv[1], argv[2], &to);
  uint64_t total = arg_u64(argv[3], "total bytes");
  uint64_t chunk = arg_u64(argv[4], "chunk");
  if (chunk == 0 || chunk > sizeof buf) {
    printf("bad chunk: %s (1..%zu)\n", argv[4], sizeof buf);
    return 2;
  }
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)('a' + i % 26);

  uint64_t t0 = ws_now_ns();
  ws_tcp c;
  int err = ws_tcp_connect(&to, &c, NULL);
  if (err) fail("connect", err);
  uint64_t sent = 0;
  while (sent < total) {
    uint64_t permit;
    if ((err = ws_check_write(c.out, &permit))) fail("check-write", err);
    if (permit == 0) {
      int32_t p = ws_output_subscribe(c.out);
      ws_block(p);
      ws_pollable_drop(p);
      continue;
    }
    uint64_t n = total - sent;
    if (n > chunk) n = chunk;
    if (n > permit) n = permit;
    if ((err = ws_write(c.out, buf, (size_t)n))) fail("write", err);
    sent += n;
  }
  if ((err = ws_blocking_flush(c.out))) fail("blocking-flush", err);
  ws_tcp_shutdown(c.sock, 2);
  ws_tcp_close(&c);
  uint64_t t1 = ws_now_ns();
  printf("bytes %llu seconds %.6f\n", (unsigned long long)sent, (double)(t1 - t0) / 1e9);
  return 0;
}
