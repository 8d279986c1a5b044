// exit_code N: prints "exit_code: exiting with N" (through buffered stdio, so the host must
// flush it on exit) and calls exit(N).
// WASI 0.2's wasi:cli/exit carries only ok/err: the preview1 adapter maps exit(0) to ok and any
// other status to err, so a WASI 0.2 host sees 0 -> success, N != 0 -> failure (exit status 1).
// Without an argument it prints usage to stderr and exits with 2.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: exit_code N\n");
    return 2;
  }
  int code = atoi(argv[1]);
  printf("exit_code: exiting with %d\n", code);
  exit(code);
}
