#include "binlog/wire/byte_reader.h"

#include <gtest/gtest.h>

#include <vector>

using namespace ghostcut::binlog;

TEST(ByteReader, ReadsLittleAndBigEndian) {
  std::vector<std::uint8_t> b{0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  ByteReader r{Bytes(b)};
  EXPECT_EQ(r.u16(), 0x0201u);
  EXPECT_EQ(r.uint_be(2), 0x0304u);
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_TRUE(r.ok());
}

TEST(ByteReader, FailureSticksAndReturnsZero) {
  std::vector<std::uint8_t> b{0x01, 0x02};
  ByteReader r{Bytes(b)};
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0u);  // even though a byte is there, the error sticks
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteReader, LengthEncodedIntegers) {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
    std::optional<std::uint64_t> want;
    bool ok;
  };
  const Case cases[] = {
      {"one byte", {0xFA}, 250, true},
      {"null marker", {0xFB}, std::nullopt, true},
      {"two bytes", {0xFC, 0x34, 0x12}, 0x1234, true},
      {"three bytes", {0xFD, 0x56, 0x34, 0x12}, 0x123456, true},
      {"eight bytes", {0xFE, 1, 2, 3, 4, 5, 6, 7, 8}, 0x0807060504030201ULL, true},
      {"0xFF is invalid", {0xFF}, 0, false},
      {"truncated two", {0xFC, 0x34}, 0, false},
      {"empty", {}, 0, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ByteReader r{Bytes(c.bytes)};
    auto v = r.lenenc_nullable();
    EXPECT_EQ(r.ok(), c.ok);
    if (c.ok) {
      EXPECT_EQ(v, c.want);
    }
  }
}

TEST(ByteReader, Strings) {
  std::string s(
      "\x03"
      "abc"
      "xyz\0rest",
      12);
  ByteReader r{as_bytes(s)};
  EXPECT_EQ(r.lenenc_str(), "abc");
  EXPECT_EQ(r.null_str(), "xyz");
  EXPECT_EQ(r.rest_str(), "rest");
  EXPECT_TRUE(r.at_end());
  ByteReader bad{
      as_bytes(std::string_view("\x05"
                                "ab"))};
  EXPECT_EQ(bad.lenenc_str(), "");
  EXPECT_FALSE(bad.ok());
}
