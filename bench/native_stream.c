// native_stream IP PORT TOTAL_BYTES CHUNK: the native twin of the bench_stream guest
// (tests/guests/sockets/bench_stream.c) for bench/egress_bench.sh. One TCP connection; writes
// TOTAL_BYTES from a static buffer in non-blocking send()s of at most CHUNK bytes, poll()ing for
// POLLOUT when the socket buffer is full; then shutdown + close. Prints
//   bytes <TOTAL_BYTES> seconds <s>      (CLOCK_MONOTONIC, connect to close)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) return fprintf(stderr, "usage: native_stream IP PORT TOTAL_BYTES CHUNK\n"), 2;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) return fprintf(stderr, "bad ip\n"), 2;
  unsigned long long total = strtoull(argv[3], NULL, 10);
  size_t chunk = strtoul(argv[4], NULL, 10);
  if (chunk == 0 || chunk > sizeof buf) return fprintf(stderr, "bad chunk\n"), 2;
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)('a' + i % 26);

  double t0 = now();
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) return perror("connect"), 1;
  fcntl(s, F_SETFL, O_NONBLOCK);
  unsigned long long sent = 0;
  while (sent < total) {
    size_t n = total - sent < chunk ? (size_t)(total - sent) : chunk;
    ssize_t w = send(s, buf, n, MSG_NOSIGNAL);
    if (w > 0) {
      sent += (unsigned long long)w;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd p = {.fd = s, .events = POLLOUT};
      poll(&p, 1, -1);
    } else if (w < 0 && errno != EINTR) {
      return perror("send"), 1;
    }
  }
  shutdown(s, SHUT_RDWR);
  close(s);
  double t1 = now();
  printf("bytes %llu seconds %.6f\n", sent, t1 - t0);
  return 0;
}
