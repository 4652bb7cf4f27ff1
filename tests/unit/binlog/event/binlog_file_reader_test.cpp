// BinlogFileReader on built files: magic, offsets, FDE switching (checksum on/off/pre-5.6),
// bad checksum, truncation at every byte of the last event (clear error naming the offset,
// after every complete event).
#include <gtest/gtest.h>

#include "binlog/event/binlog_file_reader.h"
#include "binlog/event/event_decoder.h"
#include "support/event_builder.h"
#include "truncation.h"

namespace ghostcut::binlog {
namespace {

using test::BinlogFileBuilder;
using test::BodyWriter;
using testing::span_of;

struct ReadAll {
  std::vector<RawEvent> events;
  std::optional<Error> error;
};

ReadAll read_all(Bytes file) {
  ReadAll out;
  BinlogFileReader reader(file);
  while (true) {
    auto next = reader.next();
    if (!next) {
      out.error = next.error();
      // Errors are sticky.
      auto again = reader.next();
      EXPECT_FALSE(again);
      if (!again) {
        EXPECT_EQ(again.error().message(), next.error().message());
      }
      return out;
    }
    if (!*next) return out;
    out.events.push_back(**next);
  }
}

BinlogFileBuilder crc_file() {
  BinlogFileBuilder b;
  b.fde("8.0.32", 1, {0, 1, 0, kLogEventBinlogInUseF});
  b.add(EventType::kQuery, BodyWriter().u32(1).u32(0).u8(0).u16(0).u16(0).u8(0).str("BEGIN"), true);
  b.add(EventType::kXid, BodyWriter().u64(7), true);
  return b;
}

TEST(BinlogFileReader, ReadsEventsWithOffsets) {
  const auto b = crc_file();
  const auto r = read_all(span_of(b.bytes()));
  ASSERT_FALSE(r.error) << r.error->message();
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[0].offset, 4u);
  EXPECT_EQ(r.events[1].offset, r.events[0].end_offset());
  EXPECT_EQ(r.events[2].end_offset(), b.size());
  EXPECT_EQ(r.events[2].header.log_pos, b.size());
  for (const auto& e : r.events) EXPECT_TRUE(e.checksum_verified);
  EXPECT_EQ(r.events[2].body.size(), 8u);  // CRC stripped
}

TEST(BinlogFileReader, BadMagic) {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
  };
  const Case cases[] = {{"empty", {}},
                        {"short", {0xfe, 'b'}},
                        {"utf8 mangled", {0xef, 0xbf, 0xbd, 'b', 'i', 'n'}},
                        {"text", {'h', 'e', 'l', 'l', 'o'}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = read_all(span_of(c.bytes));
    ASSERT_TRUE(r.error);
    EXPECT_TRUE(r.error->is(Errc::kBadMagic));
    EXPECT_NE(r.error->message().find("fe 62 69 6e"), std::string::npos) << r.error->message();
  }
}

TEST(BinlogFileReader, MagicOnlyIsAnEmptyFile) {
  const std::vector<std::uint8_t> magic = {0xfe, 'b', 'i', 'n'};
  const auto r = read_all(span_of(magic));
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.events.empty());
}

TEST(BinlogFileReader, TruncatedLastEventAtEveryByte) {
  const auto full = crc_file().bytes();
  const auto complete = read_all(span_of(full));
  ASSERT_EQ(complete.events.size(), 3u);
  const std::size_t last = complete.events[2].offset;
  for (std::size_t n = last + 1; n < full.size(); ++n) {
    SCOPED_TRACE(n);
    const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const auto r = read_all(span_of(cut));
    EXPECT_EQ(r.events.size(), 2u);  // everything before the cut event
    ASSERT_TRUE(r.error);
    EXPECT_TRUE(r.error->is(Errc::kTruncated)) << r.error->message();
    EXPECT_EQ(r.error->offset, last);
    EXPECT_NE(r.error->message().find(std::to_string(last)), std::string::npos) << r.error->message();
  }
}

TEST(BinlogFileReader, BadChecksumNamesTheEvent) {
  auto bytes = crc_file().bytes();
  const auto complete = read_all(span_of(bytes));
  const std::size_t xid_at = complete.events[2].offset;
  bytes[xid_at + 20] ^= 0x01;
  const auto r = read_all(span_of(bytes));
  EXPECT_EQ(r.events.size(), 2u);
  ASSERT_TRUE(r.error);
  EXPECT_TRUE(r.error->is(Errc::kBadChecksum));
  EXPECT_NE(r.error->message().find("XID event at " + std::to_string(xid_at)), std::string::npos) << r.error->message();
}

TEST(BinlogFileReader, LaterFdeReplacesEarlier) {
  // A 5.1 FDE (no checksums), then a relay-log style second FDE from a CRC32 server.
  BinlogFileBuilder b;
  b.fde("5.1.73-log", std::nullopt);
  b.add(EventType::kXid, BodyWriter().u64(1), false);
  b.fde("8.0.32", 1);
  b.add(EventType::kXid, BodyWriter().u64(2), true);
  b.fde("5.6.41-log", 0);  // checksum-aware, alg NONE: its own CRC, none after
  b.add(EventType::kXid, BodyWriter().u64(3), false);
  BinlogFileReader reader(span_of(b.bytes()));
  std::vector<std::uint64_t> xids;
  std::vector<bool> crc_after;
  while (true) {
    auto next = reader.next();
    ASSERT_TRUE(next) << next.error().message();
    if (!*next) break;
    auto ev = decode_event(**next, reader.format());
    ASSERT_TRUE(ev) << ev.error().message();
    if (const auto* x = std::get_if<Xid>(&*ev)) {
      xids.push_back(x->xid);
      crc_after.push_back((*next)->checksum_verified);
    }
  }
  EXPECT_EQ(xids, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(crc_after, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(reader.fde_count(), 3u);
  EXPECT_EQ(reader.format().server_version, "5.6.41-log");
}

TEST(BinlogFileReader, EventSizeBelowHeaderIsBadLength) {
  BinlogFileBuilder b;
  b.fde("5.1.73-log", std::nullopt);
  auto ev = test::build_event(EventType::kXid, BodyWriter().u64(1));
  ev[kEventSizeOffset] = 3;
  b.raw(ev);
  const auto r = read_all(span_of(b.bytes()));
  EXPECT_EQ(r.events.size(), 1u);
  ASSERT_TRUE(r.error);
  EXPECT_TRUE(r.error->is(Errc::kBadLength)) << r.error->message();
}

TEST(BinlogFileReader, BrokenFdeIsAnError) {
  BinlogFileBuilder b;
  b.fde("8.0.32", 9);  // unknown checksum algorithm
  const auto r = read_all(span_of(b.bytes()));
  ASSERT_TRUE(r.error);
  EXPECT_TRUE(r.error->is(Errc::kUnsupported)) << r.error->message();
  EXPECT_NE(r.error->message().find("FORMAT_DESCRIPTION event at 4"), std::string::npos) << r.error->message();
}

}  // namespace
}  // namespace ghostcut::binlog
