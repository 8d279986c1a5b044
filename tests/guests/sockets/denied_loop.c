// denied_loop IP PORT N
// Tries N TCP connects to IP:PORT in a tight loop (create-tcp-socket, start-connect,
// finish-connect; each socket dropped right away). Prints
//   attempts <N>
//   denied <connects that failed with access-denied, at start-connect or finish-connect>
//   connected <connects that succeeded>
//   other <connects that failed otherwise>
// and exits 0.
#include "common.h"

int main(int argc, char **argv) {
  guest_init();
  if (argc != 4) {
    printf("usage: denied_loop IP PORT N\n");
    return 2;
  }
  ws_addr to;
  arg_addr(argv[1], argv[2], &to);
  uint64_t n = arg_u64(argv[3], "N");
  uint64_t denied = 0, connected = 0, other = 0;
  for (uint64_t i = 0; i < n; i++) {
    ws_tcp c;
    int err = ws_tcp_connect(&to, &c, NULL);
    if (err == WS_ERR(WS_EC_ACCESS_DENIED)) {
      denied++;
    } else if (err == 0) {
      connected++;
      ws_tcp_close(&c);
    } else {
      other++;
    }
  }
  printf("attempts %llu\ndenied %llu\nconnected %llu\nother %llu\n", (unsigned long long)n,
         (unsigned long long)denied, (unsigned long long)connected, (unsigned long long)other);
  return 0;
}
