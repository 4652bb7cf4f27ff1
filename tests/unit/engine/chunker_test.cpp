#include "engine/copy/chunker.h"

#include <gtest/gtest.h>

using namespace ghostcut::engine;
using namespace std::chrono_literals;

namespace {
KeyTuple k(std::int64_t v) { return {v}; }
KeyTuple k2(std::int64_t a, std::string b) { return {a, std::move(b)}; }
}  // namespace

TEST(Chunker, WalksFromMinInclusiveToMax) {
  Chunker c(k(1), k(100));
  EXPECT_EQ(c.lower_bound(), k(1));
  EXPECT_TRUE(c.lower_inclusive());
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.last_upper().has_value());

  struct Step {
    std::int64_t end;
    Chunk want;
    bool done_after;
  };
  const std::vector<Step> steps = {
      {40, Chunk{k(1), k(40), true}, false},
      {80, Chunk{k(40), k(80), false}, false},
      {100, Chunk{k(80), k(100), false}, true},  // reaching max ends the walk without another query
  };
  for (const auto& s : steps) {
    SCOPED_TRACE(s.end);
    auto chunk = c.advance(k(s.end));
    ASSERT_TRUE(chunk.has_value());
    EXPECT_EQ(*chunk, s.want);
    EXPECT_EQ(chunk->lower_inclusive(), s.want.first);
    EXPECT_EQ(c.done(), s.done_after);
    EXPECT_EQ(c.last_upper(), k(s.end));
    EXPECT_FALSE(c.lower_inclusive());
  }
  EXPECT_EQ(c.chunks_issued(), 3u);
  auto after = c.advance(k(101));
  ASSERT_FALSE(after.has_value());
  EXPECT_TRUE(after.error().is(ghostcut::binlog::Errc::kBadValue));
}

TEST(Chunker, FinishWhenNoRowBack) {
  Chunker c(k2(1, "a"), k2(9, "z"));
  auto first = c.advance(k2(5, "m"));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->lower, k2(1, "a"));
  EXPECT_TRUE(first->first);
  EXPECT_EQ(c.lower_bound(), k2(5, "m"));
  // rows above (5,'m') were deleted meanwhile: the next query returns no row
  c.finish();
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.advance(k2(9, "z")).has_value());
}

TEST(Chunker, SingleRowTable) {
  Chunker c(k(7), k(7));
  auto chunk = c.advance(k(7));
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(*chunk, (Chunk{k(7), k(7), true}));
  EXPECT_TRUE(c.done());
}

TEST(Chunker, ResumeAfterIsExclusive) {
  auto c = Chunker::resume_after(k(50), k(100));
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.lower_inclusive());
  EXPECT_EQ(c.last_upper(), k(50));
  auto chunk = c.advance(k(70));
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(*chunk, (Chunk{k(50), k(70), false}));
  EXPECT_TRUE(Chunker::resume_after(k(100), k(100)).done());
}

TEST(Chunker, WrongTupleSizeIsAnError) {
  Chunker c(k2(1, "a"), k2(9, "z"));
  for (const auto& bad : {KeyTuple{}, k(3), KeyTuple{std::int64_t{1}, std::string("a"), std::int64_t{2}}}) {
    SCOPED_TRACE(bad.size());
    auto r = c.advance(bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().context.find("values"), std::string::npos);
  }
  EXPECT_EQ(c.chunks_issued(), 0u);
  EXPECT_TRUE(c.lower_inclusive());  // a rejected end changes nothing
}

TEST(DynamicChunkSizer, AdjustsTowardTarget) {
  struct Case {
    const char* name;
    std::uint64_t start;
    std::chrono::nanoseconds took;
    std::uint64_t want;
  };
  const std::vector<Case> cases = {
      {"on target stays", 1000, 500ms, 1000},           {"twice as fast grows, capped at x1.5", 1000, 250ms, 1500},
      {"a bit fast grows to ideal", 1000, 400ms, 1250}, {"zero duration grows x1.5", 1000, 0ns, 1500},
      {"twice as slow halves", 1000, 1000ms, 500},      {"ten times slow shrinks /4 at most", 1000, 5000ms, 250},
      {"clamped to min", 20, 5000ms, kMinChunkSize},    {"clamped to max", 90000, 1ms, kMaxChunkSize},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    DynamicChunkSizer s(ChunkSizerConfig{.target = 500ms, .initial = c.start});
    EXPECT_EQ(s.next_size(), c.start);
    s.record(c.start, c.took);
    EXPECT_EQ(s.next_size(), c.want);
  }
}

TEST(DynamicChunkSizer, ConvergesOnASteadyRate) {
  // The server copies 10 000 rows/s: 5 000 rows take the 500 ms target.
  DynamicChunkSizer s(ChunkSizerConfig{.target = 500ms});
  for (int i = 0; i < 20; ++i) {
    const auto n = s.next_size();
    s.record(n, std::chrono::microseconds(n * 100));
  }
  EXPECT_EQ(s.next_size(), 5000u);
}

TEST(DynamicChunkSizer, ConfigIsClamped) {
  DynamicChunkSizer s(
      ChunkSizerConfig{.initial = 5, .min_size = 0, .max_size = 0, .max_growth = 0.1, .max_shrink = -1});
  EXPECT_EQ(s.next_size(), 1u);
  s.record(1, 1ns);
  EXPECT_EQ(s.next_size(), 1u);
}

TEST(DynamicChunkSizer, ManualOverrideFixesSizeThenHandsBack) {
  DynamicChunkSizer s(ChunkSizerConfig{.target = 500ms});
  s.record(1000, 250ms);
  ASSERT_EQ(s.next_size(), 1500u);
  s.set_override(200);
  EXPECT_FALSE(s.adaptive());
  EXPECT_EQ(s.next_size(), 200u);
  s.record(200, 1ms);  // ignored while fixed
  s.record(200, 10s);
  EXPECT_EQ(s.next_size(), 200u);
  s.set_override(200);  // repeated each chunk: still fixed
  EXPECT_EQ(s.next_size(), 200u);
  s.set_override(0);  // back to adaptive, starting from the operator's size
  EXPECT_TRUE(s.adaptive());
  EXPECT_EQ(s.next_size(), 200u);
  s.record(200, 250ms);
  EXPECT_EQ(s.next_size(), 300u);
  s.set_override(0);  // clearing again changes nothing
  EXPECT_EQ(s.next_size(), 300u);
}
