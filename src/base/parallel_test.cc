#include "ztm/base/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace ztm {
namespace {

TEST(ParallelFor, EveryIndexExactlyOnce) {
  for (std::size_t count : {0u, 1u, 7u, 64u, 1000u, 9999u}) {
    std::vector<std::atomic<int>> hits(count);
    parallel_for(count, 3, [&](std::size_t begin, std::size_t end) {
      ASSERT_LE(begin, end);
      ASSERT_LE(end, count);
      for (std::size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
    });
    for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(hits[i].load(), 1) << "index " << i;
  }
}

TEST(ParallelFor, SmallBatchesStayOnTheCallingThread) {
  const auto caller = std::this_thread::get_id();
  bool same = false;
  parallel_for(5, 4,
               [&](std::size_t, std::size_t) { same = std::this_thread::get_id() == caller; });
  EXPECT_TRUE(same);
}

TEST(ParallelFor, SerialWhenParallelismIsOne) {
  const std::size_t before = parallelism();
  set_parallelism(1);
  const auto caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  parallel_for(1000, 1, [&](std::size_t, std::size_t) {
    if (std::this_thread::get_id() != caller) elsewhere.fetch_add(1);
  });
  set_parallelism(before);
  EXPECT_EQ(elsewhere.load(), 0);
}

TEST(ParallelFor, NestedLoopsRunSerially) {
  std::atomic<long> sum{0};
  parallel_for(100, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      parallel_for(10, 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t j = b; j < e; ++j) sum.fetch_add(static_cast<long>(i * 10 + j));
      });
    }
  });
  EXPECT_EQ(sum.load(), 999L * 1000L / 2L);
}

TEST(ParallelFor, ConcurrentCallersEachGetTheirWholeLoop) {
  std::vector<std::thread> callers;
  std::atomic<long> totals[4] = {};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 50; ++round) {
        parallel_for(200, 2, [&](std::size_t b, std::size_t e) {
          totals[c].fetch_add(static_cast<long>(e - b));
        });
      }
    });
  }
  for (auto& t : callers) t.join();
  for (auto& t : totals) EXPECT_EQ(t.load(), 200L * 50L);
}

}  // namespace
}  // namespace ztm
