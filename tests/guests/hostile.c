// hostile CASE: a wasi-libc command that also calls WASI 0.2 component functions directly,
// through canonical-ABI imports declared by hand (world sluice:guests/hostile in wit/), and
// hands the host bad pointers, lengths and handles. The build embeds the world's type section
// (cmake/jco-embed.mjs) before `jco new --wasi-command`.
//
// Every case prints "hostile: <case>: calling" (flushed) first. The "ok" case proves the direct
// imports work and exits 0. For every other case the canonical ABI requires the host to TRAP;
// if the call returns instead, the guest prints "hostile: <case>: returned (host did not
// trap)" and exits 99. Cases (run `hostile list` for this list):
//   ok                 valid direct calls: writes "hostile: direct write ok" with
//                      blocking-write-and-flush, reads get-arguments, drops its stream.
//   write-oob          blocking-write-and-flush(stdout, ptr=0xFFFFFF00, len=0x1000)
//   write-wrap         blocking-write-and-flush(stdout, ptr=0xFFFFFFFF, len=2): ptr+len wraps
//                      to 1 in 32-bit arithmetic
//   write-huge         blocking-write-and-flush(stdout, ptr=16, len=0x7FFFFFFF)
//   write-ret-oob      blocking-write-and-flush(valid 6-byte buffer, retptr=0xFFFFFFF0)
//   write-bad-handle   blocking-write-and-flush(self=0x7777, valid buffer)
//   use-after-drop     drop the stream, then write to it
//   drop-twice         [resource-drop]output-stream twice on the same handle
//   drop-bad-handle    [resource-drop]output-stream(0x7777)
//   args-ret-oob       get-arguments(retptr=0xFFFFFFF0)
//   args-ret-misaligned get-arguments(retptr=aligned+1): list<string> needs 4-byte alignment
//   realloc-oob        get-arguments with cabi_realloc answering 0xFFFFFFF0
//   realloc-misaligned get-arguments with cabi_realloc answering an odd address
//   open-bad-utf8      descriptor.open-at(first preopen, path="\xff\xfe") (needs a preopen;
//                      without one it prints "hostile: no preopen" and exits 3)
//   open-path-oob      descriptor.open-at(first preopen, path ptr=0xFFFFFFF0, len=64)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

// wasi:cli/stdout get-stdout: func() -> output-stream
IMPORT("wasi:cli/stdout@0.2.12", "get-stdout") extern int32_t w_get_stdout(void);
// wasi:io/streams output-stream.blocking-write-and-flush: func(contents: list<u8>)
//   -> result<_, stream-error>; lowered to (self, ptr, len, retptr).
IMPORT("wasi:io/streams@0.2.12", "[method]output-stream.blocking-write-and-flush")
extern void w_blocking_write_and_flush(int32_t self, int32_t ptr, int32_t len, int32_t ret);
IMPORT("wasi:io/streams@0.2.12", "[resource-drop]output-stream")
extern void w_drop_output_stream(int32_t self);
// wasi:cli/environment get-arguments: func() -> list<string>; lowered to (retptr).
IMPORT("wasi:cli/environment@0.2.12", "get-arguments") extern void w_get_arguments(int32_t ret);
// wasi:filesystem/preopens get-directories: func() -> list<tuple<descriptor, string>>
IMPORT("wasi:filesystem/preopens@0.2.12", "get-directories")
extern void w_get_directories(int32_t ret);
// wasi:filesystem/types descriptor.open-at: func(path-flags, path: string, open-flags,
//   descriptor-flags) -> result<descriptor, error-code>; lowered to
//   (self, path-flags, path-ptr, path-len, open-flags, descriptor-flags, retptr).
IMPORT("wasi:filesystem/types@0.2.12", "[method]descriptor.open-at")
extern void w_open_at(int32_t self, int32_t path_flags, int32_t path, int32_t path_len,
                      int32_t open_flags, int32_t flags, int32_t ret);

#define P(x) ((int32_t)(uintptr_t)(x))

// Overrides the weak one in support/cabi_realloc.c.
// 0 normal; 1 answer 0xFFFFFFF0; 2 answer an odd address.
static volatile int realloc_mode;

__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size,
                                                                size_t align, size_t new_size) {
  (void)old_size;
  if (realloc_mode == 1) return (void *)(uintptr_t)0xFFFFFFF0u;
  if (realloc_mode == 2) return (void *)(uintptr_t)(P(malloc(64)) | 1);
  if (new_size == 0) return (void *)align;
  void *p = realloc(old, new_size);
  if (!p) abort();
  return p;
}

static const char *cur;

static void calling(void) {
  printf("hostile: %s: calling\n", cur);
  fflush(stdout);
}

static int returned(void) {
  printf("hostile: %s: returned (host did not trap)\n", cur);
  return 99;
}

// result<_, stream-error>: discriminant at 0, payload at 4.
typedef struct {
  uint8_t tag;
  uint8_t pad[3];
  uint32_t payload[2];
} write_result;

static int first_preopen(void) {
  struct {
    uint32_t ptr, len;
  } list;
  w_get_directories(P(&list));
  if (list.len == 0) return -1;
  return (int)((uint32_t *)(uintptr_t)list.ptr)[0];  // descriptor handle of the first entry
}

static const char *cases[] = {"ok", "write-oob", "write-wrap", "write-huge", "write-ret-oob",
                              "write-bad-handle", "use-after-drop", "drop-twice",
                              "drop-bad-handle", "args-ret-oob", "args-ret-misaligned",
                              "realloc-oob", "realloc-misaligned", "open-bad-utf8",
                              "open-path-oob"};

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "list") == 0) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) printf("%s\n", cases[i]);
    return argc < 2 ? 2 : 0;
  }
  cur = argv[1];
  static const char msg[] = "hostile: direct write ok\n";
  static const char small[] = "bytes\n";
  write_result wr;
  _Alignas(8) uint32_t ret[4];

  if (strcmp(cur, "ok") == 0) {
    calling();
    int32_t out = w_get_stdout();
    memset(&wr, 0xAA, sizeof wr);
    w_blocking_write_and_flush(out, P(msg), (int32_t)strlen(msg), P(&wr));
    w_drop_output_stream(out);
    struct {
      uint32_t ptr, len;
    } args = {0, 0};
    w_get_arguments(P(&args));
    printf("hostile: ok: write result tag=%u, get-arguments count=%u\n", wr.tag,
           (unsigned)args.len);
    return wr.tag == 0 && args.len == (uint32_t)argc ? 0 : 1;
  }
  if (strcmp(cur, "write-oob") == 0) {
    int32_t out = w_get_stdout();
    calling();
    w_blocking_write_and_flush(out, (int32_t)0xFFFFFF00u, 0x1000, P(&wr));
    return returned();
  }
  if (strcmp(cur, "write-wrap") == 0) {
    int32_t out = w_get_stdout();
    calling();
    w_blocking_write_and_flush(out, (int32_t)0xFFFFFFFFu, 2, P(&wr));
    return returned();
  }
  if (strcmp(cur, "write-huge") == 0) {
    int32_t out = w_get_stdout();
    calling();
    w_blocking_write_and_flush(out, 16, 0x7FFFFFFF, P(&wr));
    return returned();
  }
  if (strcmp(cur, "write-ret-oob") == 0) {
    int32_t out = w_get_stdout();
    calling();
    w_blocking_write_and_flush(out, P(small), 6, (int32_t)0xFFFFFFF0u);
    return returned();
  }
  if (strcmp(cur, "write-bad-handle") == 0) {
    calling();
    w_blocking_write_and_flush(0x7777, P(small), 6, P(&wr));
    return returned();
  }
  // Print first: the adapter's own stdout handle must exist before we free a slot, or it
  // would take the freed slot and the second use would hit the adapter's stream.
  if (strcmp(cur, "use-after-drop") == 0) {
    calling();
    int32_t out = w_get_stdout();
    w_drop_output_stream(out);
    w_blocking_write_and_flush(out, P(small), 6, P(&wr));
    return returned();
  }
  if (strcmp(cur, "drop-twice") == 0) {
    calling();
    int32_t out = w_get_stdout();
    w_drop_output_stream(out);
    w_drop_output_stream(out);
    return returned();
  }
  if (strcmp(cur, "drop-bad-handle") == 0) {
    calling();
    w_drop_output_stream(0x7777);
    return returned();
  }
  if (strcmp(cur, "args-ret-oob") == 0) {
    calling();
    w_get_arguments((int32_t)0xFFFFFFF0u);
    return returned();
  }
  if (strcmp(cur, "args-ret-misaligned") == 0) {
    calling();
    w_get_arguments(P((char *)ret + 1));
    return returned();
  }
  if (strcmp(cur, "realloc-oob") == 0 || strcmp(cur, "realloc-misaligned") == 0) {
    calling();
    realloc_mode = strcmp(cur, "realloc-oob") == 0 ? 1 : 2;
    w_get_arguments(P(ret));
    realloc_mode = 0;
    return returned();
  }
  if (strcmp(cur, "open-bad-utf8") == 0 || strcmp(cur, "open-path-oob") == 0) {
    int dir = first_preopen();
    if (dir < 0) {
      printf("hostile: no preopen\n");
      return 3;
    }
    static const char bad[] = "\xff\xfe";
    calling();
    if (strcmp(cur, "open-bad-utf8") == 0)
      w_open_at(dir, 0, P(bad), 2, 0, 1 /* read */, P(ret));
    else
      w_open_at(dir, 0, (int32_t)0xFFFFFFF0u, 64, 0, 1 /* read */, P(ret));
    return returned();
  }
  fprintf(stderr, "hostile: unknown case '%s' (try: hostile list)\n", cur);
  return 2;
}
