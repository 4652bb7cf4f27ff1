// `ghostcut tail` prints text in its column's charset transcoded to UTF-8 (issue #11).
#include "binlog/row/value_json.h"

#include <gtest/gtest.h>

using namespace ghostcut::binlog;

TEST(ValueJsonCharset, TranscodesKnownCharsets) {
  EXPECT_EQ(to_utf8("caf\xE9", "latin1"), std::optional<std::string>("caf\xC3\xA9"));
  EXPECT_EQ(to_utf8("\x80", "latin1"), std::optional<std::string>("\xE2\x82\xAC"));  // cp1252 euro
  EXPECT_EQ(to_utf8("\x81", "latin1"), std::optional<std::string>("\xC2\x81"));      // undefined: C1 control
  EXPECT_EQ(to_utf8("ok", "ascii"), std::optional<std::string>("ok"));
  EXPECT_FALSE(to_utf8("\xE9", "ascii"));
  EXPECT_EQ(to_utf8("\xF0\x9F\x98\x80", "utf8mb4"), std::optional<std::string>("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(to_utf8("\xE9", "utf8mb4"));
  EXPECT_EQ(to_utf8(std::string("\x00\xE9", 2), "ucs2"), std::optional<std::string>("\xC3\xA9"));
  EXPECT_EQ(to_utf8(std::string("\xD8\x3D\xDE\x00", 4), "utf16"), std::optional<std::string>("\xF0\x9F\x98\x80"));
  EXPECT_EQ(to_utf8(std::string("\x3D\xD8\x00\xDE", 4), "utf16le"), std::optional<std::string>("\xF0\x9F\x98\x80"));
  EXPECT_EQ(to_utf8(std::string("\x00\x01\xF6\x00", 4), "utf32"), std::optional<std::string>("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(to_utf8(std::string("\xD8\x3D", 2), "utf16"));  // a lone surrogate
  EXPECT_FALSE(to_utf8("x", "gbk"));                           // not handled: stays hex
}

TEST(ValueJsonCharset, RowChangeUsesColumnCharsets) {
  RowChange c;
  c.kind = RowsKind::kWrite;
  c.schema = "db";
  c.table = "t";
  c.after = RowImage{{std::int64_t{1}, BytesValue{"caf\xE9"}, BytesValue{"caf\xE9"}, BytesValue{"\xFF\xFE"}},
                     {true, true, true, true}};
  const auto json = row_change_json(c, {"id", "l1", "bin", "bad"}, {"", "latin1", "binary", "utf8mb4"});
  EXPECT_NE(json.find("\"l1\":\"caf\xC3\xA9\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"bin\":{\"hex\":\"636166e9\"}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"bad\":{\"hex\":\"fffe\"}"), std::string::npos) << json;
}
