// Linear memories and tables of the sluice runtime.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "tests/engine/runtime_test_util.h"

namespace sluice::runtime_test {
namespace {

constexpr uint64_t kPage = 65536;

class RuntimeMemory : public ::testing::Test {
 protected:
  void SetUp() override {
    wasm_rt_init();
    sluice_rt_set_memory_limit(0);
    sluice_rt_reset_memory_limit_hit();
  }
  void TearDown() override {
    sluice_rt_set_memory_limit(0);
    sluice_rt_reset_memory_limit_hit();
  }
};

TEST_F(RuntimeMemory, AllocateGivesZeroedAccessiblePages) {
  wasm_rt_memory_t mem;
  wasm_rt_allocate_memory(&mem, 2, 10);
  ASSERT_NE(mem.data, nullptr);
  EXPECT_EQ(mem.pages, 2u);
  EXPECT_EQ(mem.max_pages, 10u);
  EXPECT_EQ(mem.size, 2 * kPage);
  for (uint64_t i = 0; i < mem.size; i += 4096) EXPECT_EQ(mem.data[i], 0);
  mem.data[0] = 1;
  mem.data[mem.size - 1] = 2;
  EXPECT_EQ(mem.data[mem.size - 1], 2);
  wasm_rt_free_memory(&mem);
  EXPECT_EQ(mem.data, nullptr);
  wasm_rt_free_memory(&mem);  // a second free is a no-op
}

TEST_F(RuntimeMemory, OutOfBoundsReadTrapsAndHostContinues) {
  wasm_rt_memory_t mem;
  wasm_rt_allocate_memory(&mem, 1, 1);
  const uint8_t* past_end = mem.data + mem.size;
  sluice_trap_info info{};
  int kind = Guarded([&] { TouchByte(past_end); }, &info);
  EXPECT_EQ(kind, WASM_RT_TRAP_OOB);
  EXPECT_EQ(info.kind, WASM_RT_TRAP_OOB);
  EXPECT_EQ(info.fault_address, reinterpret_cast<uintptr_t>(past_end));
  EXPECT_STREQ(info.message, wasm_rt_strerror(WASM_RT_TRAP_OOB));

  // The farthest byte generated code can touch: data + (2^32-1) + (2^32-1) + 7.
  const uint8_t* farthest = mem.data + 2 * 0xffffffffull + 7;
  EXPECT_EQ(Guarded([&] { TouchByte(farthest); }), WASM_RT_TRAP_OOB);

  // The host (this test) keeps working, and so does the memory.
  mem.data[100] = 42;
  EXPECT_EQ(Guarded([&] { EXPECT_EQ(TouchByte(mem.data + 100), 42); }), 0);
  EXPECT_FALSE(sluice_rt_in_guest());
  wasm_rt_free_memory(&mem);
}

TEST_F(RuntimeMemory, GrowMakesPagesAccessibleAndHonoursMax) {
  wasm_rt_memory_t mem;
  wasm_rt_allocate_memory(&mem, 1, 4);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 0), 1u);
  EXPECT_EQ(Guarded([&] { TouchByte(mem.data + kPage); }), WASM_RT_TRAP_OOB);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 2), 1u);
  EXPECT_EQ(mem.pages, 3u);
  EXPECT_EQ(mem.size, 3 * kPage);
  EXPECT_EQ(Guarded([&] { EXPECT_EQ(TouchByte(mem.data + 3 * kPage - 1), 0); }), 0);
  EXPECT_EQ(Guarded([&] { TouchByte(mem.data + 3 * kPage); }), WASM_RT_TRAP_OOB);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 2), UINT32_MAX);  // 5 > max 4
  EXPECT_EQ(mem.pages, 3u);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 1), 3u);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 1), UINT32_MAX);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, UINT32_MAX), UINT32_MAX);  // no wrap-around
  EXPECT_EQ(mem.pages, 4u);
  wasm_rt_free_memory(&mem);
}

TEST_F(RuntimeMemory, UnboundedMemoryStopsBelowFourGiB) {
  // wasm_rt_memory_t::size is 32 bits in wabt 1.0.32, so 65536 pages can't be represented.
  wasm_rt_memory_t mem;
  wasm_rt_allocate_memory(&mem, 0, UINT32_MAX);
  EXPECT_EQ(mem.size, 0u);
  EXPECT_EQ(Guarded([&] { TouchByte(mem.data); }), WASM_RT_TRAP_OOB);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 65535), 0u);  // address space only: nothing is touched
  EXPECT_EQ(mem.size, 65535 * kPage);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 1), UINT32_MAX);
  wasm_rt_free_memory(&mem);
}

TEST_F(RuntimeMemory, LimitRefusesGrowAndRecordsIt) {
  sluice_rt_set_memory_limit(3 * kPage);
  EXPECT_EQ(sluice_rt_memory_limit(), 3 * kPage);
  wasm_rt_memory_t mem;
  wasm_rt_allocate_memory(&mem, 1, 100);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 2), 1u);  // exactly at the limit
  EXPECT_FALSE(sluice_rt_memory_limit_hit());
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 1), UINT32_MAX);
  EXPECT_TRUE(sluice_rt_memory_limit_hit());
  EXPECT_EQ(mem.pages, 3u);
  sluice_rt_reset_memory_limit_hit();
  EXPECT_FALSE(sluice_rt_memory_limit_hit());

  // The cap belongs to the memory: lifting the thread's limit later doesn't lift it, and a
  // thread with no limit growing it is refused too (and its own flag is set).
  sluice_rt_set_memory_limit(0);
  EXPECT_EQ(wasm_rt_grow_memory(&mem, 1), UINT32_MAX);
  std::thread other([&] {
    EXPECT_EQ(wasm_rt_grow_memory(&mem, 1), UINT32_MAX);
    EXPECT_TRUE(sluice_rt_memory_limit_hit());
  });
  other.join();

  // A memory allocated without a limit is not capped.
  wasm_rt_memory_t free_mem;
  wasm_rt_allocate_memory(&free_mem, 1, 100);
  EXPECT_EQ(wasm_rt_grow_memory(&free_mem, 10), 1u);
  wasm_rt_free_memory(&free_mem);
  wasm_rt_free_memory(&mem);
}

TEST_F(RuntimeMemory, LimitMakesOversizedAllocationTrap) {
  sluice_rt_set_memory_limit(2 * kPage);
  wasm_rt_memory_t mem;
  const uint32_t live = sluice_rt_live_memory_count();
  sluice_trap_info info{};
  EXPECT_EQ(Guarded([&] { wasm_rt_allocate_memory(&mem, 3, 10); }, &info), SLUICE_TRAP_HOST);
  EXPECT_NE(std::strstr(info.message, "limit"), nullptr) << info.message;
  EXPECT_TRUE(sluice_rt_memory_limit_hit());
  EXPECT_EQ(sluice_rt_live_memory_count(), live);
}

TEST_F(RuntimeMemory, InvalidAllocationsTrap) {
  wasm_rt_memory_t mem;
  EXPECT_EQ(Guarded([&] { wasm_rt_allocate_memory(&mem, 5, 4); }), SLUICE_TRAP_HOST);
  EXPECT_EQ(Guarded([&] { wasm_rt_allocate_memory(&mem, 65536, 65536); }), SLUICE_TRAP_HOST);
}

TEST_F(RuntimeMemory, HundredThousandAllocateFreeCycles) {
  // Would abort after ~16K cycles if free left part of the 8 GiB reservation mapped.
  const uint32_t live = sluice_rt_live_memory_count();
  for (int i = 0; i < 100000; ++i) {
    wasm_rt_memory_t mem;
    wasm_rt_allocate_memory(&mem, 1, 2);
    // Touching a page costs a page fault plus page-table teardown (~0.5 ms in a VM): check
    // that memory comes back zeroed on a sample of the cycles only.
    if (i % 100 == 0) {
      ASSERT_EQ(mem.data[12345], 0) << "reused memory is not zeroed, cycle " << i;
      mem.data[12345] = 1;
    }
    wasm_rt_free_memory(&mem);
  }
  EXPECT_EQ(sluice_rt_live_memory_count(), live);
}

TEST_F(RuntimeMemory, ManyLiveMemoriesAtOnce) {
  constexpr int kCount = 1000;  // 8 TiB of reservations
  std::vector<wasm_rt_memory_t> mems(kCount);
  for (auto& mem : mems) wasm_rt_allocate_memory(&mem, 1, 1);
  for (int i = 0; i < kCount; ++i) mems[i].data[0] = static_cast<uint8_t>(i);
  for (int i = 0; i < kCount; i += 97) {
    EXPECT_EQ(Guarded([&] { TouchByte(mems[i].data + kPage); }), WASM_RT_TRAP_OOB);
  }
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(mems[i].data[0], static_cast<uint8_t>(i));
  for (auto& mem : mems) wasm_rt_free_memory(&mem);
}

TEST_F(RuntimeMemory, ConcurrentAllocateFreeFromManyThreads) {
  const uint32_t live = sluice_rt_live_memory_count();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 2000; ++i) {
        wasm_rt_memory_t mem;
        wasm_rt_allocate_memory(&mem, 1, 3);
        mem.data[0] = static_cast<uint8_t>(t);
        ASSERT_EQ(wasm_rt_grow_memory(&mem, 1), 1u);
        ASSERT_EQ(Guarded([&] { TouchByte(mem.data + 2 * kPage); }), WASM_RT_TRAP_OOB);
        ASSERT_EQ(mem.data[0], static_cast<uint8_t>(t));
        wasm_rt_free_memory(&mem);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(sluice_rt_live_memory_count(), live);
}

TEST_F(RuntimeMemory, FuncrefTableGrowHonoursMax) {
  wasm_rt_funcref_table_t table;
  wasm_rt_allocate_funcref_table(&table, 2, 4);
  EXPECT_EQ(table.size, 2u);
  EXPECT_EQ(table.max_size, 4u);
  EXPECT_EQ(table.data[0].func, nullptr);
  EXPECT_EQ(table.data[1].func_type, 0u);
  int dummy = 0;
  const wasm_rt_funcref_t init = {7, reinterpret_cast<wasm_rt_function_ptr_t>(&abort), &dummy};
  EXPECT_EQ(wasm_rt_grow_funcref_table(&table, 0, init), 2u);
  EXPECT_EQ(wasm_rt_grow_funcref_table(&table, 2, init), 2u);
  EXPECT_EQ(table.size, 4u);
  EXPECT_EQ(table.data[1].func, nullptr);
  EXPECT_EQ(table.data[3].func_type, 7u);
  EXPECT_EQ(table.data[3].module_instance, &dummy);
  EXPECT_EQ(wasm_rt_grow_funcref_table(&table, 1, init), UINT32_MAX);
  EXPECT_EQ(table.size, 4u);
  wasm_rt_free_funcref_table(&table);
  EXPECT_EQ(table.data, nullptr);
}

TEST_F(RuntimeMemory, ExternrefTableGrowHonoursMaxAndSanityCap) {
  wasm_rt_externref_table_t table;
  wasm_rt_allocate_externref_table(&table, 0, UINT32_MAX);
  int value = 0;
  EXPECT_EQ(wasm_rt_grow_externref_table(&table, 3, &value), 0u);
  EXPECT_EQ(table.size, 3u);
  EXPECT_EQ(table.data[2], &value);
  // Unbounded by declaration, but the guest may not make the host allocate gigabytes.
  EXPECT_EQ(wasm_rt_grow_externref_table(&table, 100000000, nullptr), UINT32_MAX);
  EXPECT_EQ(wasm_rt_grow_externref_table(&table, UINT32_MAX, nullptr), UINT32_MAX);
  EXPECT_EQ(table.size, 3u);
  wasm_rt_free_externref_table(&table);

  wasm_rt_externref_table_t bounded;
  wasm_rt_allocate_externref_table(&bounded, 1, 1);
  EXPECT_EQ(bounded.data[0], nullptr);
  EXPECT_EQ(wasm_rt_grow_externref_table(&bounded, 1, nullptr), UINT32_MAX);
  wasm_rt_free_externref_table(&bounded);
  EXPECT_EQ(Guarded([&] { wasm_rt_allocate_externref_table(&bounded, 2, 1); }),
            SLUICE_TRAP_HOST);
}

}  // namespace
}  // namespace sluice::runtime_test
