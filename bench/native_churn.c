// native_churn IP PORT N: the native twin of the bench_churn guest
// (tests/guests/sockets/bench_churn.c) for bench/egress_bench.sh. N sequential TCP connections:
// socket, non-blocking connect (+ poll for completion, like the guest's subscribe + block),
// shutdown, close. Prints
//   connections <N> seconds <s>          (CLOCK_MONOTONIC around the loop)
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: native_churn IP PORT N\n"), 2;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) return fprintf(stderr, "bad ip\n"), 2;
  unsigned long n = strtoul(argv[3], NULL, 10);
  double t0 = now();
  for (unsigned long i = 0; i < n; i++) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s < 0) return perror("socket"), 1;
    if (connect(s, (struct sockaddr *)&a, sizeof a) && errno != EINPROGRESS)
      return perror("connect"), 1;
    struct pollfd p = {.fd = s, .events = POLLOUT};
    poll(&p, 1, -1);
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return fprintf(stderr, "connect: error %d\n", err), 1;
    shutdown(s, SHUT_RDWR);
    close(s);
  }
  double t1 = now();
  printf("connections %lu seconds %.6f\n", n, t1 - t0);
  return 0;
}
