// to_string(Value): the mariadb-binlog -v-like text documented in value.h.
#include <gtest/gtest.h>

#include <limits>

#include "binlog/row/value.h"

namespace ghostcut::binlog {
namespace {

TEST(ValueText, EveryAlternative) {
  struct Case {
    const char* name;
    Value v;
    const char* text;
  } cases[] = {
      {"null", NullValue{}, "NULL"},
      {"int min", std::numeric_limits<std::int64_t>::min(), "-9223372036854775808"},
      {"uint max", std::numeric_limits<std::uint64_t>::max(), "18446744073709551615"},
      {"float", 0.25f, "0.25"},
      {"float max", std::numeric_limits<float>::max(), "3.4028235e+38"},
      {"double integral", 42.0, "42"},
      {"double tiny", 1e-300, "1e-300"},
      {"decimal", DecimalValue{"-0.001"}, "-0.001"},
      {"year zero", YearValue{0}, "0"},
      {"year", YearValue{2024}, "2024"},
      {"date", DateValue{999, 1, 2}, "'0999-01-02'"},
      {"time no fraction", TimeValue{false, 1, 2, 3, 0, 0}, "'01:02:03'"},
      {"time fraction ignored at precision 0", TimeValue{false, 1, 2, 3, 500000, 0}, "'01:02:03'"},
      {"time precision 3", TimeValue{true, 123, 4, 5, 60000, 3}, "'-123:04:05.060'"},
      {"datetime precision 6", DateTimeValue{2000, 12, 31, 23, 59, 58, 7, 6}, "'2000-12-31 23:59:58.000007'"},
      {"timestamp precision 2", TimestampValue{1, 50000, 2}, "1.05"},
      {"bytes quote and backslash", BytesValue{"it's a \\ test"}, "'it\\'s a \\\\ test'"},
      {"bytes control and utf8", BytesValue{"\t\xc3\xa9\x7f"}, "'\\x09\xc3\xa9\\x7f'"},
      {"json", JsonValue{R"({"a": "it's"})"}, R"('{"a": "it\'s"}')"},
      {"enum", EnumValue{3}, "3"},
      {"set empty", SetValue{0}, "b'00000000'"},
      {"set two bytes", SetValue{0x100}, "b'0000000100000000'"},
      {"bit width 1", BitValue{1, 1}, "b'1'"},
      {"bit width 0", BitValue{0, 0}, "b''"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(to_string(c.v), c.text);
  }
}

TEST(ValueText, IsNull) {
  EXPECT_TRUE(is_null(Value{NullValue{}}));
  EXPECT_FALSE(is_null(Value{std::int64_t{0}}));
  EXPECT_FALSE(is_null(Value{BytesValue{}}));
}

}  // namespace
}  // namespace ghostcut::binlog
