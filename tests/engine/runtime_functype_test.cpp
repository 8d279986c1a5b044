// Function-type registry of the sluice runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "tests/engine/runtime_test_util.h"

namespace sluice::runtime_test {
namespace {

// Signature number i, registered through the varargs interface like generated code does.
uint32_t RegisterSignature(int i) {
  // Ten parameter shapes x (no result | one i64 result), all distinct.
  const wasm_rt_type_t t = static_cast<wasm_rt_type_t>(i % 6);
  const wasm_rt_type_t u = static_cast<wasm_rt_type_t>((i / 6) % 6);
  switch (i % 4) {
    case 0: return wasm_rt_register_func_type(1, 0, t);
    case 1: return wasm_rt_register_func_type(2, 0, t, u);
    case 2: return wasm_rt_register_func_type(1, 1, t, u);
    default: return wasm_rt_register_func_type(3, 1, t, u, t, WASM_RT_I64);
  }
}

TEST(RuntimeFuncType, SameSignatureSameIdDifferentSignatureDifferentId) {
  const uint32_t a = wasm_rt_register_func_type(2, 1, WASM_RT_I32, WASM_RT_F32, WASM_RT_I64);
  const uint32_t b = wasm_rt_register_func_type(0, 1, WASM_RT_I64);
  const uint32_t c = wasm_rt_register_func_type(2, 1, WASM_RT_I32, WASM_RT_F32, WASM_RT_I64);
  EXPECT_EQ(a, c);
  EXPECT_NE(a, b);
  EXPECT_NE(a, 0u);  // 0 is the null funcref's type
  // Same types, split differently between params and results.
  EXPECT_NE(wasm_rt_register_func_type(1, 0, WASM_RT_I32),
            wasm_rt_register_func_type(0, 1, WASM_RT_I32));
  EXPECT_EQ(wasm_rt_register_func_type(0, 0), wasm_rt_register_func_type(0, 0));
  EXPECT_NE(wasm_rt_register_func_type(1, 0, WASM_RT_FUNCREF),
            wasm_rt_register_func_type(1, 0, WASM_RT_EXTERNREF));
}

TEST(RuntimeFuncType, ManyThreadsAgreeOnIds) {
  // Each thread registers the same signatures in its own order, racing on first insertion.
  constexpr int kThreads = 8, kSignatures = 144;
  std::vector<std::vector<uint32_t>> ids(kThreads, std::vector<uint32_t>(kSignatures));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<int> order(kSignatures);
      for (int i = 0; i < kSignatures; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(t));
      for (int round = 0; round < 20; ++round) {
        for (int i : order) ids[t][i] = RegisterSignature(i);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t], ids[0]) << "thread " << t;

  // Distinct shapes got distinct ids (some i map to the same shape: compare by shape).
  std::set<std::vector<int>> shapes;
  std::set<uint32_t> distinct_ids;
  for (int i = 0; i < kSignatures; ++i) {
    shapes.insert({i % 4, i % 6, (i % 4) ? (i / 6) % 6 : -1});
    distinct_ids.insert(ids[0][i]);
  }
  EXPECT_EQ(distinct_ids.size(), shapes.size());
}

}  // namespace
}  // namespace sluice::runtime_test
