#define _GNU_SOURCE
// tcp_sink: the loopback sink of bench/egress_bench.sh. Listens on 127.0.0.1:0, prints its port
// on stdout (one line), then accepts connections and discards everything each one sends until
// EOF (or an error), and closes it with a reset (so no TIME_WAIT is left). One thread, one
// poll() loop; runs until killed.
//   cc -O2 -o tcp_sink bench/tcp_sink.c
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[1 << 18];

int main(void) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) return perror("socket"), 1;
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096)) return perror("bind/listen"), 1;
  socklen_t alen = sizeof a;
  getsockname(ls, (struct sockaddr *)&a, &alen);
  fcntl(ls, F_SETFL, O_NONBLOCK);
  printf("%u\n", ntohs(a.sin_port));
  fflush(stdout);

  size_t cap = 64, n = 1;
  struct pollfd *fds = malloc(cap * sizeof *fds);
  fds[0] = (struct pollfd){.fd = ls, .events = POLLIN};
  for (;;) {
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      return perror("poll"), 1;
    }
    for (size_t i = n; i-- > 1;) {  // connections first, backwards so removal is a swap
      if (!fds[i].revents) continue;
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR))) continue;
      // EOF or error: close with a reset (SO_LINGER 0). The client closed first and sits in
      // FIN_WAIT2; the reset ends it there, so no connection leaves a TIME_WAIT behind. Without
      // it a churn run of N connections leaves N client-side TIME_WAITs (60 s) on the loopback
      // ephemeral ports, and the next churn run connects about 2x slower than the first.
      struct linger lg = {.l_onoff = 1, .l_linger = 0};
      setsockopt(fds[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(fds[i].fd);
      fds[i] = fds[--n];
    }
    if (fds[0].revents) {
      for (;;) {
        int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0) break;  // EAGAIN (or a transient error: poll again)
        if (n == cap) fds = realloc(fds, (cap *= 2) * sizeof *fds);
        fds[n++] = (struct pollfd){.fd = c, .events = POLLIN};
      }
    }
  }
}
