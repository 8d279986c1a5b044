// Shared bits of the socket test guests: argument parsing and output.
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi_sockets.h"

// The preview1 adapter loses the first buffered stdout write of a module that exports
// cabi_realloc unless isatty(1) ran first (NOTES.md, "Toolchain pitfalls").
static inline void guest_init(void) { (void)isatty(1); }

static inline uint64_t arg_u64(const char *s, const char *what) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end) {
    printf("bad %s: %s\n", what, s);
    exit(2);
  }
  return v;
}

static inline void arg_addr(const char *ip, const char *port, ws_addr *a) {
  uint64_t p = arg_u64(port, "port");
  if (p > 65535 || ws_parse_addr(ip, (uint16_t)p, a)) {
    printf("bad address: %s port %s\n", ip, port);
    exit(2);
  }
}

__attribute__((noreturn)) static inline void fail(const char *what, int err) {
  printf("%s failed: %s\n", what, ws_error_name(err));
  fflush(stdout);
  exit(1);
}
