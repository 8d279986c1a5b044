// dns_lookup NAME [PORT]
// Resolves NAME with wasi:sockets/ip-name-lookup (resolve-addresses + resolve-next-address
// until the end of the stream) and prints one line per address, then a count:
//   address 127.0.0.1
//   address ::1
//   addresses 2
// With PORT it then connects to the first IPv4 address found (else the first address) on PORT,
// sends 100 bytes with blocking-write-and-flush and reads the one-line reply:
//   connected 127.0.0.1
//   sent 100
//   received <bytes of the reply>
// Exit 0; failures print "<step> failed: <error-code>" (e.g. "resolve failed: access-denied")
// and exit 1.
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
  guest_init();
  if (argc != 2 && argc != 3) {
    printf("usage: dns_lookup NAME [PORT]\n");
    return 2;
  }
  int32_t stream;
  int err = ws_resolve_addresses(argv[1], &stream);
  if (err) fail("resolve", err);
  ws_addr addrs[64], first;
  int n = 0, have_first = 0;
  for (;;) {
    ws_addr a;
    int done = 0;
    if ((err = ws_resolve_next_address(stream, &a, &done))) {
      ws_resolve_drop(stream);
      fail("resolve", err);
    }
    if (done) break;
    char buf[64];
    printf("address %s\n", ws_format_ip(&a, buf, sizeof buf));
    if (n < 64) addrs[n] = a;
    n++;
    if (!have_first || (first.is_v6 && !a.is_v6)) first = a, have_first = 1;
  }
  ws_resolve_drop(stream);
  printf("addresses %d\n", n);
  if (argc == 3) {
    if (!have_first) fail("connect", WS_ERR(WS_EC_NAME_UNRESOLVABLE));
    uint64_t port = arg_u64(argv[2], "port");
    first.port = (uint16_t)port;
    ws_tcp c;
    if ((err = ws_tcp_connect(&first, &c, NULL))) fail("connect", err);
    char buf[64];
    printf("connected %s\n", ws_format_ip(&first, buf, sizeof buf));
    char data[100];
    memset(data, 'd', sizeof data);
    if ((err = ws_blocking_write_and_flush(c.out, data, sizeof data))) fail("write", err);
    printf("sent 100\n");
    char line[128];
    size_t got = 0;
    if ((err = ws_read_line(c.in, line, sizeof line, &got))) fail("read reply", err);
    printf("received %zu\n", got);
    ws_tcp_close(&c);
  }
  return 0;
}
