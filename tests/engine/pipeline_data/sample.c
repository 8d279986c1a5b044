// A real C program for the core module reader: loops, calls, memory, WASI imports.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned checksum(const char* s) {
  unsigned h = 2166136261u;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

int main(int argc, char** argv) {
  unsigned total = 0;
  for (int i = 0; i < argc; ++i) total += checksum(argv[i]);
  char* buf = malloc(64);
  snprintf(buf, 64, "%u", total);
  printf("checksum %s (%zu chars)\n", buf, strlen(buf));
  free(buf);
  return 0;
}
