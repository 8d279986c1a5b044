// stdin_echo: reads all of stdin in 64 KiB reads.
//   default:  echoes every byte to stdout unchanged, then prints the summary to stderr;
//   --count:  echoes nothing and prints the summary to stdout.
// Summary line: "bytes=<N> fnv1a64=<16 lowercase hex digits>\n" (FNV-1a, 64-bit).
// Empty input gives "bytes=0 fnv1a64=cbf29ce484222325".
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char **argv) {
  int count_only = argc > 1 && strcmp(argv[1], "--count") == 0;
  uint64_t hash = 0xcbf29ce484222325ULL;
  unsigned long long total = 0;
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "stdin_echo: read failed: %s\n", strerror(errno));
      return 1;
    }
    if (n == 0) break;
    for (ssize_t i = 0; i < n; i++) {
      hash ^= (unsigned char)buf[i];
      hash *= 0x100000001b3ULL;
    }
    total += (unsigned long long)n;
    if (!count_only && write_all(1, buf, (size_t)n) != 0) {
      fprintf(stderr, "stdin_echo: write failed: %s\n", strerror(errno));
      return 1;
    }
  }
  fprintf(count_only ? stdout : stderr, "bytes=%llu fnv1a64=%016llx\n", total,
          (unsigned long long)hash);
  return 0;
}
