// Guest support runtime: the canonical-ABI allocator that the preview1 adapter and the host use
// to place results in guest memory. Weak, so a guest can define its own (hostile.c does).
// Why every C guest exports one: see command_start.c.
#include <stdlib.h>

__attribute__((weak, export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size,
                                                                      size_t align,
                                                                      size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *p = realloc(old, new_size);  // malloc's 16-byte alignment covers every canonical type
  if (!p) abort();
  return p;
}
