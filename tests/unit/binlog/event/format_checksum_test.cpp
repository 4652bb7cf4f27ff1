// Common header, FORMAT_DESCRIPTION (version-dependent checksum trailer, variable post-header
// table), CRC32 verification (incl. the FDE in-use flag), RawEvent splitting.
#include <gtest/gtest.h>

#include "binlog/event/binlog_format.h"
#include "binlog/event/checksum.h"
#include "binlog/event/event_header.h"
#include "binlog/event/raw_event.h"
#include "support/event_builder.h"
#include "truncation.h"

namespace ghostcut::binlog {
namespace {

using test::BodyWriter;
using test::build_event;
using test::build_fde;
using testing::span_of;

TEST(EventHeader, ParsesAllFields) {
  const auto ev = build_event(EventType::kXid, BodyWriter().u64(9), false, {1650493084, 77, 702, 0x0008});
  auto h = parse_event_header(span_of(ev));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->timestamp, 1650493084u);
  EXPECT_EQ(h->type, EventType::kXid);
  EXPECT_EQ(h->server_id, 77u);
  EXPECT_EQ(h->event_size, 27u);
  EXPECT_EQ(h->log_pos, 702u);
  EXPECT_EQ(h->flags, 0x0008);
  EXPECT_FALSE(h->is_artificial());
  testing::expect_truncations_fail(ev, kEventHeaderLen, [](Bytes b) { return parse_event_header(b); });
}

TEST(EventHeader, EventSizeSmallerThanHeaderIsBadLength) {
  auto ev = build_event(EventType::kXid, BodyWriter().u64(9));
  ev[kEventSizeOffset] = 10;
  auto h = parse_event_header(span_of(ev));
  ASSERT_FALSE(h);
  EXPECT_TRUE(h.error().is(Errc::kBadLength));
}

TEST(BinlogFormat, ServerVersionSplitAndChecksumAwareness) {
  struct Case {
    const char* version;
    std::array<unsigned, 3> split;
    bool aware;
  };
  const Case cases[] = {
      {"8.0.32", {8, 0, 32}, true},
      {"5.6.1", {5, 6, 1}, true},
      {"5.6.0-log", {5, 6, 0}, false},
      {"5.6.4-m7-debug-log", {5, 6, 4}, true},
      {"5.5.62-log", {5, 5, 62}, false},
      {"5.1.34sp1-enterprise-gpl-advanced-log", {5, 1, 34}, false},
      {"5.3.12-MariaDB", {5, 3, 12}, true},
      {"5.2.14-MariaDB", {5, 2, 14}, false},
      {"10.0.17-MariaDB-1~wheezy-log", {10, 0, 17}, true},
      {"", {0, 0, 0}, false},
      {"garbage", {0, 0, 0}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.version);
    EXPECT_EQ(split_server_version(c.version), c.split);
    EXPECT_EQ(is_checksum_aware_version(c.version), c.aware);
  }
}

TEST(BinlogFormat, FdeVariants) {
  struct Case {
    const char* name;
    const char* version;
    std::optional<std::uint8_t> alg;
    bool mariadb_table;
    std::size_t n_post_header;
    ChecksumAlg want;
    Flavour flavour;
  };
  const Case cases[] = {
      {"mysql 8.0 crc32", "8.0.32", 1, false, 41, ChecksumAlg::kCrc32, Flavour::kMySql},
      {"mysql 5.6 alg none", "5.6.41-log", 0, false, 41, ChecksumAlg::kOff, Flavour::kMySql},
      {"mysql 5.1 no trailer", "5.1.73-log", std::nullopt, false, 41, ChecksumAlg::kOff, Flavour::kMySql},
      {"mariadb 10.5", "10.5.15-MariaDB-log", 1, true, 171, ChecksumAlg::kCrc32, Flavour::kMariaDb},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto ev = build_fde(c.version, c.alg, {}, test::post_header_lens(c.mariadb_table));
    auto raw = make_raw_event(span_of(ev), default_binlog_format());
    ASSERT_TRUE(raw) << raw.error().message();
    EXPECT_EQ(raw->checksum_verified, c.alg.has_value());
    auto f = parse_format_description(raw->body);
    ASSERT_TRUE(f) << f.error().message();
    EXPECT_EQ(f->server_version, c.version);
    EXPECT_EQ(f->binlog_version, 4);
    EXPECT_EQ(f->header_len, 19);
    EXPECT_EQ(f->post_header_lens.size(), c.n_post_header);
    EXPECT_EQ(f->checksum, c.want);
    EXPECT_EQ(f->checksum_aware, c.alg.has_value());
    EXPECT_EQ(f->flavour, c.flavour);
    EXPECT_EQ(f->post_header_len(EventType::kQuery), 13);
    EXPECT_EQ(f->post_header_len(static_cast<EventType>(200)), 0);
    // The fixed part and (for aware servers) the alg byte are required.
    const std::size_t required = 2 + 50 + 4 + 1 + (c.alg ? 1 : 0);
    std::vector<std::uint8_t> body(raw->body.begin(), raw->body.end());
    for (std::size_t n = 0; n < required; ++n) {
      if (c.alg && n >= 57) break;  // a shorter post-header table is still a table
      SCOPED_TRACE(n);
      auto r = parse_format_description(Bytes(body.data(), n));
      ASSERT_FALSE(r);
      EXPECT_TRUE(r.error().is(Errc::kTruncated)) << r.error().message();
    }
  }
}

TEST(BinlogFormat, UnknownChecksumAlgIsUnsupported) {
  const auto ev = build_fde("8.0.32", 7);
  auto raw = make_raw_event(span_of(ev), default_binlog_format());
  ASSERT_TRUE(raw);
  auto f = parse_format_description(raw->body);
  ASSERT_FALSE(f);
  EXPECT_TRUE(f.error().is(Errc::kUnsupported));
}

TEST(BinlogFormat, UndefinedChecksumAlgMeansNoChecksums) {
  const auto ev = build_fde("8.0.32", 255);
  auto raw = make_raw_event(span_of(ev), default_binlog_format());
  ASSERT_TRUE(raw);
  auto f = parse_format_description(raw->body);
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->checksum, ChecksumAlg::kUndefined);
  EXPECT_FALSE(f->has_checksum());
}

TEST(BinlogFormat, DefaultFormat) {
  const BinlogFormat f = default_binlog_format(ChecksumAlg::kCrc32);
  EXPECT_TRUE(f.has_checksum());
  EXPECT_EQ(f.header_len, 19);
  EXPECT_EQ(f.post_header_len(EventType::kRotate), 8);
  EXPECT_EQ(f.post_header_len(EventType::kTableMap), 8);
  EXPECT_EQ(f.post_header_len(EventType::kWriteRowsV2), 10);
  EXPECT_EQ(f.post_header_len(EventType::kMariaGtid), 19);
  EXPECT_EQ(f.post_header_len(EventType::kMariaDeleteRowsCompressed), 10);
  EXPECT_FALSE(default_binlog_format().has_checksum());
}

TEST(Checksum, VerifyAndStrip) {
  const auto ev = build_event(EventType::kXid, BodyWriter().u64(5), true);
  auto ok = verify_and_strip_crc32(span_of(ev));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->size(), ev.size() - 4);

  for (std::size_t i : {std::size_t{0}, std::size_t{19}, ev.size() - 1}) {
    SCOPED_TRACE(i);
    auto bad = ev;
    bad[i] ^= 0x40;
    auto r = verify_and_strip_crc32(span_of(bad));
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(Errc::kBadChecksum));
    EXPECT_NE(r.error().message().find("stored CRC32"), std::string::npos) << r.error().message();
  }
  std::vector<std::uint8_t> tiny(ev.begin(), ev.begin() + 20);
  EXPECT_TRUE(verify_and_strip_crc32(span_of(tiny)).error().is(Errc::kTruncated));
}

TEST(Checksum, FdeInUseFlagIsClearedForTheCrc) {
  auto ev = build_fde("8.0.32", 1, {0, 1, 0, kLogEventBinlogInUseF});
  ASSERT_EQ(ev[kEventFlagsOffset] & 1, 1);
  EXPECT_TRUE(verify_and_strip_checksum(span_of(ev), default_binlog_format()));
  // The same trick must not apply to other event types.
  auto x = build_event(EventType::kXid, BodyWriter().u64(1), true, {0, 1, 0, 0});
  x[kEventFlagsOffset] |= 1;
  EXPECT_FALSE(verify_and_strip_checksum(span_of(x), default_binlog_format(ChecksumAlg::kCrc32)));
}

TEST(Checksum, FdeDecidesForItself) {
  // A CRC32 format in force does not make a pre-5.6 FDE carry a CRC, and vice versa.
  const auto old_fde = build_fde("5.1.73-log", std::nullopt);
  auto a = make_raw_event(span_of(old_fde), default_binlog_format(ChecksumAlg::kCrc32));
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_FALSE(a->checksum_verified);
  const auto none_fde = build_fde("5.6.41", 0);
  auto b = make_raw_event(span_of(none_fde), default_binlog_format(ChecksumAlg::kOff));
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_TRUE(b->checksum_verified);  // alg=NONE FDEs still carry a valid CRC
}

TEST(RawEvent, SplitsHeaderBodyAndChecksum) {
  const auto ev = build_event(EventType::kXid, BodyWriter().u64(5), true, {0, 1, 1000, 0});
  auto raw = make_raw_event(span_of(ev), default_binlog_format(ChecksumAlg::kCrc32), 973);
  ASSERT_TRUE(raw) << raw.error().message();
  EXPECT_EQ(raw->type(), EventType::kXid);
  EXPECT_EQ(raw->body.size(), 8u);
  EXPECT_EQ(raw->offset, 973u);
  EXPECT_EQ(raw->end_offset(), 973u + ev.size());
  EXPECT_TRUE(raw->checksum_verified);

  auto bad = ev;
  bad[20] ^= 1;
  auto r = make_raw_event(span_of(bad), default_binlog_format(ChecksumAlg::kCrc32), 973);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::kBadChecksum));
  EXPECT_GT(r.error().offset, 973u);

  // event_size must match the bytes given.
  std::vector<std::uint8_t> longer = ev;
  longer.push_back(0);
  EXPECT_TRUE(make_raw_event(span_of(longer), default_binlog_format(ChecksumAlg::kCrc32)).error().is(Errc::kBadLength));

  // Without a checksum the whole rest is body.
  const auto plain = build_event(EventType::kXid, BodyWriter().u64(5), false);
  auto p = make_raw_event(span_of(plain), default_binlog_format());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->body.size(), 8u);
  EXPECT_FALSE(p->checksum_verified);
}

TEST(EventBuilder, PacketizeFramesWithOkByte) {
  const auto ev = build_event(EventType::kXid, BodyWriter().u64(5));
  const auto pkt = test::packetize(ev, 3);
  ASSERT_EQ(pkt.size(), 4 + 1 + ev.size());
  EXPECT_EQ(pkt[0], ev.size() + 1);
  EXPECT_EQ(pkt[3], 3);
  EXPECT_EQ(pkt[4], 0x00);
  const std::vector<std::uint8_t> big(0xffffff - 1, 0x61);  // payload exactly 2^24-1: needs an empty frame
  const auto frames = test::packetize(big, 0);
  ASSERT_EQ(frames.size(), 4 + 0xffffffu + 4);
  EXPECT_EQ(frames[3], 0);
  EXPECT_EQ(frames[4 + 0xffffff + 3], 1);
  EXPECT_EQ(frames[4 + 0xffffff], 0);
}

}  // namespace
}  // namespace ghostcut::binlog
