#include "binlog/wire/frame_assembler.h"

#include <gtest/gtest.h>

#include "wire_test_util.h"

using namespace ghostcut::binlog;
using namespace ghostcut::binlog::test;

namespace {
const std::size_t kChunks[] = {1, 3, 64, 1 << 20};

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 31 + 7);
  return v;
}
}  // namespace

TEST(FrameAssembler, SmallPacketsInAnyChunking) {
  const auto wire = concat({frame(0, {0x0a, 0x35}), frame(1, {}), frame(2, bytes_of("hello"))});
  for (std::size_t chunk : kChunks) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    FrameAssembler fa;
    auto out = assemble_chunked(fa, wire, chunk);
    ASSERT_FALSE(out.error) << out.error->message();
    ASSERT_EQ(out.payloads.size(), 3u);
    EXPECT_EQ(out.payloads[0], (std::vector<std::uint8_t>{0x0a, 0x35}));
    EXPECT_TRUE(out.payloads[1].empty());
    EXPECT_EQ(out.payloads[2], bytes_of("hello"));
    EXPECT_EQ(fa.expected_sequence(), 3);
    EXPECT_EQ(fa.buffered(), 0u);
  }
}

TEST(FrameAssembler, IncompleteInputWaits) {
  const auto wire = frame(0, bytes_of("abcdef"));
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    FrameAssembler fa;
    fa.feed(Bytes(wire).first(cut));
    auto p = fa.next();
    ASSERT_TRUE(p);
    EXPECT_FALSE(*p);
  }
}

TEST(FrameAssembler, SequenceMismatchIsStickyError) {
  FrameAssembler fa;
  fa.feed(frame(0, {1}));
  fa.feed(frame(5, {2}));
  auto first = fa.next();
  ASSERT_TRUE(first && *first);
  auto second = fa.next();
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().is(Errc::kSequenceMismatch));
  EXPECT_NE(second.error().message().find("sequence id 5, expected 1"), std::string::npos);
  fa.feed(frame(1, {3}));
  EXPECT_FALSE(fa.next());  // still failed
}

TEST(FrameAssembler, SequenceWrapsAt256) {
  FrameAssembler fa;
  fa.set_expected_sequence(255);
  fa.feed(concat({frame(255, {1}), frame(0, {2})}));
  auto a = fa.next();
  auto b = fa.next();
  ASSERT_TRUE(a && *a && b && *b);
  EXPECT_EQ(fa.expected_sequence(), 1);
}

TEST(FrameAssembler, JoinsContinuationFrames) {
  struct Case {
    const char* name;
    std::size_t size;
  };
  const Case cases[] = {
      {"one full frame + empty trailer", kMaxFramePayload},
      {"one full frame + 10", kMaxFramePayload + 10},
      {"two full frames + empty trailer", 2 * kMaxFramePayload},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto payload = pattern(c.size);
    std::uint8_t seq = 0;
    auto wire = frame_payload(payload, seq);
    wire = concat({wire, frame(seq, {0x42})});  // a following small packet
    for (std::size_t chunk : {std::size_t{65536}, std::size_t{1} << 24}) {
      SCOPED_TRACE("chunk " + std::to_string(chunk));
      FrameAssembler fa;
      auto out = assemble_chunked(fa, wire, chunk);
      ASSERT_FALSE(out.error) << out.error->message();
      ASSERT_EQ(out.payloads.size(), 2u);
      EXPECT_TRUE(out.payloads[0] == payload);
      EXPECT_EQ(out.payloads[1], std::vector<std::uint8_t>{0x42});
    }
  }
}

TEST(FrameAssembler, ContinuationFramesFedOneByteAtATimeAroundBoundaries) {
  // Single bytes near every frame header and the end, big chunks in between (keeps ASan runs fast).
  const auto payload = pattern(kMaxFramePayload + 3);
  std::uint8_t seq = 0;
  const auto wire = frame_payload(payload, seq);
  const std::size_t second_header = kFrameHeaderSize + kMaxFramePayload;
  auto near_boundary = [&](std::size_t off) {
    return off < 64 || (off + 64 > second_header && off < second_header + 64) || off + 64 > wire.size();
  };
  FrameAssembler fa;
  std::optional<std::vector<std::uint8_t>> got;
  std::size_t off = 0;
  while (off < wire.size()) {
    std::size_t n = near_boundary(off) ? 1 : std::min<std::size_t>(4096, wire.size() - off);
    while (n > 1 && near_boundary(off + n - 1)) --n;
    fa.feed(Bytes(wire).subspan(off, n));
    off += n;
    auto p = fa.next();
    ASSERT_TRUE(p);
    if (*p) {
      ASSERT_EQ(off, wire.size());
      got = std::move(**p);
    }
  }
  ASSERT_TRUE(got);
  EXPECT_TRUE(*got == payload);
}

TEST(FrameAssembler, PacketTooLarge) {
  struct Case {
    const char* name;
    std::size_t limit;
    std::size_t size;
    bool ok;
  };
  const Case cases[] = {
      {"at the limit", 100, 100, true},
      {"one over", 100, 101, false},
      {"continuation over the limit", kMaxFramePayload + 5, kMaxFramePayload + 6, false},
      {"continuation at the limit", kMaxFramePayload + 6, kMaxFramePayload + 6, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FrameAssembler fa(c.limit);
    std::uint8_t seq = 0;
    const auto wire = frame_payload(pattern(c.size), seq);
    auto out = assemble_chunked(fa, wire, 1 << 16);
    if (c.ok) {
      ASSERT_FALSE(out.error);
      EXPECT_EQ(out.payloads.size(), 1u);
    } else {
      ASSERT_TRUE(out.error);
      EXPECT_TRUE(out.error->is(Errc::kPacketTooLarge));
      EXPECT_NE(out.error->message().find("exceeds the limit"), std::string::npos);
    }
  }
}

TEST(FrameAssembler, TooLargeDetectedFromHeaderAlone) {
  FrameAssembler fa(10);
  fa.feed(std::vector<std::uint8_t>{0x00, 0x01, 0x00, 0x00});  // says 256 bytes follow
  auto p = fa.next();
  ASSERT_FALSE(p);
  EXPECT_TRUE(p.error().is(Errc::kPacketTooLarge));
}

TEST(FramePayload, SplitsAtSixteenMegabytes) {
  struct Case {
    const char* name;
    std::size_t size;
    std::vector<std::size_t> frames;
  };
  const Case cases[] = {
      {"empty", 0, {0}},
      {"small", 5, {5}},
      {"one below the limit", kMaxFramePayload - 1, {kMaxFramePayload - 1}},
      {"exactly 0xFFFFFF adds an empty frame", kMaxFramePayload, {kMaxFramePayload, 0}},
      {"0xFFFFFF + 1", kMaxFramePayload + 1, {kMaxFramePayload, 1}},
      {"2 x 0xFFFFFF", 2 * kMaxFramePayload, {kMaxFramePayload, kMaxFramePayload, 0}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto payload = pattern(c.size);
    std::uint8_t seq = 7;
    const auto wire = frame_payload(payload, seq);
    EXPECT_EQ(seq, 7 + c.frames.size());
    std::size_t off = 0;
    for (std::size_t i = 0; i < c.frames.size(); ++i) {
      ASSERT_LE(off + 4, wire.size());
      ByteReader r(Bytes(wire).subspan(off, 4));
      EXPECT_EQ(r.u24(), c.frames[i]);
      EXPECT_EQ(r.u8(), 7 + i);
      off += 4 + c.frames[i];
    }
    EXPECT_EQ(off, wire.size());
    FrameAssembler fa;
    fa.set_expected_sequence(7);
    auto out = assemble_chunked(fa, wire, 1 << 22);
    ASSERT_FALSE(out.error);
    ASSERT_EQ(out.payloads.size(), 1u);
    EXPECT_TRUE(out.payloads[0] == payload);
  }
}

// next_view() hands out the same payloads as next(), without a copy, in any chunking and with
// continuation frames; each view is read before the next call (its validity ends there).
TEST(FrameAssembler, ViewsGiveWhatCopiesGive) {
  const auto big = pattern(kMaxFramePayload + 10);
  std::vector<std::uint8_t> first_part(big.begin(), big.begin() + kMaxFramePayload);
  std::vector<std::uint8_t> rest(big.begin() + kMaxFramePayload, big.end());
  const auto wire = concat(
      {frame(0, bytes_of("one")), frame(1, first_part), frame(2, rest), frame(3, {}), frame(4, bytes_of("after"))});
  for (std::size_t chunk : kChunks) {
    if (chunk < 64) continue;  // 16 MiB a byte at a time: covered by the copying tests
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    FrameAssembler copies, views;
    const auto want = assemble_chunked(copies, wire, chunk);
    ASSERT_FALSE(want.error);
    std::vector<std::vector<std::uint8_t>> got;
    bool mixed = false;  // alternate next_view() and next(): they share one state
    for (std::size_t off = 0; off < wire.size(); off += chunk) {
      views.feed(Bytes(wire).subspan(off, std::min(chunk, wire.size() - off)));
      for (;;) {
        mixed = !mixed;
        if (mixed) {
          auto v = views.next_view();
          ASSERT_TRUE(v);
          if (!*v) break;
          got.emplace_back((*v)->begin(), (*v)->end());
        } else {
          auto p = views.next();
          ASSERT_TRUE(p);
          if (!*p) break;
          got.push_back(std::move(**p));
        }
      }
    }
    EXPECT_EQ(got, want.payloads);
    EXPECT_EQ(views.expected_sequence(), 5);
  }
}
