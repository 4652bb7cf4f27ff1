// TABLE_MAP: per-column metadata folding (the contract row/ relies on), null bitmap, every
// optional metadata field, unknown fields skipped, truncation of each part.
#include <gtest/gtest.h>

#include "binlog/event/table_map.h"
#include "support/event_builder.h"
#include "truncation.h"

namespace ghostcut::binlog {
namespace {

using test::BodyWriter;
using testing::span_of;

// Columns: id LONG UNSIGNED, name VARCHAR(1020), kind ENUM, doc BLOB, ts TIMESTAMP2(3),
// price NEWDECIMAL(10,2), bits BIT(13), ratio DOUBLE, code CHAR(512 bytes), flag TINY UNSIGNED,
// vec VECTOR, dt DATETIME2(6), t TIME2(0), js JSON
struct Fixture {
  BodyWriter core;  // everything before the optional metadata
  std::size_t required = 0;
};

Fixture build_core() {
  Fixture f;
  auto& w = f.core;
  w.u48(0x123456789aULL).u16(1);
  w.u8(4).null_str("shop").u8(6).null_str("orders");
  const std::vector<std::uint8_t> types = {3, 15, 254, 252, 17, 246, 16, 5, 254, 1, 242, 18, 19, 245};
  w.lenenc(types.size()).bytes(types);
  BodyWriter meta;
  meta.bytes({0xfc, 0x03})  // VARCHAR 1020, LE
      .bytes({0xf7, 0x01})  // ENUM: real type, pack length
      .u8(2)                // BLOB length bytes
      .u8(3)                // TIMESTAMP2 fsp
      .bytes({10, 2})       // NEWDECIMAL precision, scale
      .bytes({5, 1})        // BIT: bits % 8, bytes
      .u8(8)                // DOUBLE
      .bytes({0xde, 0x00})  // CHAR(512 bytes): high length bits folded into byte0
      .u8(4)                // VECTOR
      .u8(6)                // DATETIME2 fsp
      .u8(0)                // TIME2 fsp
      .u8(4);               // JSON
  w.lenenc(meta.size()).bytes(meta.data());
  w.bytes({0xfe, 0x3f});  // nullable: all but column 0
  f.required = w.size();
  return f;
}

BodyWriter optional_all() {
  BodyWriter o;
  auto field = [&o](std::uint8_t type, const BodyWriter& v) { o.u8(type).lenenc(v.size()).bytes(v.data()); };
  field(1, BodyWriter().u8(0x90));  // numeric: id, price, ratio, flag -> unsigned, signed, signed, unsigned
  field(2, BodyWriter().lenenc(255).lenenc(1).lenenc(63));
  field(3, BodyWriter().lenenc(45).lenenc(63).lenenc(33));
  BodyWriter names;
  for (const char* n :
       {"id", "name", "kind", "doc", "ts", "price", "bits", "ratio", "code", "flag", "vec", "dt", "t", "js"}) {
    names.lenenc_str(n);
  }
  field(4, names);
  field(5, BodyWriter().lenenc(2).lenenc_str("a").lenenc_str("b"));
  field(6, BodyWriter().lenenc(3).lenenc_str("new").lenenc_str("paid").lenenc_str("shipped"));
  field(7, BodyWriter().lenenc(1));
  field(8, BodyWriter().lenenc(0));
  field(9, BodyWriter().lenenc(1).lenenc(10));
  field(10, BodyWriter().lenenc(255).lenenc(2).lenenc(8));
  field(11, BodyWriter().lenenc(255));
  field(99, BodyWriter().bytes({1, 2, 3}));     // unknown: skipped by length
  field(12, BodyWriter().bytes({0xff, 0xf8}));  // 14 columns, MSB first; last one (js) invisible
  field(13, BodyWriter().lenenc(3));
  return o;
}

TEST(TableMap, CoreAndPerColumnMetadata) {
  const auto body = build_core().core.take();
  auto m = parse_table_map(span_of(body), 8);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->table_id, 0x123456789aULL);
  EXPECT_EQ(m->flags, 1);
  EXPECT_EQ(m->schema, "shop");
  EXPECT_EQ(m->table, "orders");
  ASSERT_EQ(m->column_count(), 14u);
  EXPECT_EQ(m->types[2], ColumnType::kString);
  const std::vector<std::uint16_t> meta = {0, 1020, 0xf701, 2, 3, (10 << 8) | 2, 0x0105, 8, 0xde00, 0, 4, 6, 0, 4};
  EXPECT_EQ(m->meta, meta);
  EXPECT_FALSE(m->nullable[0]);
  EXPECT_TRUE(m->nullable[1]);
  EXPECT_TRUE(m->nullable[13]);
  EXPECT_EQ(m->optional, TableMapOptionalMetadata{});
  EXPECT_EQ(m->is_unsigned(0), std::nullopt);
  EXPECT_EQ(m->column_name(0), "@1");
  EXPECT_EQ(m->column_name(13), "@14");
}

TEST(TableMap, EveryOptionalMetadataField) {
  BodyWriter w = build_core().core;
  w.bytes(optional_all().data());
  const auto body = w.take();
  auto m = parse_table_map(span_of(body), 8);
  ASSERT_TRUE(m) << m.error().message();
  const auto& o = m->optional;
  EXPECT_EQ(o.signedness, (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(m->is_unsigned(0), true);          // id
  EXPECT_EQ(m->is_unsigned(5), false);         // price
  EXPECT_EQ(m->is_unsigned(7), false);         // ratio
  EXPECT_EQ(m->is_unsigned(9), true);          // flag
  EXPECT_EQ(m->is_unsigned(1), std::nullopt);  // VARCHAR has no sign
  EXPECT_EQ(m->is_unsigned(99), std::nullopt);
  EXPECT_EQ(o.default_charset, 255u);
  EXPECT_EQ(o.charset_exceptions, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{1, 63}}));
  EXPECT_EQ(o.column_charsets, (std::vector<std::uint32_t>{45, 63, 33}));
  ASSERT_EQ(o.column_names.size(), 14u);
  EXPECT_EQ(m->column_name(5), "price");
  EXPECT_EQ(o.set_str_values, (std::vector<std::vector<std::string>>{{"a", "b"}}));
  EXPECT_EQ(o.enum_str_values, (std::vector<std::vector<std::string>>{{"new", "paid", "shipped"}}));
  EXPECT_EQ(o.geometry_types, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(o.simple_primary_key, (std::vector<std::uint32_t>{0}));
  EXPECT_EQ(o.primary_key_with_prefix, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{1, 10}}));
  EXPECT_EQ(o.enum_and_set_default_charset, 255u);
  EXPECT_EQ(o.enum_and_set_charset_exceptions, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{2, 8}}));
  EXPECT_EQ(o.enum_and_set_column_charsets, (std::vector<std::uint32_t>{255}));
  std::vector<bool> visible(14, true);
  visible[13] = false;
  EXPECT_EQ(o.column_visibility, visible);
  EXPECT_EQ(o.vector_dimensionality, (std::vector<std::uint32_t>{3}));
}

TEST(TableMap, TruncationOfEachPartFails) {
  const auto body = build_core().core.take();
  testing::expect_truncations_fail(body, body.size(), [](Bytes b) { return parse_table_map(b, 8); });
}

TEST(TableMap, TruncatedOptionalFieldsFail) {
  const BodyWriter opt = optional_all();
  const std::size_t core = build_core().required;
  BodyWriter w = build_core().core;
  w.bytes(opt.data());
  const auto body = w.take();
  // Cutting inside the optional block always cuts some field's declared length.
  for (std::size_t n = core + 1; n < body.size(); ++n) {
    SCOPED_TRACE(n);
    auto r = parse_table_map(Bytes(body.data(), n), 8);
    // A cut exactly between two fields is a valid (shorter) list.
    if (r) continue;
    EXPECT_TRUE(r.error().is(Errc::kTruncated)) << r.error().message();
    EXPECT_NE(r.error().context.find("optional metadata"), std::string::npos) << r.error().message();
  }
  // A field whose value is shorter than its content needs.
  BodyWriter bad = build_core().core;
  bad.u8(4).lenenc(3).lenenc(5).str("ab");  // COLUMN_NAME "ab..." claims 5 bytes
  const auto b = bad.take();
  auto r = parse_table_map(span_of(b), 8);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::kTruncated));
  BodyWriter short_sign = build_core().core;
  short_sign.u8(1).lenenc(0);  // SIGNEDNESS with no bytes for 4 numeric columns
  const auto s = short_sign.take();
  EXPECT_TRUE(parse_table_map(span_of(s), 8).error().is(Errc::kTruncated));
}

TEST(TableMap, FourByteTableIdAndBadInputs) {
  BodyWriter w;
  w.u32(77).u16(0).u8(1).null_str("d").u8(1).null_str("t").lenenc(1).u8(3).lenenc(0).u8(0);
  const auto body = w.take();
  auto m = parse_table_map(span_of(body), 6);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->table_id, 77u);
  EXPECT_EQ(m->table, "t");

  BodyWriter unknown;
  unknown.u48(1).u16(0).u8(1).null_str("d").u8(1).null_str("t").lenenc(1).u8(100).lenenc(0).u8(0);
  const auto u = unknown.take();
  EXPECT_TRUE(parse_table_map(span_of(u), 8).error().is(Errc::kUnknownColumnType));

  BodyWriter extra;  // metadata block longer than the columns need
  extra.u48(1).u16(0).u8(1).null_str("d").u8(1).null_str("t").lenenc(1).u8(3).lenenc(1).u8(9).u8(0);
  const auto e = extra.take();
  EXPECT_TRUE(parse_table_map(span_of(e), 8).error().is(Errc::kExtraBytes));

  BodyWriter unterminated;
  unterminated.u48(1).u16(0).u8(1).str("dX").u8(1).null_str("t").lenenc(0).lenenc(0);
  const auto n = unterminated.take();
  EXPECT_TRUE(parse_table_map(span_of(n), 8).error().is(Errc::kBadValue));
}

}  // namespace
}  // namespace ghostcut::binlog
