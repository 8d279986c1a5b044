// tcp_many IP PORT N
// Opens N TCP connections to IP:PORT at once and drives them all from one wasi:io/poll loop:
// start-connect all, finish-connect as each becomes ready, send 1000 bytes on each with
// check-write + write, then read each one's one-line reply. Prints
//   connected <N>
//   sent <N*1000>
//   received <total bytes of the replies>
// and exits 0; any failure prints "<step> failed: <error-code>" and exits 1.
#include <string.h>

#include "common.h"

#define PER_CONN 1000
#define MAX_CONNS 1024

enum state { CONNECTING, SENDING, READING, DONE };

typedef struct {
  ws_tcp c;
  enum state st;
  uint64_t sent;
  size_t got;
  char reply[64];
} conn;

static conn conns[MAX_CONNS];
static int32_t polls[MAX_CONNS];
static int owner[MAX_CONNS];
static uint32_t ready[MAX_CONNS];
static char payload[PER_CONN];

int main(int argc, char **argv) {
  guest_init();
  if (argc != 4) {
    printf("usage: tcp_many IP PORT N\n");
    return 2;
  }
  ws_addr to;
  arg_addr(argv[1], argv[2], &to);
  uint64_t n = arg_u64(argv[3], "N");
  if (n == 0 || n > MAX_CONNS) {
    printf("N must be 1..%d\n", MAX_CONNS);
    return 2;
  }
  for (size_t i = 0; i < PER_CONN; i++) payload[i] = (char)('A' + i % 26);
  for (uint64_t i = 0; i < n; i++) {
    int err = ws_tcp_create(to.is_v6, &conns[i].c.sock);
    if (err) fail("create", err);
    if ((err = ws_tcp_start_connect(conns[i].c.sock, &to))) fail("start-connect", err);
  }
  uint64_t connected = 0, sent = 0, received = 0, done = 0;
  while (done < n) {
    size_t np = 0;
    for (uint64_t i = 0; i < n; i++) {
      conn *c = &conns[i];
      if (c->st == DONE) continue;
      polls[np] = c->st == CONNECTING ? ws_tcp_subscribe(c->c.sock)
                  : c->st == SENDING  ? ws_output_subscribe(c->c.out)
                                      : ws_input_subscribe(c->c.in);
      owner[np++] = (int)i;
    }
    size_t nr = ws_poll(polls, np, ready, MAX_CONNS);
    for (size_t r = 0; r < nr; r++) {
      conn *c = &conns[owner[ready[r]]];
      int err = 0;
      if (c->st == CONNECTING) {
        err = ws_tcp_finish_connect(c->c.sock, &c->c.in, &c->c.out);
        if (err == WS_ERR(WS_EC_WOULD_BLOCK)) continue;
        if (err) fail("finish-connect", err);
        connected++;
        c->st = SENDING;
      } else if (c->st == SENDING) {
        uint64_t permit;
        if ((err = ws_check_write(c->c.out, &permit))) fail("check-write", err);
        uint64_t k = PER_CONN - c->sent;
        if (k > permit) k = permit;
        if (k && (err = ws_write(c->c.out, payload + c->sent, (size_t)k))) fail("write", err);
        c->sent += k;
        sent += k;
        if (c->sent == PER_CONN) {
          if ((err = ws_flush(c->c.out))) fail("flush", err);
          c->st = READING;
        }
      } else if (c->st == READING) {
        size_t k = 0;
        err = ws_read(c->c.in, c->reply + c->got, sizeof c->reply - 1 - c->got, &k);
        if (err) fail("read", err);
        c->got += k;
        received += k;
        if ((c->got && c->reply[c->got - 1] == '\n') || c->got == sizeof c->reply - 1) {
          c->st = DONE;  // closed below, once this round's pollables are gone
          done++;
        }
      }
    }
    // Pollables are children of their streams and sockets: drop them before closing any.
    for (size_t i = 0; i < np; i++) ws_pollable_drop(polls[i]);
    for (size_t i = 0; i < np; i++)
      if (conns[owner[i]].st == DONE && conns[owner[i]].c.sock) ws_tcp_close(&conns[owner[i]].c);
  }
  printf("connected %llu\nsent %llu\nreceived %llu\n", (unsigned long long)connected,
         (unsigned long long)sent, (unsigned long long)received);
  return 0;
}
