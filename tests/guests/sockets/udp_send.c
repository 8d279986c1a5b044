// udp_send IP PORT DATAGRAMS SIZE [unconnected]
// Creates a UDP socket, binds it to the unspecified address (port 0) and opens its datagram
// streams with %stream(IP:PORT) (or %stream(none) and a remote address on every datagram when
// "unconnected" is given). Sends DATAGRAMS datagrams of SIZE bytes one at a time
// (check-send + send) and after each waits up to 5 s for one reply datagram. Prints
//   sent <DATAGRAMS> datagrams <DATAGRAMS*SIZE> bytes
//   received <R> datagrams <B> bytes
// and exits 0 (also when replies are missing: the test compares R). Errors: "<step> failed:
// <error-code>", exit 1.
#include <string.h>

#include "common.h"

static char data[65536];
static char reply[65536];

int main(int argc, char **argv) {
  guest_init();
  if (argc != 5 && argc != 6) {
    printf("usage: udp_send IP PORT DATAGRAMS SIZE [unconnected]\n");
    return 2;
  }
  ws_addr to;
  arg_addr(argv[1], argv[2], &to);
  uint64_t count = arg_u64(argv[3], "datagrams");
  uint64_t size = arg_u64(argv[4], "size");
  int connected = !(argc == 6 && strcmp(argv[5], "unconnected") == 0);
  if (size > sizeof data) {
    printf("size too large\n");
    return 2;
  }
  for (size_t i = 0; i < size; i++) data[i] = (char)('0' + i % 10);
  ws_udp u;
  int err = ws_udp_open(&to, connected, &u);
  if (err) fail("udp open", err);
  uint64_t sent = 0, sent_bytes = 0, got = 0, got_bytes = 0;
  for (uint64_t i = 0; i < count; i++) {
    uint64_t permit = 0;
    for (;;) {
      if ((err = ws_udp_check_send(u.out, &permit))) fail("check-send", err);
      if (permit) break;
      int32_t p = ws_udp_out_subscribe(u.out);
      ws_block(p);
      ws_pollable_drop(p);
    }
    uint64_t accepted = 0;
    if ((err = ws_udp_send(u.out, data, (size_t)size, connected ? NULL : &to, &accepted)))
      fail("send", err);
    sent += accepted;
    sent_bytes += accepted * size;
    // Wait for the reply, at most 5 s.
    uint64_t deadline = ws_now_ns() + 5000000000ull;
    for (;;) {
      size_t len = 0;
      int have = 0;
      if ((err = ws_udp_receive(u.in, reply, sizeof reply, &len, NULL, &have)))
        fail("receive", err);
      if (have) {
        got++;
        got_bytes += len;
        break;
      }
      uint64_t now = ws_now_ns();
      if (now >= deadline) break;
      int32_t ps[2] = {ws_udp_in_subscribe(u.in), ws_subscribe_duration(deadline - now)};
      uint32_t ready[2];
      ws_poll(ps, 2, ready, 2);
      ws_pollable_drop(ps[0]);
      ws_pollable_drop(ps[1]);
    }
  }
  ws_udp_close(&u);
  printf("sent %llu datagrams %llu bytes\nreceived %llu datagrams %llu bytes\n",
         (unsigned long long)sent, (unsigned long long)sent_bytes, (unsigned long long)got,
         (unsigned long long)got_bytes);
  return 0;
}
