// The checksum behind the copy's note of writes into proven ranges: which ranges the checksum after
// the copy compares again.
#include "engine/verify/dirty_keys.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace ghostcut::engine {
namespace {

using Ranges = std::vector<std::pair<std::optional<__int128>, __int128>>;
constexpr __int128 kI64Min = std::numeric_limits<std::int64_t>::min();
constexpr __int128 kU64Max = std::numeric_limits<std::uint64_t>::max();

TEST(DirtyKeys, FloorDivisionRoundsDownForNegativeKeys) {
  EXPECT_EQ(floor_div(127, 64), 1);
  EXPECT_EQ(floor_div(64, 64), 1);
  EXPECT_EQ(floor_div(63, 64), 0);
  EXPECT_EQ(floor_div(-1, 64), -1);
  EXPECT_EQ(floor_div(-64, 64), -1);
  EXPECT_EQ(floor_div(-65, 64), -2);
}

TEST(DirtyKeys, OnlyWritesIntoCoveredKeysCountAndEachBucketIsARange) {
  DirtyKeys d(10000);
  d.written(5);  // nothing covered yet: before any pair, the next pair sees this write
  EXPECT_TRUE(d.ranges(1000, 0).empty());
  d.cover(1000);
  d.written(5);
  d.written(700);
  d.written(1001);  // above what the pair proves: a later pair sees it
  EXPECT_EQ(d.ranges(1000, 0), (Ranges{{std::nullopt, 63}, {__int128(639), 703}}));
}

TEST(DirtyKeys, SettlingDropsWhatIsAboveTheProvenKeys) {
  DirtyKeys d(10000);
  d.cover(1000);
  d.written(10);
  d.written(900);
  d.settle(500);  // the run proved up to 500: 900 is compared by a later pair anyway
  EXPECT_EQ(d.ranges(500, 0), (Ranges{{std::nullopt, 63}}));
  d.written(900);  // not covered any more
  EXPECT_EQ(d.buckets(), 1u);
  d.settle(std::nullopt);
  EXPECT_EQ(d.buckets(), 0u);
}

TEST(DirtyKeys, NeighboursMergeUpToAChunkAndTheTopCutsTheLast) {
  DirtyKeys d(100);
  d.cover(1000);
  for (int k : {0, 64, 128, 192, 300}) d.written(k);
  // two neighbours would be 128 values > 100: no merge past a chunk's width; 300's bucket ends past the top
  EXPECT_EQ(d.ranges(250, 0),
            (Ranges{{std::nullopt, 63}, {__int128(63), 127}, {__int128(127), 191}, {__int128(191), 250}}));
  DirtyKeys wide(1000);
  wide.cover(1000);
  for (int k : {0, 64, 128}) wide.written(k);
  EXPECT_EQ(wide.ranges(1000, 0), (Ranges{{std::nullopt, 191}}));  // neighbours within a chunk: one range
}

TEST(DirtyKeys, SignedExtremesAndTheUnsignedTop) {
  DirtyKeys s(10000);
  s.cover(kI64Min + 10);
  s.written(kI64Min);
  s.written(-1);                                                                       // above the cover: a later pair
  EXPECT_EQ(s.ranges(kI64Min + 10, kI64Min), (Ranges{{std::nullopt, kI64Min + 10}}));  // nothing below INT64_MIN
  DirtyKeys u(10000);
  u.cover(kU64Max);
  u.written(kU64Max);
  u.written(0);
  EXPECT_EQ(u.ranges(kU64Max, 0), (Ranges{{std::nullopt, 63}, {floor_div(kU64Max, 64) * 64 - 1, kU64Max}}));
}

TEST(DirtyKeys, ManyBucketsGrowWiderAndRangesStayAChunkWide) {
  DirtyKeys d(1000, 64, 8);
  d.cover(1'000'000);
  for (int k = 0; k < 9 * 64; k += 64) d.written(k);  // 9 buckets > 8: 16 times wider
  EXPECT_EQ(d.bucket_width(), 1024);
  EXPECT_EQ(d.buckets(), 1u);
  // one bucket of 1024 values, handed out a chunk (1000) at a time
  EXPECT_EQ(d.ranges(1'000'000, 0), (Ranges{{std::nullopt, 999}, {__int128(999), 1023}}));
}

TEST(DirtyKeys, AWriteWithoutAKeyMakesAllThatIsProvenOneRange) {
  DirtyKeys d(1000);
  d.cover(5000);
  d.all();
  EXPECT_EQ(d.ranges(5000, 0), (Ranges{{std::nullopt, 5000}}));
}

}  // namespace
}  // namespace ghostcut::engine
