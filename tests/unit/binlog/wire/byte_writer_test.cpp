#include "binlog/wire/byte_writer.h"

#include <gtest/gtest.h>

#include "wire_test_util.h"

using namespace ghostcut::binlog;
using ghostcut::binlog::test::to_hex;

TEST(ByteWriter, FixedWidthLittleEndian) {
  ByteWriter w;
  w.u8(0x01);
  w.u16(0x0302);
  w.u24(0x060504);
  w.u32(0x0A090807);
  w.u64(0x1211100F0E0D0C0BULL);
  EXPECT_EQ(to_hex(w.data()), "0102030405060708090a0b0c0d0e0f101112");
}

TEST(ByteWriter, LengthEncodedIntegerBoundaries) {
  struct Case {
    const char* name;
    std::uint64_t v;
    const char* hex;
  };
  const Case cases[] = {
      {"zero", 0, "00"},
      {"250 one byte", 250, "fa"},
      {"251 needs 0xFC", 251, "fcfb00"},
      {"0xFFFF", 0xFFFF, "fcffff"},
      {"0x10000 needs 0xFD", 0x10000, "fd000001"},
      {"0xFFFFFF", 0xFFFFFF, "fdffffff"},
      {"0x1000000 needs 0xFE", 0x1000000, "fe0000000100000000"},
      {"max", ~0ULL, "feffffffffffffffff"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ByteWriter w;
    w.lenenc(c.v);
    EXPECT_EQ(to_hex(w.data()), c.hex);
    ByteReader r(w.data());
    EXPECT_EQ(r.lenenc(), c.v);
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.at_end());
  }
}

TEST(ByteWriter, StringsRoundTripThroughReader) {
  ByteWriter w;
  w.lenenc_str("abc");
  w.null_str("user");
  w.lenenc_str(std::string(300, 'x'));
  w.zeros(2);
  w.str("tail");
  ByteReader r(w.data());
  EXPECT_EQ(r.lenenc_str(), "abc");
  EXPECT_EQ(r.null_str(), "user");
  EXPECT_EQ(r.lenenc_str(), std::string(300, 'x'));
  EXPECT_EQ(r.u16(), 0u);
  EXPECT_EQ(r.rest_str(), "tail");
  EXPECT_TRUE(r.ok());
}

TEST(ByteWriter, TakeLeavesWriterEmpty) {
  ByteWriter w;
  w.u32(7);
  auto v = w.take();
  EXPECT_EQ(v.size(), 4u);
  EXPECT_EQ(w.size(), 0u);
}
