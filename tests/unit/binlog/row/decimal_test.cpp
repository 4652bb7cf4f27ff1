// Binary DECIMAL. The first two cases are the worked example in MySQL's strings/decimal.cc
// (decimal2bin comment: 1234567890.1234 as DECIMAL(14,4) = 81 0D FB 38 D2 04 D2, and its negative);
// the rest come from an independent encoder written from that description. Real server bytes
// (the go-mysql DECIMAL table) are checked in fixture_rows_test.cpp.
#include <gtest/gtest.h>

#include "binlog/row/decimal.h"
#include "binlog/row/row_decoder.h"
#include "row_test_util.h"

namespace ghostcut::binlog {
namespace {

using test::hex;

struct DecimalCase {
  const char* text;
  int precision, scale;
  const char* bytes;
};

const DecimalCase kCases[] = {
    {"1234567890.1234", 14, 4, "810dfb38d204d2"},
    {"-1234567890.1234", 14, 4, "7ef204c72dfb2d"},
    {"0", 1, 0, "80"},
    {"-1", 1, 0, "7e"},
    {"9", 1, 0, "89"},
    {"0.05", 10, 2, "8000000005"},
    {"-0.05", 10, 2, "7ffffffffa"},
    {"123456789", 9, 0, "875bcd15"},
    {"-123456789", 9, 0, "78a432ea"},
    {"1234567890", 10, 0, "810dfb38d2"},
    {"0.123456789", 9, 9, "875bcd15"},
    {"-0.123456789", 9, 9, "78a432ea"},
    {"0.1234567891", 10, 10, "875bcd1501"},
    {"99999999999999999999999999999999999.999999999999999999999999999999", 65, 30,
     "85f5e0ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff03e7"},
    {"-99999999999999999999999999999999999.999999999999999999999999999999", 65, 30,
     "7a0a1f00c4653600c4653600c4653600c4653600c4653600c4653600fc18"},
    {"12345678901234567890123456789012345678901234567890123456789012345", 65, 0,
     "8c149aa4350dfb38d2075bcd1500bc614e35b7bf87350e34c02f075f79"},
    {"-0.000000000000000000000000000001", 30, 30, "7ffffffffffffffffffffffffffe"},
    {"100.5", 4, 1, "806405"},
    {"-100.5", 4, 1, "7f9bfa"},
    {"7.00", 3, 2, "8700"},
    {"-10.55", 4, 2, "75c8"},
};

TEST(Decimal, DecodesExactText) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.text) + " DECIMAL(" + std::to_string(c.precision) + "," + std::to_string(c.scale) + ")");
    auto bytes = hex(c.bytes);
    EXPECT_EQ(decimal_binary_size(c.precision, c.scale), bytes.size());
    auto v = decode_decimal(bytes, c.precision, c.scale);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(v->text, c.text);
    // Same through the row decoder (meta = precision << 8 | scale).
    ByteReader r(bytes);
    auto dv = decode_value(r, ColumnType::kNewDecimal, static_cast<std::uint16_t>(c.precision << 8 | c.scale), false);
    ASSERT_TRUE(dv) << dv.error().message();
    EXPECT_EQ(std::get<DecimalValue>(*dv).text, c.text);
    EXPECT_TRUE(r.at_end());
  }
}

TEST(Decimal, EveryTruncationFails) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.text);
    auto bytes = hex(c.bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      ByteReader r{Bytes(bytes).first(n)};
      auto v = decode_value(r, ColumnType::kNewDecimal, static_cast<std::uint16_t>(c.precision << 8 | c.scale), false);
      ASSERT_FALSE(v);
      EXPECT_TRUE(v.error().is(Errc::kTruncated)) << v.error().message();
    }
  }
}

TEST(Decimal, NegativeZeroPrintsWithoutSign) {
  // Positive zero DECIMAL(10,2) is 80 00 00 00 00; inverting every byte gives "negative zero".
  auto v = decode_decimal(hex("7fffffffff"), 10, 2);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->text, "0.00");
  auto z = decode_decimal(hex("8000000000"), 10, 2);
  ASSERT_TRUE(z);
  EXPECT_EQ(z->text, "0.00");
}

TEST(Decimal, SizesFollowDig2Bytes) {
  EXPECT_EQ(decimal_binary_size(4, 2), 2u);
  EXPECT_EQ(decimal_binary_size(5, 0), 3u);
  EXPECT_EQ(decimal_binary_size(10, 2), 5u);
  EXPECT_EQ(decimal_binary_size(15, 14), 8u);
  EXPECT_EQ(decimal_binary_size(30, 25), 15u);  // 3 + 4 + 4 + 4
  EXPECT_EQ(decimal_binary_size(65, 30), 30u);
  EXPECT_EQ(decimal_binary_size(0, 0), 0u);
  EXPECT_EQ(decimal_binary_size(66, 0), 0u);
  EXPECT_EQ(decimal_binary_size(10, 11), 0u);
  EXPECT_EQ(decimal_binary_size(65, 31), 0u);
}

TEST(Decimal, RejectsBadMetaAndDigitGroups) {
  struct Case {
    const char* name;
    const char* bytes;
    int precision, scale;
    Errc code;
  } cases[] = {
      {"precision 0", "80", 0, 0, Errc::kBadValue},
      {"precision 66", "80", 66, 0, Errc::kBadValue},
      {"scale > precision", "80", 2, 3, Errc::kBadValue},
      {"2-digit group holding 100", "e4", 2, 0, Errc::kBadValue},        // 0x80 | 100
      {"9-digit word holding 10^9", "bb9aca00", 9, 0, Errc::kBadValue},  // 0x80 | 0x3B9ACA00
      {"fraction group holding 100", "80e4", 4, 2, Errc::kBadValue},
      {"extra byte", "8000", 1, 0, Errc::kExtraBytes},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto v = decode_decimal(hex(c.bytes), c.precision, c.scale);
    ASSERT_FALSE(v);
    EXPECT_TRUE(v.error().is(c.code)) << v.error().message();
  }
}

}  // namespace
}  // namespace ghostcut::binlog
