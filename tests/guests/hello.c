// hello: the smallest command. Prints a fixed line, its arguments and $GREETING.
//
//   $ hello a 'b c'          (argv[0] is whatever the host passes, often the program name)
//   hello from sluice
//   argc=3
//   argv[0]=hello
//   argv[1]=a
//   argv[2]=b c
//   GREETING=hi              (only when GREETING is set)
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  printf("hello from sluice\n");
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  const char *greeting = getenv("GREETING");
  if (greeting) printf("GREETING=%s\n", greeting);
  return 0;
}
