// trap_mid_transfer IP PORT
// Connects to IP:PORT, sends 10000 bytes with blocking-write-and-flush (so they have left the
// guest before the trap), prints "sent 10000" (flushed), then executes unreachable: the
// connection is still open when the guest traps.
#include "common.h"

static char data[10000];

int main(int argc, char **argv) {
  guest_init();
  if (argc != 3) {
    printf("usage: trap_mid_transfer IP PORT\n");
    return 2;
  }
  ws_addr to;
  arg_addr(argv[1], argv[2], &to);
  for (size_t i = 0; i < sizeof data; i++) data[i] = (char)('a' + i % 26);
  ws_tcp c;
  int err = ws_tcp_connect(&to, &c, NULL);
  if (err) fail("connect", err);
  uint64_t sent = 0;
  if ((err = ws_send_all(c.out, "blocking-write-and-flush", data, sizeof data, 0, &sent)))
    fail("write", err);
  printf("sent %llu\n", (unsigned long long)sent);
  fflush(stdout);
  __builtin_trap();
}
