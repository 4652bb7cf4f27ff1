// Rows event headers: v1/v2 WRITE/UPDATE/DELETE, PARTIAL_UPDATE_ROWS, pre-GA types, MariaDB
// compressed rows (zlib), extra data length (includes itself), bitmaps, truncation.
#include <gtest/gtest.h>
#include <zlib.h>

#include "binlog/event/rows_event.h"
#include "support/event_builder.h"
#include "truncation.h"

namespace ghostcut::binlog {
namespace {

using test::BodyWriter;
using testing::span_of;

const std::vector<std::uint8_t> kRows = {0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};

std::vector<std::uint8_t> rows_body(std::uint8_t version, bool two_bitmaps, Bytes rows, Bytes extra = {}) {
  BodyWriter w;
  w.u48(88).u16(1);
  if (version == 2) w.u16(extra.size() + 2).bytes(extra);
  w.lenenc(10).bytes({0xff, 0x02});
  if (two_bitmaps) w.bytes({0x0f, 0x03});
  w.bytes(rows);
  return w.take();
}

TEST(RowsEvent, AllPlainTypes) {
  struct Case {
    EventType type;
    RowsKind kind;
    std::uint8_t version;
    std::uint8_t post_header_len;
  };
  const Case cases[] = {
      {EventType::kWriteRowsV1, RowsKind::kWrite, 1, 8},
      {EventType::kUpdateRowsV1, RowsKind::kUpdate, 1, 8},
      {EventType::kDeleteRowsV1, RowsKind::kDelete, 1, 8},
      {EventType::kWriteRowsV2, RowsKind::kWrite, 2, 10},
      {EventType::kUpdateRowsV2, RowsKind::kUpdate, 2, 10},
      {EventType::kDeleteRowsV2, RowsKind::kDelete, 2, 10},
      {EventType::kPartialUpdateRows, RowsKind::kPartialUpdate, 2, 10},
      {EventType::kPreGaWriteRows, RowsKind::kWrite, 1, 8},
      {EventType::kPreGaUpdateRows, RowsKind::kUpdate, 1, 8},
      {EventType::kPreGaDeleteRows, RowsKind::kDelete, 1, 8},
  };
  const std::vector<std::uint8_t> extra = {0x00, 0x01, 0x02};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(event_type_name(c.type)));
    const bool two = c.kind == RowsKind::kUpdate || c.kind == RowsKind::kPartialUpdate;
    const auto body = rows_body(c.version, two, span_of(kRows), span_of(extra));
    auto r = parse_rows_event(c.type, span_of(body), c.post_header_len);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->type, c.type);
    EXPECT_EQ(r->kind, c.kind);
    EXPECT_EQ(r->version, c.version);
    EXPECT_EQ(r->table_id, 88u);
    EXPECT_TRUE(r->end_of_statement());
    EXPECT_EQ(r->column_count, 10u);
    std::vector<bool> present(10, true);
    present[8] = false;
    EXPECT_EQ(r->columns_present, present);
    if (two) {
      std::vector<bool> after = {true, true, true, true, false, false, false, false, true, true};
      EXPECT_EQ(r->columns_present_after, after);
    } else {
      EXPECT_TRUE(r->columns_present_after.empty());
    }
    EXPECT_EQ(c.version == 2 ? r->extra_data.size() : 0u, c.version == 2 ? 3u : 0u);
    EXPECT_EQ(std::vector<std::uint8_t>(r->rows.begin(), r->rows.end()), kRows);
    EXPECT_TRUE(r->owned.empty());
    const std::size_t required = body.size() - kRows.size();
    testing::expect_truncations_fail(body, required,
                                     [&](Bytes b) { return parse_rows_event(c.type, b, c.post_header_len); });
  }
}

TEST(RowsEvent, ExtraDataLengthIncludesItself) {
  BodyWriter w;
  w.u48(1).u16(0).u16(1);  // < 2: impossible
  const auto bad = w.take();
  auto r = parse_rows_event(EventType::kWriteRowsV2, span_of(bad), 10);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::kBadLength));

  BodyWriter over;
  over.u48(1).u16(0).u16(40).bytes({1, 2, 3});
  const auto o = over.take();
  EXPECT_TRUE(parse_rows_event(EventType::kWriteRowsV2, span_of(o), 10).error().is(Errc::kTruncated));
}

TEST(RowsEvent, FourByteTableId) {
  BodyWriter w;
  w.u32(0xabcdef01).u16(0).lenenc(1).u8(1).u8(0).u8(5);
  const auto body = w.take();
  auto r = parse_rows_event(EventType::kWriteRowsV1, span_of(body), 6);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->table_id, 0xabcdef01u);
  EXPECT_EQ(r->rows.size(), 2u);
}

TEST(RowsEvent, NotARowsEvent) {
  const std::vector<std::uint8_t> body(20, 0);
  EXPECT_TRUE(parse_rows_event(EventType::kQuery, span_of(body), 13).error().is(Errc::kUnsupported));
  EXPECT_FALSE(is_rows_event(EventType::kTableMap));
  EXPECT_TRUE(is_rows_event(EventType::kMariaUpdateRowsCompressedV1));
}

// MariaDB compressed record: 0x80 | n, n-byte big-endian length, zlib stream.
std::vector<std::uint8_t> maria_compress(const std::vector<std::uint8_t>& data) {
  uLongf n = compressBound(static_cast<uLong>(data.size()));
  std::vector<std::uint8_t> z(n);
  EXPECT_EQ(compress(z.data(), &n, data.data(), static_cast<uLong>(data.size())), Z_OK);
  z.resize(n);
  BodyWriter w;
  if (data.size() < 256) {
    w.u8(0x81).be(data.size(), 1);
  } else {
    w.u8(0x83).be(data.size(), 3);
  }
  w.bytes(z);
  return w.take();
}

TEST(RowsEvent, MariaDbCompressedRows) {
  struct Case {
    EventType type;
    RowsKind kind;
    std::uint8_t version;
    std::uint8_t phl;
  };
  const Case cases[] = {
      {EventType::kMariaWriteRowsCompressedV1, RowsKind::kWrite, 1, 8},
      {EventType::kMariaUpdateRowsCompressedV1, RowsKind::kUpdate, 1, 8},
      {EventType::kMariaDeleteRowsCompressedV1, RowsKind::kDelete, 1, 8},
      {EventType::kMariaWriteRowsCompressed, RowsKind::kWrite, 2, 10},
      {EventType::kMariaUpdateRowsCompressed, RowsKind::kUpdate, 2, 10},
      {EventType::kMariaDeleteRowsCompressed, RowsKind::kDelete, 2, 10},
  };
  std::vector<std::uint8_t> big(3000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i % 7);
  const std::vector<std::uint8_t>* payloads[] = {&kRows, &big};
  for (const auto* payload : payloads) {
    const auto z = maria_compress(*payload);
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(event_type_name(c.type)) + " " + std::to_string(payload->size()));
      const auto body = rows_body(c.version, c.kind == RowsKind::kUpdate, span_of(z));
      auto r = parse_rows_event(c.type, span_of(body), c.phl);
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_EQ(r->kind, c.kind);
      EXPECT_EQ(r->version, c.version);
      EXPECT_EQ(r->owned, *payload);
      EXPECT_EQ(r->rows.data(), r->owned.data());
      RowsEvent moved = std::move(*r);
      EXPECT_EQ(std::vector<std::uint8_t>(moved.rows.begin(), moved.rows.end()), *payload);
    }
  }
}

TEST(RowsEvent, MariaDbCompressedRowsErrors) {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> record;
    Errc want;
  };
  auto good = maria_compress(kRows);
  auto corrupt = good;
  corrupt[4] ^= 0xff;
  auto wrong_len = good;
  wrong_len[1] = 50;
  std::vector<std::uint8_t> cut(good.begin(), good.end() - 3);
  // Claims ~1 GiB: must fail on the real stream length, not allocate the claim.
  std::vector<std::uint8_t> huge = {0x84, 0x3f, 0xff, 0xff, 0xff};
  huge.insert(huge.end(), good.begin() + 2, good.end());
  std::vector<std::uint8_t> over = {0x84, 0x40, 0x00, 0x00, 0x01};
  const Case cases[] = {
      {"empty", {}, Errc::kTruncated},
      {"not compressed", {0x01, 0x05}, Errc::kBadValue},
      {"other algorithm", {0x91, 0x05, 0x00}, Errc::kUnsupported},
      {"length of length 0", {0x80}, Errc::kBadValue},
      {"length cut", {0x82, 0x01}, Errc::kTruncated},
      {"corrupt stream", corrupt, Errc::kDecompressFailed},
      {"wrong length", wrong_len, Errc::kDecompressFailed},
      {"stream cut", cut, Errc::kDecompressFailed},
      {"huge declared length", huge, Errc::kDecompressFailed},
      {"over 1 GiB", over, Errc::kBadLength},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto body = rows_body(1, false, span_of(c.record));
    auto r = parse_rows_event(EventType::kMariaWriteRowsCompressedV1, span_of(body), 8);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(c.want)) << r.error().message();
    EXPECT_NE(r.error().context.find("WRITE_ROWS_COMPRESSED_V1"), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace ghostcut::binlog
