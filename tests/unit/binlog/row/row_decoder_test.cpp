// decode_value for every column type, and decode_rows over hand-built rows events.
// Byte layouts from MySQL's Rows_event / Field::pack documentation (see row_decoder.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "binlog/row/row_decoder.h"
#include "row_test_util.h"

namespace ghostcut::binlog {
namespace {

using test::hex;
using test::make_map;

struct ValueCase {
  const char* name;
  ColumnType type;
  std::uint16_t meta;
  bool is_unsigned;
  const char* bytes;
  Value expected;
  const char* text;
};

const ValueCase kValueCases[] = {
    {"tiny signed min", ColumnType::kTiny, 0, false, "80", std::int64_t{-128}, "-128"},
    {"tiny signed max", ColumnType::kTiny, 0, false, "7f", std::int64_t{127}, "127"},
    {"tiny unsigned max", ColumnType::kTiny, 0, true, "ff", std::uint64_t{255}, "255"},
    {"tiny signed -1", ColumnType::kTiny, 0, false, "ff", std::int64_t{-1}, "-1"},
    {"short signed min", ColumnType::kShort, 0, false, "0080", std::int64_t{-32768}, "-32768"},
    {"short signed max", ColumnType::kShort, 0, false, "ff7f", std::int64_t{32767}, "32767"},
    {"short unsigned max", ColumnType::kShort, 0, true, "ffff", std::uint64_t{65535}, "65535"},
    {"int24 signed min", ColumnType::kInt24, 0, false, "000080", std::int64_t{-8388608}, "-8388608"},
    {"int24 signed max", ColumnType::kInt24, 0, false, "ffff7f", std::int64_t{8388607}, "8388607"},
    {"int24 signed -2", ColumnType::kInt24, 0, false, "feffff", std::int64_t{-2}, "-2"},
    {"int24 unsigned max", ColumnType::kInt24, 0, true, "ffffff", std::uint64_t{16777215}, "16777215"},
    {"long signed min", ColumnType::kLong, 0, false, "00000080", std::int64_t{-2147483648LL}, "-2147483648"},
    {"long signed max", ColumnType::kLong, 0, false, "ffffff7f", std::int64_t{2147483647}, "2147483647"},
    {"long unsigned max", ColumnType::kLong, 0, true, "ffffffff", std::uint64_t{4294967295u}, "4294967295"},
    {"long unsigned 3230202323", ColumnType::kLong, 0, true, "d3f988c0", std::uint64_t{3230202323u}, "3230202323"},
    {"longlong signed min", ColumnType::kLongLong, 0, false, "0000000000000080",
     std::numeric_limits<std::int64_t>::min(), "-9223372036854775808"},
    {"longlong signed max", ColumnType::kLongLong, 0, false, "ffffffffffffff7f",
     std::numeric_limits<std::int64_t>::max(), "9223372036854775807"},
    {"longlong unsigned max", ColumnType::kLongLong, 0, true, "ffffffffffffffff",
     std::numeric_limits<std::uint64_t>::max(), "18446744073709551615"},
    {"float 1.5", ColumnType::kFloat, 4, false, "0000c03f", 1.5f, "1.5"},
    {"float -0.1", ColumnType::kFloat, 4, false, "cdccccbd", -0.1f, "-0.1"},
    {"double 1e100", ColumnType::kDouble, 8, false, "7dc39425ad49b254", 1e100, "1e100"},
    {"double -2.5", ColumnType::kDouble, 8, false, "00000000000004c0", -2.5, "-2.5"},
    {"varchar 1-byte length", ColumnType::kVarchar, 100, false, "03616263", BytesValue{"abc"}, "'abc'"},
    {"varchar 2-byte length", ColumnType::kVarchar, 1200, false, "0300616263", BytesValue{"abc"}, "'abc'"},
    {"varchar empty", ColumnType::kVarchar, 255, false, "00", BytesValue{""}, "''"},
    {"var_string", ColumnType::kVarString, 10, false, "026869", BytesValue{"hi"}, "'hi'"},
    {"varchar escapes", ColumnType::kVarchar, 10, false, "0461270a5c", BytesValue{"a'\n\\"}, "'a\\'\\x0a\\\\'"},
    // STRING meta = byte0 << 8 | byte1: CHAR(10) latin1 = fe 0a
    {"char", ColumnType::kString, 0xfe0a, false, "027879", BytesValue{"xy"}, "'xy'"},
    // CHAR(128) utf8mb4 = 512 bytes: byte0 = 0xfe ^ ((512 >> 4) & 0x30) = 0xee, byte1 = 0x00; 2-byte length
    {"long char", ColumnType::kString, 0xee00, false, "02007879", BytesValue{"xy"}, "'xy'"},
    // CHAR(255) utf8mb4 = 1020 bytes = 0x3fc: byte0 = 0xfe ^ 0x30 = 0xce, byte1 = 0xfc
    {"char(255) utf8mb4", ColumnType::kString, 0xcefc, false, "02007879", BytesValue{"xy"}, "'xy'"},
    {"binary with zero bytes", ColumnType::kString, 0xfe04, false, "0400ff0001",
     BytesValue{std::string("\0\xff\0\x01", 4)}, "'\\x00\xff\\x00\\x01'"},
    {"enum 1 byte", ColumnType::kString, 0xf701, false, "02", EnumValue{2}, "2"},
    {"enum 2 bytes", ColumnType::kString, 0xf702, false, "0401", EnumValue{260}, "260"},
    {"set 1 byte", ColumnType::kString, 0xf801, false, "05", SetValue{5}, "b'00000101'"},
    {"set 8 bytes", ColumnType::kString, 0xf808, false, "0100000000000080", SetValue{0x8000000000000001ull},
     "b'1000000000000000000000000000000000000000000000000000000000000001'"},
    {"enum type direct", ColumnType::kEnum, 0xf701, false, "03", EnumValue{3}, "3"},
    {"set type direct", ColumnType::kSet, 0xf802, false, "0102", SetValue{0x0201}, "b'0000001000000001'"},
    // BIT meta = bits % 8 | bytes << 8
    {"bit(3)", ColumnType::kBit, 0x0003, false, "04", BitValue{4, 3}, "b'100'"},
    {"bit(8)", ColumnType::kBit, 0x0100, false, "20", BitValue{0x20, 8}, "b'00100000'"},
    {"bit(10)", ColumnType::kBit, 0x0102, false, "0201", BitValue{0x201, 10}, "b'1000000001'"},
    {"bit(64)", ColumnType::kBit, 0x0800, false, "8000000000000001", BitValue{0x8000000000000001ull, 64},
     "b'1000000000000000000000000000000000000000000000000000000000000001'"},
    {"tinyblob", ColumnType::kBlob, 1, false, "03666f6f", BytesValue{"foo"}, "'foo'"},
    {"blob", ColumnType::kBlob, 2, false, "0300666f6f", BytesValue{"foo"}, "'foo'"},
    {"mediumblob", ColumnType::kBlob, 3, false, "030000666f6f", BytesValue{"foo"}, "'foo'"},
    {"longblob", ColumnType::kBlob, 4, false, "03000000666f6f", BytesValue{"foo"}, "'foo'"},
    {"geometry", ColumnType::kGeometry, 4, false, "0200000001ff", BytesValue{"\x01\xff"}, "'\\x01\xff'"},
    {"vector", ColumnType::kVector, 4, false, "080000000000803f00000040",
     BytesValue{std::string("\0\0\x80\x3f\0\0\0\x40", 8)}, "'\\x00\\x00\x80?\\x00\\x00\\x00@'"},
    {"json", ColumnType::kJson, 4, false, "020000000401", JsonValue{"true"}, "'true'"},
    {"null type", ColumnType::kNull, 0, false, "", NullValue{}, "NULL"},
    {"newdecimal", ColumnType::kNewDecimal, 0x0402, false, "75c8", DecimalValue{"-10.55"}, "-10.55"},
};

TEST(RowDecoder, DecodeValueEveryType) {
  for (const auto& c : kValueCases) {
    SCOPED_TRACE(c.name);
    auto bytes = hex(c.bytes);
    ByteReader r(bytes);
    auto v = decode_value(r, c.type, c.meta, c.is_unsigned);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_TRUE(r.at_end()) << r.remaining() << " bytes left";
    EXPECT_EQ(*v, c.expected);
    EXPECT_EQ(to_string(*v), c.text);
  }
}

TEST(RowDecoder, DecodeValueEveryTruncationFails) {
  for (const auto& c : kValueCases) {
    SCOPED_TRACE(c.name);
    auto bytes = hex(c.bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      ByteReader r{Bytes(bytes).first(n)};
      auto v = decode_value(r, c.type, c.meta, c.is_unsigned);
      ASSERT_FALSE(v) << "prefix " << n;
      EXPECT_TRUE(v.error().is(Errc::kTruncated)) << v.error().message();
      EXPECT_NE(v.error().context.find(column_type_name(c.type)), std::string::npos) << v.error().context;
    }
  }
}

TEST(RowDecoder, DecodeValueBadMetaAndUnsupported) {
  struct Case {
    const char* name;
    ColumnType type;
    std::uint16_t meta;
    const char* bytes;
    Errc code;
  } cases[] = {
      {"old decimal", ColumnType::kDecimal, 0, "00", Errc::kUnsupported},
      {"typed array", ColumnType::kTypedArray, 0, "00", Errc::kUnknownColumnType},
      {"bool", ColumnType::kBool, 0, "00", Errc::kUnknownColumnType},
      {"blob prefix 5", ColumnType::kBlob, 5, "0000000000", Errc::kBadValue},
      {"blob prefix 0", ColumnType::kBlob, 0, "00", Errc::kBadValue},
      {"json prefix 0", ColumnType::kJson, 0, "00", Errc::kBadValue},
      {"bit 9 bytes", ColumnType::kBit, 0x0901, "00", Errc::kBadValue},
      {"enum 3 bytes", ColumnType::kString, 0xf703, "000000", Errc::kBadValue},
      {"set 9 bytes", ColumnType::kString, 0xf809, "000000000000000000", Errc::kBadValue},
      {"decimal precision 0", ColumnType::kNewDecimal, 0x0000, "80", Errc::kBadValue},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto bytes = hex(c.bytes);
    ByteReader r(bytes);
    auto v = decode_value(r, c.type, c.meta, false);
    ASSERT_FALSE(v);
    EXPECT_TRUE(v.error().is(c.code)) << v.error().message();
  }
}

TEST(RowDecoder, NanAndInfinityFloatsDecode) {
  auto nan = hex("0000c07f");
  ByteReader r(nan);
  auto v = decode_value(r, ColumnType::kFloat, 4, false);
  ASSERT_TRUE(v);
  EXPECT_TRUE(std::isnan(std::get<float>(*v)));
}

// ---- decode_rows ----

RowsEvent make_event(RowsKind kind, std::size_t ncols, const std::vector<std::uint8_t>& rows,
                     std::vector<bool> present = {}, std::vector<bool> present_after = {}) {
  RowsEvent ev;
  ev.kind = kind;
  ev.table_id = 42;
  ev.column_count = ncols;
  ev.columns_present = present.empty() ? std::vector<bool>(ncols, true) : present;
  if (kind == RowsKind::kUpdate || kind == RowsKind::kPartialUpdate) {
    ev.columns_present_after = present_after.empty() ? std::vector<bool>(ncols, true) : present_after;
  }
  ev.rows = Bytes(rows.data(), rows.size());
  return ev;
}

TableMap sample_map() {
  // (id INT, name VARCHAR(20), score DECIMAL(4,2), created DATETIME(3))
  return make_map(42, {ColumnType::kLong, ColumnType::kVarchar, ColumnType::kNewDecimal, ColumnType::kDateTime2},
                  {0, 20, 0x0402, 3});
}

TEST(RowDecoder, WriteRowsWithNulls) {
  // row 1: id=1, name='ab', score=-10.55, created=2024-02-29 01:02:03.456 (null bitmap 00)
  // row 2: id=2, name=NULL, score=NULL, created=NULL             (null bitmap 0e)
  const auto rows =
      hex("00 01000000 026162 75c8 99b2ba108311d0"
          "0e 02000000");
  auto ev = make_event(RowsKind::kWrite, 4, rows);
  auto res = decode_rows(ev, sample_map());
  ASSERT_TRUE(res) << res.error().message();
  ASSERT_EQ(res->size(), 2u);
  EXPECT_FALSE((*res)[0].before);
  ASSERT_TRUE((*res)[0].after);
  EXPECT_EQ(test::image_text(*(*res)[0].after), "@1=1, @2='ab', @3=-10.55, @4='2024-02-29 01:02:03.456'");
  EXPECT_EQ(test::image_text(*(*res)[1].after), "@1=2, @2=NULL, @3=NULL, @4=NULL");
  EXPECT_TRUE(is_null((*res)[1].after->values[1]));
  EXPECT_TRUE((*res)[1].after->present[1]);
}

TEST(RowDecoder, DeleteRowsAndUpdatePairs) {
  const auto del_rows = hex("00 05000000 0178 8100 80000000000000");
  auto del = make_event(RowsKind::kDelete, 4, del_rows);
  auto d = decode_rows(del, sample_map());
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_EQ(d->size(), 1u);
  EXPECT_FALSE((*d)[0].after);
  EXPECT_EQ(test::image_text(*(*d)[0].before), "@1=5, @2='x', @3=1.00, @4='0000-00-00 00:00:00.000'");

  // Two update pairs; before image: all 4 columns; after image: only id and score (MINIMAL-like).
  const auto upd_rows =
      hex("00 01000000 0161 8100 80000000000000"  // before #1
          "00 01000000 8200"                      // after  #1 (2 present columns)
          "08 02000000 0162 8300"                 // before #2: created NULL
          "02 02000000");                         // after  #2: score NULL
  auto upd = make_event(RowsKind::kUpdate, 4, upd_rows, {}, {true, false, true, false});
  auto u = decode_rows(upd, sample_map());
  ASSERT_TRUE(u) << u.error().message();
  ASSERT_EQ(u->size(), 2u);
  EXPECT_EQ(test::image_text(*(*u)[0].before), "@1=1, @2='a', @3=1.00, @4='0000-00-00 00:00:00.000'");
  EXPECT_EQ(test::image_text(*(*u)[0].after), "@1=1, @3=2.00");
  EXPECT_FALSE((*u)[0].after->present[1]);
  EXPECT_TRUE(is_null((*u)[0].after->values[1]));  // absent columns hold NullValue, present=false
  EXPECT_EQ(test::image_text(*(*u)[1].before), "@1=2, @2='b', @3=3.00, @4=NULL");
  EXPECT_EQ(test::image_text(*(*u)[1].after), "@1=2, @3=NULL");
}

TEST(RowDecoder, PartialBeforeImageNullBitmapCoversPresentColumnsOnly) {
  // Only columns 2 and 4 present: the NULL bitmap has 2 bits; bit 1 (column 4) set.
  const auto rows = hex("02 027879");
  auto ev = make_event(RowsKind::kDelete, 4, rows, {false, true, false, true});
  auto res = decode_rows(ev, sample_map());
  ASSERT_TRUE(res) << res.error().message();
  ASSERT_EQ(res->size(), 1u);
  const RowImage& img = *(*res)[0].before;
  EXPECT_EQ(test::image_text(img), "@2='xy', @4=NULL");
  EXPECT_EQ(img.present, (std::vector<bool>{false, true, false, true}));
  // A trailing byte is read as the start of another row, which then fails cleanly.
  auto extra = hex("02 027879 00");
  auto ev2 = make_event(RowsKind::kDelete, 4, extra, {false, true, false, true});
  auto res2 = decode_rows(ev2, sample_map());
  ASSERT_FALSE(res2);
  EXPECT_TRUE(res2.error().is(Errc::kTruncated));
}

TEST(RowDecoder, SignednessPrecedence) {
  // (a TINYINT, b VARCHAR(5), c INT, d DOUBLE, e SMALLINT): numeric columns a, c, d, e.
  TableMap map = make_map(
      42, {ColumnType::kTiny, ColumnType::kVarchar, ColumnType::kLong, ColumnType::kDouble, ColumnType::kShort},
      {0, 5, 0, 8, 0});
  const auto rows = hex("00 ff 00 ffffffff 000000000000f03f ffff");
  auto ev = make_event(RowsKind::kWrite, 5, rows);

  auto plain = decode_rows(ev, map);
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(test::image_text(*(*plain)[0].after), "@1=-1, @2='', @3=-1, @4=1, @5=-1");

  // SIGNEDNESS: one bit per numeric column in order (a, c, d, e): c and e unsigned.
  map.optional.signedness = {false, true, false, true};
  auto meta = decode_rows(ev, map);
  ASSERT_TRUE(meta);
  EXPECT_EQ(test::image_text(*(*meta)[0].after), "@1=-1, @2='', @3=4294967295, @4=1, @5=65535");

  // ColumnSigns win over the binlog's metadata (per column, indexed by column).
  ColumnSigns signs;
  signs.is_unsigned = {true, false, false, false, true};
  auto over = decode_rows(ev, map, signs);
  ASSERT_TRUE(over);
  EXPECT_EQ(test::image_text(*(*over)[0].after), "@1=255, @2='', @3=-1, @4=1, @5=65535");
}

TEST(RowDecoder, PartialJsonUpdate) {
  // (id INT, doc JSON, other JSON): after image value_options=1, partial bitmap over the 2 JSON
  // columns = 01 (doc partial), then NULL bitmap, values.
  TableMap map = make_map(42, {ColumnType::kLong, ColumnType::kJson, ColumnType::kJson}, {0, 4, 4});
  const auto rows =
      hex("00 07000000"                                 // before: id = 7 (only id present)
          "01 01 00 0b000000 0005242e616765 03 051a00"  // after: doc = diff REPLACE $.age 26
          "02000000 0401"                               //        other = full doc true
          "00 08000000"                                 // second row before
          "00 00 020000000400 020000000401");           // after: value_options 0, full docs
  auto ev = make_event(RowsKind::kPartialUpdate, 3, rows, {true, false, false}, {false, true, true});
  auto res = decode_rows(ev, map);
  ASSERT_TRUE(res) << res.error().message();
  ASSERT_EQ(res->size(), 2u);
  const RowImage& after = *(*res)[0].after;
  EXPECT_EQ(std::get<JsonValue>(after.values[1]), (JsonValue{"JSON_DIFF[REPLACE $.age 26]", true}));
  EXPECT_EQ(std::get<JsonValue>(after.values[2]), (JsonValue{"true", false}));
  EXPECT_EQ(test::image_text(*(*res)[1].before), "@1=8");
  EXPECT_EQ(test::image_text(*(*res)[1].after), "@2='null', @3='true'");
}

TEST(RowDecoder, ErrorsNameRowAndColumn) {
  const auto rows =
      hex("00 01000000 026162 75c8 99b2ba108311d0"
          "00 02000000 05616263");
  auto ev = make_event(RowsKind::kWrite, 4, rows);
  auto res = decode_rows(ev, sample_map());
  ASSERT_FALSE(res);
  EXPECT_TRUE(res.error().is(Errc::kTruncated));
  EXPECT_NE(res.error().context.find("row 1"), std::string::npos) << res.error().context;
  EXPECT_NE(res.error().context.find("column 1 (@2, VARCHAR)"), std::string::npos) << res.error().context;
  EXPECT_EQ(res.error().offset, 22u);  // where the VARCHAR of row 1 starts

  TableMap named = sample_map();
  named.optional.column_names = {"id", "name", "score", "created"};
  auto res2 = decode_rows(ev, named);
  ASSERT_FALSE(res2);
  EXPECT_NE(res2.error().context.find("(name, VARCHAR)"), std::string::npos) << res2.error().context;
}

TEST(RowDecoder, EveryTruncationOfAnEventFailsCleanly) {
  const auto rows =
      hex("00 01000000 0161 8100 80000000000000"
          "00 01000000 8200"
          "08 02000000 0162 8300"
          "02 02000000");
  for (std::size_t n = 1; n < rows.size(); ++n) {
    SCOPED_TRACE(n);
    if (n == 23) continue;  // exactly one complete update pair: a valid event
    std::vector<std::uint8_t> cut(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n));
    auto ev = make_event(RowsKind::kUpdate, 4, cut, {}, {true, false, true, false});
    auto res = decode_rows(ev, sample_map());
    EXPECT_FALSE(res);
  }
}

TEST(RowDecoder, MismatchedTableMap) {
  const auto rows = hex("00 01000000");
  auto ev = make_event(RowsKind::kWrite, 5, rows);
  auto res = decode_rows(ev, sample_map());  // TABLE_MAP has 4 columns
  ASSERT_FALSE(res);
  EXPECT_TRUE(res.error().is(Errc::kBadLength));
  auto ev2 = make_event(RowsKind::kWrite, 4, rows);
  ev2.table_id = 7;
  auto res2 = decode_rows(ev2, sample_map());
  ASSERT_FALSE(res2);
  EXPECT_TRUE(res2.error().is(Errc::kMissingTableMap));
}

TEST(RowDecoder, DecodeIntoReusesRowsAndMatchesFreshDecode) {
  const auto write_rows =
      hex("00 01000000 026162 75c8 99b2ba108311d0"
          "0e 02000000");
  const auto upd_rows =
      hex("00 01000000 0161 8100 80000000000000"
          "00 01000000 8200");
  const auto del_rows = hex("0a 05000000 8100");
  auto w = make_event(RowsKind::kWrite, 4, write_rows);
  auto u = make_event(RowsKind::kUpdate, 4, upd_rows, {}, {true, false, true, false});
  auto d = make_event(RowsKind::kDelete, 4, del_rows);
  std::vector<RowPair> out;
  for (const RowsEvent* ev : {&w, &u, &d, &w, &d, &u}) {
    SCOPED_TRACE(static_cast<int>(ev->kind));
    auto fresh = decode_rows(*ev, sample_map());
    ASSERT_TRUE(fresh) << fresh.error().message();
    auto into = decode_rows_into(*ev, sample_map(), {}, out);
    ASSERT_TRUE(into) << into.error().message();
    EXPECT_EQ(out, *fresh);
  }
  const auto bad_rows = hex("00 01000000 05");
  auto bad = make_event(RowsKind::kWrite, 4, bad_rows);
  EXPECT_FALSE(decode_rows_into(bad, sample_map(), {}, out));
}

// String values are views into one copy of the event's row images, shared by the values: they
// stay valid after the event's bytes are overwritten and freed, and after the decoded rows are.
TEST(RowDecoder, StringValuesKeepTheirBytesAliveWithoutTheEvent) {
  auto rows =
      std::make_unique<std::vector<std::uint8_t>>(hex("00 01000000 026162 75c8 99b2ba108311d0"
                                                      "00 02000000 0163 75c8 99b2ba108311d0"));
  auto ev = make_event(RowsKind::kWrite, 4, *rows);
  auto res = decode_rows(ev, sample_map());
  ASSERT_TRUE(res) << res.error().message();
  ASSERT_EQ(res->size(), 2u);
  std::fill(rows->begin(), rows->end(), 0xee);
  rows.reset();
  ev.rows = {};
  BytesValue kept = std::get<BytesValue>((*res)[1].after->values[1]);
  const RowImage first = *(*res)[0].after;
  res->clear();
  EXPECT_EQ(std::get<BytesValue>(first.values[1]).bytes(), "ab");
  EXPECT_EQ(kept.bytes(), "c");
  EXPECT_EQ(kept, BytesValue("c"));
}

TEST(RowDecoder, BytesValueFromTextOwnsACopy) {
  std::string text = "abc";
  BytesValue v(text);
  text = "xyz";
  EXPECT_EQ(v.bytes(), "abc");
  const BytesValue copy = v;
  v = BytesValue();
  EXPECT_EQ(copy.bytes(), "abc");
  EXPECT_TRUE(v.bytes().empty());
  EXPECT_EQ(BytesValue(""), BytesValue());
}

TEST(RowDecoder, EmptyRowsGiveNoPairs) {
  auto ev = make_event(RowsKind::kWrite, 4, {});
  auto res = decode_rows(ev, sample_map());
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->empty());
}

}  // namespace
}  // namespace ghostcut::binlog
