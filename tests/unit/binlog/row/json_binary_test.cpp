// Binary JSON → text. Case bytes come from an independent encoder written from the layout in
// MySQL's json_binary.h; expected texts follow Json_wrapper::to_string (json_dom.cc): ", " and ": "
// separators, MySQL's string escaping, my_gcvt doubles with ".0" for integral values, opaque
// temporal values with 6 fraction digits, DECIMAL as a bare number, other opaque as base64.
// Fixture documents (mysql-8.0/rmc__json, mysql-9.x/rmc__json-opaque) are in fixture_rows_test.cpp.
#include <gtest/gtest.h>

#include "binlog/row/json_binary.h"
#include "binlog/row/row_decoder.h"
#include "row_test_util.h"

namespace ghostcut::binlog {
namespace {

using test::hex;

struct JsonCase {
  const char* name;
  const char* bytes;
  const char* text;
};

const JsonCase kJsonCases[] = {
    {"null literal", "0400", "null"},
    {"true", "0401", "true"},
    {"false", "0402", "false"},
    {"int16 min", "050080", "-32768"},
    {"uint16 max", "06ffff", "65535"},
    {"int32 min", "0700000080", "-2147483648"},
    {"uint32 max", "08ffffffff", "4294967295"},
    {"int64 min", "090000000000000080", "-9223372036854775808"},
    {"uint64 max", "0affffffffffffffff", "18446744073709551615"},
    {"double 1.5", "0b000000000000f83f", "1.5"},
    {"double integral", "0b0000000000000840", "3.0"},
    {"double 1e100", "0b7dc39425ad49b254", "1e100"},
    {"double -2.5e-7", "0b8dedb5a0f7c690be", "-0.00000025"},
    {"double 0.1", "0b9a9999999999b93f", "0.1"},
    {"double 1e15", "0b00003426f56b0c43", "1e15"},
    {"double 1e14", "0b0000901ec4bcd642", "100000000000000.0"},
    {"double 123456.789", "0bc976be9f0c24fe40", "123456.789"},
    {"double 0.0001", "0b2d431cebe2361a3f", "0.0001"},
    {"double 1e-15", "0b1656e79eaf03d23c", "0.000000000000001"},
    {"double 1e-16", "0bbc89d897b2d29c3c", "1e-16"},
    {"double -0.0", "0b0000000000000080", "-0.0"},
    {"empty string", "0c00", "\"\""},
    {"escapes", "0c0e6122625c630a090d080c011f7f2f",
     "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f"
     "/\""},
    {"unicode", "0c0f68c3a96c6c6f20e282ac20f09f9880",
     "\"h\xc3"
     "\xa9"
     "llo \xe2"
     "\x82"
     "\xac"
     " \xf0"
     "\x9f"
     "\x98"
     "\x80"
     "\""},
    {"empty object", "0000000400", "{}"},
    {"empty array", "0200000400", "[]"},
    {"object stored order",
     "0003003300190003001c000400200004000518000c24000c2f00616765646174616e616d650a78787878787878787878034a6f65",
     "{\"age\": 24, \"data\": \"xxxxxxxxxx\", \"name\": \"Joe\"}"},
    {"array mixed", "0207002f000501000401000400000c19000b1b000723000a270001780000000000000440701101000500000000000000",
     "[1, true, null, \"x\", 2.5, 70000, 5]"},
    {"nested",
     "0002003a001200010013000100021400002e00616302001a00050100000a00010010000b000100020c00620000040001000c000b00010004020064",
     "{\"a\": [1, {\"b\": []}], \"c\": {\"d\": false}}"},
    {"key escaping", "0001000e000b0003000501006b225c", "{\"k\\\"\\\\\": 1}"},
    {"large object inlines int32",
     "01030000002e0000002900000001002a00000001002b000000010007fbffffff08070000000c2c00000078797a0173",
     "{\"x\": -5, \"y\": 7, \"z\": \"s\"}"},
    {"large array", "03020000001f00000005010000000312000000010000000d0000000602000000", "[1, [2]]"},
    {"opaque decimal", "00010014000b0001000f0c0064f6060603807b01c8", "{\"d\": 123.456}"},
    {"opaque date", "00010016000b0001000f0c00620a080000000000e48b19", "{\"b\": \"2012-03-18\"}"},
    {"opaque datetime", "00010016000b0001000f0c00630c08000000adb7e48b19", "{\"c\": \"2012-03-18 11:30:45.000000\"}"},
    {"opaque timestamp", "0f070890d003053144a519", "\"2020-01-02 03:04:05.250000\""},
    {"opaque time", "0f0b08f1fb09ee77050000", "\"87:31:46.654321\""},
    {"opaque negative time", "0f0b08e05ef87cefffffff", "\"-01:02:03.500000\""},
    {"opaque bit", "0001000f000b0001000f0c00610f0155", "{\"a\": \"base64:type15:VQ==\"}"},
    {"opaque blob", "0ffc04000102ff", "\"base64:type252:AAEC/w==\""},
    {"opaque var_string", "0ffd05706c61696e", "\"plain\""},
    {"opaque geometry long",
     "0fff3c000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b",
     "\"base64:type255:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\\nOTo7\""},
};

TEST(JsonBinary, RendersLikeMySql) {
  for (const auto& c : kJsonCases) {
    SCOPED_TRACE(c.name);
    auto doc = hex(c.bytes);
    auto text = json_binary_to_text(doc);
    ASSERT_TRUE(text) << text.error().message();
    EXPECT_EQ(*text, c.text);
  }
}

TEST(JsonBinary, EveryTruncationFailsCleanly) {
  for (const auto& c : kJsonCases) {
    SCOPED_TRACE(c.name);
    auto doc = hex(c.bytes);
    for (std::size_t n = 1; n < doc.size(); ++n) {
      auto text = json_binary_to_text(Bytes(doc).first(n));
      EXPECT_FALSE(text) << "prefix " << n << " decoded as " << (text ? *text : "");
    }
  }
}

TEST(JsonBinary, EmptyDocumentIsNull) {
  auto text = json_binary_to_text({});
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "null");
}

TEST(JsonBinary, CorruptOffsetsAndTypesAreErrors) {
  struct Bad {
    const char* name;
    const char* bytes;
    Errc code;
  } cases[] = {
      {"unknown type", "0d00", Errc::kBadValue},
      {"bad literal", "0403", Errc::kBadValue},
      {"object size beyond data", "000100ff00", Errc::kTruncated},
      {"count larger than header allows", "00ff000400", Errc::kBadLength},
      // one-element array whose value offset points past its size
      {"value offset past end", "020100080002ff0000", Errc::kBadLength},
      // one-element array whose value offset points into the header
      {"value offset into header", "020100080002020000", Errc::kBadLength},
      // object with key offset past the end
      {"key offset past end", "0001000e00ff000100040100616100", Errc::kBadLength},
      {"string length past end", "0c05616263", Errc::kTruncated},
      {"varlen too long", "0cffffffffff01", Errc::kBadLength},
      {"opaque decimal bad meta", "0ff60300ff80", Errc::kBadValue},
      {"opaque date too short", "0f0a0401020304", Errc::kTruncated},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto text = json_binary_to_text(hex(c.bytes));
    ASSERT_FALSE(text);
    EXPECT_TRUE(text.error().is(c.code)) << text.error().message();
  }
}

// Nested single-element small arrays, `depth` levels deep, innermost empty.
std::vector<std::uint8_t> nested_arrays(int depth) {
  std::vector<std::uint8_t> v = {0x00, 0x00, 0x04, 0x00};  // empty array body
  for (int i = 1; i < depth; ++i) {
    const std::size_t size = 7 + v.size();
    std::vector<std::uint8_t> outer = {
        0x01, 0x00, static_cast<std::uint8_t>(size), static_cast<std::uint8_t>(size >> 8), 0x02, 0x07, 0x00};
    outer.insert(outer.end(), v.begin(), v.end());
    v = std::move(outer);
  }
  v.insert(v.begin(), 0x02);
  return v;
}

TEST(JsonBinary, DepthLimit) {
  auto ok = json_binary_to_text(nested_arrays(kMaxJsonDepth));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(*ok, std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'));
  auto deep = json_binary_to_text(nested_arrays(kMaxJsonDepth + 1));
  ASSERT_FALSE(deep);
  EXPECT_TRUE(deep.error().is(Errc::kUnsupported));
}

void put_le(std::vector<std::uint8_t>& v, std::uint64_t x, int n) {
  for (int i = 0; i < n; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

TEST(JsonBinary, LargeDocumentsOver64KiB) {
  // Large array holding one 70000-byte string: [type 03][count][size][entry 0c + offset][varlen][data]
  const std::string big(70000, 'x');
  std::vector<std::uint8_t> doc = {0x03};
  const std::uint32_t header = 4 + 4 + 5;
  const std::uint32_t size = header + 3 + static_cast<std::uint32_t>(big.size());  // varlen(70000) = 3 bytes
  put_le(doc, 1, 4);
  put_le(doc, size, 4);
  doc.push_back(0x0c);
  put_le(doc, header, 4);
  doc.push_back(static_cast<std::uint8_t>(0x80 | (70000 & 0x7f)));
  doc.push_back(static_cast<std::uint8_t>(0x80 | ((70000 >> 7) & 0x7f)));
  doc.push_back(static_cast<std::uint8_t>(70000 >> 14));
  doc.insert(doc.end(), big.begin(), big.end());
  auto text = json_binary_to_text(doc);
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ(*text, "[\"" + big + "\"]");

  // Large object with 6000 keys "k0000".."k5999", each an inlined int32 (large format only).
  const int n = 6000;
  std::vector<std::uint8_t> obj = {0x01};
  const std::uint32_t hdr = 8 + n * (4 + 2) + n * (1 + 4);
  const std::uint32_t osize = hdr + n * 5;
  put_le(obj, n, 4);
  put_le(obj, osize, 4);
  for (int i = 0; i < n; ++i) {
    put_le(obj, hdr + i * 5, 4);
    put_le(obj, 5, 2);
  }
  for (int i = 0; i < n; ++i) {
    obj.push_back(0x07);
    put_le(obj, static_cast<std::uint32_t>(-i), 4);
  }
  std::string expected = "{";
  for (int i = 0; i < n; ++i) {
    char key[8];
    std::snprintf(key, sizeof key, "k%04d", i);
    obj.insert(obj.end(), key, key + 5);
    if (i) expected += ", ";
    expected += std::string("\"") + key + "\": " + std::to_string(-i);
  }
  expected += "}";
  ASSERT_GT(obj.size(), 65536u);
  auto otext = json_binary_to_text(obj);
  ASSERT_TRUE(otext) << otext.error().message();
  EXPECT_EQ(*otext, expected);
  // Truncating the large object anywhere fails.
  for (std::size_t cut : {std::size_t{1}, std::size_t{8}, std::size_t{100}, obj.size() / 2, obj.size() - 1}) {
    EXPECT_FALSE(json_binary_to_text(Bytes(obj).first(cut))) << cut;
  }
}

TEST(JsonBinary, Diffs) {
  struct Case {
    const char* name;
    const char* bytes;
    const char* text;
    std::size_t boundary;  // a prefix that ends exactly after a whole diff is a valid list
  } cases[] = {
      // From mysql-8.0/rmc__json.binlog.000001 @3750 (PARTIAL_UPDATE_ROWS), first row.
      {"replace from fixture",
       "0005242e616765"
       "03"
       "051a00",
       "JSON_DIFF[REPLACE $.age 26]", 0},
      {"insert then remove",
       "01 09 242e746167735b305d 03 0c0178"
       "02 05 242e6f6c64",
       "JSON_DIFF[INSERT $.tags[0] \"x\", REMOVE $.old]", 15},
      {"empty list", "", "JSON_DIFF[]", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto bytes = hex(c.bytes);
    auto text = json_diffs_to_text(bytes);
    ASSERT_TRUE(text) << text.error().message();
    EXPECT_EQ(*text, c.text);
    for (std::size_t n = 1; n < bytes.size(); ++n) {
      if (n == c.boundary) continue;
      EXPECT_FALSE(json_diffs_to_text(Bytes(bytes).first(n))) << "prefix " << n;
    }
  }
  auto bad_op = json_diffs_to_text(hex("0300"));
  ASSERT_FALSE(bad_op);
  EXPECT_TRUE(bad_op.error().is(Errc::kBadValue));
}

TEST(JsonBinary, ThroughRowDecoder) {
  // JSON column: 4-byte length prefix (meta 4), then the document; length 0 is JSON null.
  auto bytes = hex("02000000 0401");
  ByteReader r(bytes);
  auto v = decode_value(r, ColumnType::kJson, 4, false);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(std::get<JsonValue>(*v).text, "true");
  auto empty = hex("00000000");
  ByteReader r2(empty);
  auto n = decode_value(r2, ColumnType::kJson, 4, false);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::get<JsonValue>(*n).text, "null");
  auto broken = hex("02000000 0403");
  ByteReader r3(broken);
  auto b = decode_value(r3, ColumnType::kJson, 4, false);
  ASSERT_FALSE(b);
  EXPECT_TRUE(b.error().is(Errc::kBadValue));
  EXPECT_NE(b.error().context.find("JSON literal"), std::string::npos) << b.error().context;
}

TEST(JsonBinary, DoubleFormatting) {
  struct Case {
    double d;
    const char* text;
  } cases[] = {
      {0.0, "0"},
      {1.0, "1"},
      {-1.5, "-1.5"},
      {1e21, "1e21"},
      {123456789012345.0, "123456789012345"},
      {1234567890123456.0, "1.234567890123456e15"},
      {0.5, "0.5"},
      {1.7976931348623157e308, "1.7976931348623157e308"},
      {5e-324, "5e-324"},
      {0.30000000000000004, "0.30000000000000004"},
      {1e-14, "0.00000000000001"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    std::string s;
    append_mysql_double(s, c.d);
    EXPECT_EQ(s, c.text);
  }
}

}  // namespace
}  // namespace ghostcut::binlog
