/* Linear memories, the registry the fault handler consults, the per-thread memory cap, and
 * funcref/externref tables.
 *
 * A memory is one reservation of address space:
 *
 *   [ data: 8 GiB, accessible up to `size` ][ guard: 64 KiB ]
 *   ^ memory->data
 *
 * Generated code (WASM_RT_MEMCHECK_SIGNAL_HANDLER) does no bounds checks: it computes
 * data + (u64)i32 address + offset, at most 2^33 - 2, and touches up to 8 bytes there. Every
 * such access lands inside data+guard, and everything past `size` is PROT_NONE, so an
 * out-of-bounds access faults inside the reservation and the handler turns it into a trap.
 *
 * What wasm_rt_memory_t has no room for (the cap the memory was born with) lives in a side
 * array indexed by the memory's registry slot, not in the reservation: writing a header page
 * would cost a page fault plus page-table pages per memory, which on this VM made an
 * allocate/free cycle 30x slower.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "rt_internal.h"
#include "sluice_rt.h"

#define WASM_PAGE 65536ull
#define DATA_RESERVATION (8ull << 30)
#define GUARD_BYTES WASM_PAGE
#define RESERVATION_BYTES (DATA_RESERVATION + GUARD_BYTES)
/* wasm_rt_memory_t.size is a uint32_t in wabt 1.0.32: 65536 pages would wrap it to 0 and make
 * every bulk-memory range check fail. Growing to the last page is refused instead (memory.grow
 * may always fail). */
#define MAX_PAGES 65535u

/* Live reservations, for the signal handler: a fixed array of atomics, so lookups need no lock
 * and no allocation. x86-64 has 128 TiB of user address space, i.e. room for about 16K
 * reservations of 8 GiB, so this many slots never binds before mmap does. */
#define MAX_MEMORIES 16384u

static _Atomic uintptr_t g_slots[MAX_MEMORIES]; /* reservation base, 0 = free */
static atomic_uint g_slots_used;                /* slots ever used: bounds every scan */
static atomic_uint g_live_memories;
/* Cap on `size` of the memory in the same slot (0 = none), from sluice_rt_set_memory_limit at
 * allocation. Written before the memory is handed out, read by grow. */
static uint64_t g_limits[MAX_MEMORIES];

static SLUICE_TLS uint64_t t_memory_limit;
static SLUICE_TLS int t_memory_limit_hit;

/* ---- Registry ----------------------------------------------------------------------------- */

static int claim_slot(uintptr_t base, uint32_t* slot_out) {
  for (uint32_t i = 0; i < MAX_MEMORIES; ++i) {
    uintptr_t expected = 0;
    if (atomic_load_explicit(&g_slots[i], memory_order_relaxed) == 0 &&
        atomic_compare_exchange_strong(&g_slots[i], &expected, base)) {
      unsigned used = atomic_load(&g_slots_used);
      while (used < i + 1 && !atomic_compare_exchange_weak(&g_slots_used, &used, i + 1)) {
      }
      *slot_out = i;
      return 1;
    }
  }
  return 0;
}

/* The slot of a live memory. A linear scan: grow and free are rare next to the syscalls they
 * make, and the scan stops at the highest slot ever used. */
static uint32_t slot_of(const wasm_rt_memory_t* memory) {
  const uintptr_t base = (uintptr_t)memory->data;
  const unsigned used = atomic_load(&g_slots_used);
  for (unsigned i = 0; i < used; ++i) {
    if (atomic_load_explicit(&g_slots[i], memory_order_relaxed) == base) return i;
  }
  sluice_rt_fatal("memory was not allocated by the sluice runtime, or was already freed");
}

int sluice_rt_addr_in_memory(uintptr_t addr) {
  const unsigned used = atomic_load(&g_slots_used);
  for (unsigned i = 0; i < used; ++i) {
    const uintptr_t base = atomic_load_explicit(&g_slots[i], memory_order_acquire);
    if (base != 0 && addr - base < RESERVATION_BYTES) return 1;
  }
  return 0;
}

uint32_t sluice_rt_live_memory_count(void) { return atomic_load(&g_live_memories); }

/* ---- Memory cap --------------------------------------------------------------------------- */

void sluice_rt_set_memory_limit(uint64_t max_bytes) { t_memory_limit = max_bytes; }

uint64_t sluice_rt_memory_limit(void) { return t_memory_limit; }

int sluice_rt_memory_limit_hit(void) { return t_memory_limit_hit; }

void sluice_rt_reset_memory_limit_hit(void) { t_memory_limit_hit = 0; }

/* ---- Memories ----------------------------------------------------------------------------- */

void wasm_rt_allocate_memory(wasm_rt_memory_t* memory, uint32_t initial_pages,
                             uint32_t max_pages) {
  memset(memory, 0, sizeof *memory);
  /* Failures raise a trap: instantiation runs under a guarded call, and the host reports a
   * failed instantiation instead of the process aborting. The zeroed struct makes freeing a
   * half-instantiated instance safe. */
  if (initial_pages > max_pages) {
    sluice_rt_raise(SLUICE_TRAP_HOST, 0, "memory: initial size above its maximum");
  }
  if (initial_pages > MAX_PAGES) {
    sluice_rt_raise(SLUICE_TRAP_HOST, 0, "memory: initial size of 4 GiB is not supported");
  }
  const uint64_t bytes = (uint64_t)initial_pages * WASM_PAGE;
  const uint64_t limit = t_memory_limit;
  if (limit != 0 && bytes > limit) {
    t_memory_limit_hit = 1;
    sluice_rt_raise(SLUICE_TRAP_HOST, 0, "memory: initial size exceeds the memory limit");
  }

  /* MAP_NORESERVE: address space only; pages count against memory when made accessible. */
  void* map = mmap(NULL, RESERVATION_BYTES, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) {
    sluice_rt_raise(SLUICE_TRAP_HOST, 0, "memory: cannot reserve 8 GiB of address space");
  }
  if (bytes != 0 && mprotect(map, bytes, PROT_READ | PROT_WRITE) != 0) {
    munmap(map, RESERVATION_BYTES);
    sluice_rt_raise(SLUICE_TRAP_HOST, 0, "memory: out of memory");
  }
  uint32_t slot;
  if (!claim_slot((uintptr_t)map, &slot)) {
    munmap(map, RESERVATION_BYTES);
    sluice_rt_raise(SLUICE_TRAP_HOST, 0, "memory: too many live linear memories");
  }
  g_limits[slot] = limit;
  atomic_fetch_add(&g_live_memories, 1);
  memory->data = (uint8_t*)map;
  memory->pages = initial_pages;
  memory->max_pages = max_pages;
  memory->size = (uint32_t)bytes;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t delta) {
  const uint64_t old_pages = memory->pages;
  if (delta == 0) return (uint32_t)old_pages;
  const uint64_t new_pages = old_pages + delta;
  const uint64_t cap = memory->max_pages < MAX_PAGES ? memory->max_pages : MAX_PAGES;
  if (new_pages > cap) return UINT32_MAX;
  const uint64_t new_bytes = new_pages * WASM_PAGE;
  const uint64_t limit = g_limits[slot_of(memory)];
  if (limit != 0 && new_bytes > limit) {
    t_memory_limit_hit = 1;
    return UINT32_MAX;
  }
  /* The pages were never accessible, so they are still zero: no memset needed. */
  if (mprotect(memory->data + old_pages * WASM_PAGE, (uint64_t)delta * WASM_PAGE,
               PROT_READ | PROT_WRITE) != 0) {
    return UINT32_MAX; /* out of memory: the guest sees a failed grow */
  }
  memory->pages = (uint32_t)new_pages;
  memory->size = (uint32_t)new_bytes;
  return (uint32_t)old_pages;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  if (memory->data == NULL) return; /* never allocated, or already freed */
  const uint32_t slot = slot_of(memory);
  /* Unregister before unmapping, so the handler never attributes a fault in whatever the
   * kernel maps there next to this memory. */
  atomic_store(&g_slots[slot], 0);
  /* The whole reservation: unmapping only the accessible part (as the stock runtime does)
   * leaks 8 GiB of address space per memory and exhausts it after ~16K memories. */
  if (munmap(memory->data, RESERVATION_BYTES) != 0) sluice_rt_fatal("munmap of a memory failed");
  atomic_fetch_sub(&g_live_memories, 1);
  memset(memory, 0, sizeof *memory);
}

/* ---- Tables ------------------------------------------------------------------------------- */

/* A table may never hold more elements than this, whatever its declared maximum: the guest
 * controls table.grow, and 10M funcrefs are already 240 MB of host memory not covered by the
 * linear-memory cap. */
#define MAX_TABLE_ELEMENTS 10000000u

/* Shared by both table kinds: they differ only in element size and initial value. */
static void* allocate_elements(uint32_t elements, uint32_t max_elements, size_t elem_size) {
  if (elements > max_elements) {
    sluice_rt_raise(SLUICE_TRAP_HOST, 0, "table: initial size above its maximum");
  }
  if (elements > MAX_TABLE_ELEMENTS) sluice_rt_raise(SLUICE_TRAP_HOST, 0, "table: too large");
  if (elements == 0) return NULL;
  /* Zeroed memory is the null value of both element types. */
  void* data = calloc(elements, elem_size);
  if (data == NULL) sluice_rt_raise(SLUICE_TRAP_HOST, 0, "table: out of memory");
  return data;
}

/* Returns the new element array or NULL if the table cannot grow to old_size + delta. */
static void* grow_elements(void* data, uint32_t old_size, uint32_t delta, uint32_t max_size,
                           size_t elem_size) {
  const uint64_t new_size = (uint64_t)old_size + delta;
  if (new_size > max_size || new_size > MAX_TABLE_ELEMENTS) return NULL;
  return realloc(data, (size_t)new_size * elem_size);
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* table, uint32_t elements,
                                    uint32_t max_elements) {
  table->data = (wasm_rt_funcref_t*)allocate_elements(elements, max_elements,
                                                      sizeof(wasm_rt_funcref_t));
  table->size = elements;
  table->max_size = max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* table) {
  free(table->data);
  table->data = NULL;
  table->size = 0;
}

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* table, uint32_t delta,
                                    wasm_rt_funcref_t init) {
  const uint32_t old_size = table->size;
  if (delta == 0) return old_size;
  wasm_rt_funcref_t* data = (wasm_rt_funcref_t*)grow_elements(
      table->data, old_size, delta, table->max_size, sizeof(wasm_rt_funcref_t));
  if (data == NULL) return UINT32_MAX;
  for (uint32_t i = 0; i < delta; ++i) data[old_size + i] = init;
  table->data = data;
  table->size = old_size + delta;
  return old_size;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* table, uint32_t elements,
                                      uint32_t max_elements) {
  table->data = (wasm_rt_externref_t*)allocate_elements(elements, max_elements,
                                                        sizeof(wasm_rt_externref_t));
  table->size = elements;
  table->max_size = max_elements;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t* table) {
  free(table->data);
  table->data = NULL;
  table->size = 0;
}

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* table, uint32_t delta,
                                      wasm_rt_externref_t init) {
  const uint32_t old_size = table->size;
  if (delta == 0) return old_size;
  wasm_rt_externref_t* data = (wasm_rt_externref_t*)grow_elements(
      table->data, old_size, delta, table->max_size, sizeof(wasm_rt_externref_t));
  if (data == NULL) return UINT32_MAX;
  for (uint32_t i = 0; i < delta; ++i) data[old_size + i] = init;
  table->data = data;
  table->size = old_size + delta;
  return old_size;
}
