// tcp_send IP PORT CONNECTIONS BYTES PATH
// Opens CONNECTIONS sequential TCP connections to IP:PORT; on each it sends exactly BYTES through
// PATH (write | blocking-write-and-flush | write-zeroes | blocking-write-zeroes-and-flush |
// splice | blocking-splice; the splice paths read from stdin, which must hold
// CONNECTIONS*BYTES bytes), then reads the sink's one-line reply (e.g. "ok 1000\n"), shuts the
// socket down and drops it. Prints
//   sent <CONNECTIONS*BYTES>
//   received <total bytes of the replies>
// and exits 0. Failures print "<step> failed: <error-code>" and exit 1.
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
  guest_init();
  if (argc != 6) {
    printf("usage: tcp_send IP PORT CONNECTIONS BYTES PATH\n");
    return 2;
  }
  ws_addr to;
  arg_addr(argv[1], argv[2], &to);
  uint64_t conns = arg_u64(argv[3], "connections");
  uint64_t bytes = arg_u64(argv[4], "bytes");
  const char *path = argv[5];
  if (!ws_is_write_path(path)) {
    printf("unknown path: %s\n", path);
    return 2;
  }
  int32_t src = strstr(path, "splice") ? ws_get_stdin() : 0;
  uint64_t total_sent = 0, total_received = 0;
  for (uint64_t i = 0; i < conns; i++) {
    ws_tcp c;
    int err = ws_tcp_connect(&to, &c, NULL);
    if (err) fail("connect", err);
    uint64_t sent = 0;
    err = ws_send_all(c.out, path, NULL, bytes, src, &sent);
    total_sent += sent;
    if (err) {
      printf("sent %llu\n", (unsigned long long)total_sent);
      fail(path, err);
    }
    char line[256];
    size_t got = 0;
    err = ws_read_line(c.in, line, sizeof line, &got);
    total_received += got;
    if (err) fail("read reply", err);
    ws_tcp_shutdown(c.sock, 2);  // errors do not matter: the peer may have closed already
    ws_tcp_close(&c);
  }
  if (src) ws_input_drop(src);
  printf("sent %llu\nreceived %llu\n", (unsigned long long)total_sent,
         (unsigned long long)total_received);
  return 0;
}
