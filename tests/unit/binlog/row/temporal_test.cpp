// Temporal values. Expected bytes were computed with an independent encoder written from MySQL's
// documented storage formats (my_time_packed_to_binary, my_datetime_packed_to_binary,
// my_timestamp_to_binary); -507:48:27 also matches mysql-8.0/rmc__time_issue.000001.
#include <gtest/gtest.h>

#include "binlog/row/row_decoder.h"
#include "binlog/row/temporal.h"
#include "row_test_util.h"

namespace ghostcut::binlog {
namespace {

using test::hex;

struct TimeCase {
  int fsp;
  const char* bytes;
  bool negative;
  std::uint32_t hours;
  int minutes, seconds;
  std::uint32_t micros;
  const char* text;
};

TEST(Temporal, Time2AllPrecisionsAndNegatives) {
  const TimeCase cases[] = {
      {0, "800000", false, 0, 0, 0, 0, "00:00:00"},
      {0, "b46efb", false, 838, 59, 59, 0, "838:59:59"},
      {0, "4b9105", true, 838, 59, 59, 0, "-838:59:59"},
      {0, "6043e5", true, 507, 48, 27, 0, "-507:48:27"},
      {0, "80c8b8", false, 12, 34, 56, 0, "12:34:56"},
      {1, "80c8b80a", false, 12, 34, 56, 100000, "12:34:56.1"},
      {2, "80c8b80c", false, 12, 34, 56, 120000, "12:34:56.12"},
      {3, "80c8b804ce", false, 12, 34, 56, 123000, "12:34:56.123"},
      {4, "80c8b804d2", false, 12, 34, 56, 123400, "12:34:56.1234"},
      {5, "80c8b801e23a", false, 12, 34, 56, 123450, "12:34:56.12345"},
      {6, "80c8b801e240", false, 12, 34, 56, 123456, "12:34:56.123456"},
      {1, "7ffffece", true, 0, 0, 1, 500000, "-00:00:01.5"},
      {2, "7fffffff", true, 0, 0, 0, 10000, "-00:00:00.01"},
      {3, "7fef7cfb32", true, 1, 2, 3, 123000, "-01:02:03.123"},
      {4, "7fef7cffff", true, 1, 2, 3, 100, "-01:02:03.0001"},
      {5, "7fef7cfffff6", true, 1, 2, 3, 10, "-01:02:03.00001"},
      {6, "4b9104f0bdc1", true, 838, 59, 59, 999999, "-838:59:59.999999"},
      {6, "7fffffffffff", true, 0, 0, 0, 1, "-00:00:00.000001"},
      {2, "92c00000", false, 300, 0, 0, 0, "300:00:00.00"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto bytes = hex(c.bytes);
    ByteReader r(bytes);
    auto v = decode_value(r, ColumnType::kTime2, static_cast<std::uint16_t>(c.fsp), false);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_TRUE(r.at_end());
    const auto& t = std::get<TimeValue>(*v);
    EXPECT_EQ(t.negative, c.negative);
    EXPECT_EQ(t.hours, c.hours);
    EXPECT_EQ(t.minutes, c.minutes);
    EXPECT_EQ(t.seconds, c.seconds);
    EXPECT_EQ(t.micros, c.micros);
    EXPECT_EQ(t.decimals, c.fsp);
    EXPECT_EQ(to_string(*v), std::string("'") + c.text + "'");
    for (std::size_t n = 0; n < bytes.size(); ++n) {  // every truncation fails cleanly
      ByteReader tr{Bytes(bytes).first(n)};
      auto bad = decode_value(tr, ColumnType::kTime2, static_cast<std::uint16_t>(c.fsp), false);
      ASSERT_FALSE(bad);
      EXPECT_TRUE(bad.error().is(Errc::kTruncated)) << bad.error().message();
    }
  }
}

struct DateTimeCase {
  int fsp;
  const char* bytes;
  DateTimeValue expected;
  const char* text;
};

TEST(Temporal, DateTime2AllPrecisions) {
  const DateTimeCase cases[] = {
      {0, "998be4b7ad", {2012, 3, 18, 11, 30, 45, 0, 0}, "'2012-03-18 11:30:45'"},
      {0, "8000000000", {0, 0, 0, 0, 0, 0, 0, 0}, "'0000-00-00 00:00:00'"},
      {6, "fef3ff7efb0f423f", {9999, 12, 31, 23, 59, 59, 999999, 6}, "'9999-12-31 23:59:59.999999'"},
      {1, "99b2ba108332", {2024, 2, 29, 1, 2, 3, 500000, 1}, "'2024-02-29 01:02:03.5'"},
      {2, "99b2ba10832d", {2024, 2, 29, 1, 2, 3, 450000, 2}, "'2024-02-29 01:02:03.45'"},
      {3, "99b2ba108311d0", {2024, 2, 29, 1, 2, 3, 456000, 3}, "'2024-02-29 01:02:03.456'"},
      {4, "99b2ba108311d7", {2024, 2, 29, 1, 2, 3, 456700, 4}, "'2024-02-29 01:02:03.4567'"},
      {5, "99b2ba108306f84c", {2024, 2, 29, 1, 2, 3, 456780, 5}, "'2024-02-29 01:02:03.45678'"},
      {6, "99b2ba108306f855", {2024, 2, 29, 1, 2, 3, 456789, 6}, "'2024-02-29 01:02:03.456789'"},
      {0, "8cb2420000", {1000, 1, 1, 0, 0, 0, 0, 0}, "'1000-01-01 00:00:00'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto bytes = hex(c.bytes);
    ByteReader r(bytes);
    auto v = decode_value(r, ColumnType::kDateTime2, static_cast<std::uint16_t>(c.fsp), false);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(std::get<DateTimeValue>(*v), c.expected);
    EXPECT_EQ(to_string(*v), c.text);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      ByteReader tr{Bytes(bytes).first(n)};
      auto bad = decode_value(tr, ColumnType::kDateTime2, static_cast<std::uint16_t>(c.fsp), false);
      ASSERT_FALSE(bad);
      EXPECT_TRUE(bad.error().is(Errc::kTruncated)) << bad.error().message();
    }
  }
}

TEST(Temporal, Timestamp2AllPrecisions) {
  struct Case {
    int fsp;
    const char* bytes;
    std::int64_t seconds;
    std::uint32_t micros;
    const char* text;
  } cases[] = {
      {0, "00000000", 0, 0, "0"},
      {0, "604f1e2a", 1615797802, 0, "1615797802"},
      {0, "7fffffff", 2147483647, 0, "2147483647"},
      {1, "604f1e2a5a", 1615797802, 900000, "1615797802.9"},
      {2, "604f1e2a63", 1615797802, 990000, "1615797802.99"},
      {3, "604f1e2a2706", 1615797802, 999000, "1615797802.999"},
      {4, "604f1e2a270f", 1615797802, 999900, "1615797802.9999"},
      {5, "604f1e2a0f4236", 1615797802, 999990, "1615797802.99999"},
      {6, "604f1e2a0f423f", 1615797802, 999999, "1615797802.999999"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto bytes = hex(c.bytes);
    ByteReader r(bytes);
    auto v = decode_value(r, ColumnType::kTimestamp2, static_cast<std::uint16_t>(c.fsp), false);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(std::get<TimestampValue>(*v), (TimestampValue{c.seconds, c.micros, static_cast<std::uint8_t>(c.fsp)}));
    EXPECT_EQ(to_string(*v), c.text);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      ByteReader tr{Bytes(bytes).first(n)};
      auto bad = decode_value(tr, ColumnType::kTimestamp2, static_cast<std::uint16_t>(c.fsp), false);
      ASSERT_FALSE(bad);
      EXPECT_TRUE(bad.error().is(Errc::kTruncated));
    }
  }
}

TEST(Temporal, OldFormatsYearDate) {
  struct Case {
    const char* name;
    ColumnType type;
    const char* bytes;
    Value expected;
    const char* text;
  } cases[] = {
      {"year zero", ColumnType::kYear, "00", YearValue{0}, "0"},
      {"year 1901", ColumnType::kYear, "01", YearValue{1901}, "1901"},
      {"year 2155", ColumnType::kYear, "ff", YearValue{2155}, "2155"},
      // DATE: day | month << 5 | year << 9, 3 bytes LE. 2012-03-18 = 18 | 3<<5 | 2012<<9 = 0x0FB872
      {"date", ColumnType::kDate, "72b80f", DateValue{2012, 3, 18}, "'2012-03-18'"},
      {"zero date", ColumnType::kDate, "000000", DateValue{0, 0, 0}, "'0000-00-00'"},
      {"newdate", ColumnType::kNewDate, "72b80f", DateValue{2012, 3, 18}, "'2012-03-18'"},
      {"date 9999-12-31", ColumnType::kDate, "9f1f4e", DateValue{9999, 12, 31}, "'9999-12-31'"},
      // Old TIME: HHMMSS as a signed 3-byte LE integer. 123456 = 0x01E240; -123456 = 0xFE1DC0
      {"time", ColumnType::kTime, "40e201", TimeValue{false, 12, 34, 56, 0, 0}, "'12:34:56'"},
      {"negative time", ColumnType::kTime, "c01dfe", TimeValue{true, 12, 34, 56, 0, 0}, "'-12:34:56'"},
      // 8385959 = 0x7FF5A7: 838:59:59
      {"max time", ColumnType::kTime, "a7f57f", TimeValue{false, 838, 59, 59, 0, 0}, "'838:59:59'"},
      // Old DATETIME: YYYYMMDDhhmmss as 8-byte LE. 20120318113045 = 0x124C_A069_F515
      {"datetime", ColumnType::kDateTime, "15f569a04c120000", DateTimeValue{2012, 3, 18, 11, 30, 45, 0, 0},
       "'2012-03-18 11:30:45'"},
      {"zero datetime", ColumnType::kDateTime, "0000000000000000", DateTimeValue{}, "'0000-00-00 00:00:00'"},
      // TIMESTAMP: 4-byte LE seconds
      {"timestamp", ColumnType::kTimestamp, "2a1e4f60", TimestampValue{1615797802, 0, 0}, "1615797802"},
      {"zero timestamp", ColumnType::kTimestamp, "00000000", TimestampValue{}, "0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto bytes = hex(c.bytes);
    ByteReader r(bytes);
    auto v = decode_value(r, c.type, 0, false);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(*v, c.expected);
    EXPECT_EQ(to_string(*v), c.text);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      ByteReader tr{Bytes(bytes).first(n)};
      auto bad = decode_value(tr, c.type, 0, false);
      ASSERT_FALSE(bad);
      EXPECT_TRUE(bad.error().is(Errc::kTruncated));
    }
  }
}

TEST(Temporal, BadMetadataAndImpossibleValues) {
  auto bytes = hex("80000000000000");
  for (ColumnType t : {ColumnType::kTime2, ColumnType::kDateTime2, ColumnType::kTimestamp2}) {
    SCOPED_TRACE(std::string(column_type_name(t)));
    ByteReader r(bytes);
    auto v = decode_value(r, t, 7, false);  // fsp 7 does not exist
    ASSERT_FALSE(v);
    EXPECT_TRUE(v.error().is(Errc::kBadValue));
  }
  // TIME2 with minutes = 63 (0x800FC0: hms = 63 << 6)
  auto bad_minutes = hex("800fc0");
  ByteReader r(bad_minutes);
  auto v = decode_value(r, ColumnType::kTime2, 0, false);
  ASSERT_FALSE(v);
  EXPECT_TRUE(v.error().is(Errc::kBadValue));
  // DATETIME2 below the offset would be a negative datetime
  auto negative = hex("7fffffffff");
  ByteReader r2(negative);
  auto v2 = decode_value(r2, ColumnType::kDateTime2, 0, false);
  ASSERT_FALSE(v2);
  EXPECT_TRUE(v2.error().is(Errc::kBadValue));
}

TEST(Temporal, PackedForms) {
  // JSON opaque TIME 87:31:46.654321 (mysql-9.x/rmc__json-opaque.binlog)
  const std::int64_t hms = (87 << 12) | (31 << 6) | 46;
  TimeValue t = time_from_packed((hms << 24) + 654321);
  EXPECT_EQ(t, (TimeValue{false, 87, 31, 46, 654321, 0}));
  TimeValue n = time_from_packed(-((hms << 24) + 654321));
  EXPECT_TRUE(n.negative);
  EXPECT_EQ(n.hours, 87u);
  std::string s;
  append_time_text(s, n, 6);
  EXPECT_EQ(s, "-87:31:46.654321");
  const std::int64_t ymd = ((2012 * 13 + 3) << 5) | 18;
  DateTimeValue d = datetime_from_packed(((ymd << 17) | (11 << 12) | (30 << 6) | 45) << 24);
  EXPECT_EQ(d, (DateTimeValue{2012, 3, 18, 11, 30, 45, 0, 0}));
}

}  // namespace
}  // namespace ghostcut::binlog
