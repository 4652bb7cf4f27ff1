#include "engine/apply/value_sql.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

using namespace ghostcut;
using namespace ghostcut::engine;
using binlog::Value;

namespace {

struct Case {
  const char* name;
  Value value;
  std::string charset;
  std::string expected;
};

TEST(ValueSql, Literals) {
  using namespace binlog;
  const Case cases[] = {
      {"null", NullValue{}, "", "NULL"},
      {"int min", std::numeric_limits<std::int64_t>::min(), "", "-9223372036854775808"},
      {"int", std::int64_t{-5}, "", "-5"},
      {"uint max", std::numeric_limits<std::uint64_t>::max(), "", "18446744073709551615"},
      {"float", 1.5f, "", "1.5e0"},
      {"float max", -3.40282e38f, "", "-3.402820018375656e+38"},
      {"double", 0.1, "", "0.10000000000000001e0"},
      {"double max", 1.7976931348623157e308, "", "1.7976931348623157e+308"},
      {"double tiny", -2.25e-100, "", "-2.25e-100"},
      {"double zero", 0.0, "", "0e0"},
      {"decimal", DecimalValue{"-1234.5600"}, "", "-1234.5600"},
      {"year", YearValue{2024}, "", "2024"},
      {"zero year", YearValue{0}, "", "0"},
      {"date", DateValue{2024, 2, 29}, "", "'2024-02-29'"},
      {"zero date", DateValue{0, 0, 0}, "", "'0000-00-00'"},
      {"time negative", TimeValue{true, 838, 59, 59, 0, 0}, "", "'-838:59:59'"},
      {"time micros", TimeValue{false, 12, 34, 56, 789012, 6}, "", "'12:34:56.789012'"},
      {"time ms", TimeValue{true, 0, 0, 0, 1000, 3}, "", "'-00:00:00.001'"},
      {"datetime", DateTimeValue{2024, 2, 29, 12, 0, 0, 500000, 1}, "", "'2024-02-29 12:00:00.5'"},
      {"zero datetime", DateTimeValue{}, "", "'0000-00-00 00:00:00'"},
      {"timestamp epoch+1", TimestampValue{1, 0, 0}, "", "'1970-01-01 00:00:01'"},
      {"timestamp max", TimestampValue{2147483647, 990000, 2}, "", "'2038-01-19 03:14:07.99'"},
      {"timestamp leap day", TimestampValue{1709208000, 123456, 6}, "", "'2024-02-29 12:00:00.123456'"},
      {"zero timestamp", TimestampValue{0, 0, 0}, "", "'0000-00-00 00:00:00'"},
      {"zero timestamp(3)", TimestampValue{0, 0, 3}, "", "'0000-00-00 00:00:00.000'"},
      {"bytes", BytesValue{std::string("\x00\x27\x5c\xff", 4)}, "", "X'00275CFF'"},
      {"empty bytes", BytesValue{""}, "", "X''"},
      {"binary charset", BytesValue{"a"}, "binary", "X'61'"},
      {"latin1 text", BytesValue{"\xe9"}, "latin1", "_latin1 X'E9'"},
      {"utf8mb4 text", BytesValue{"\xe2\x9c\x93"}, "utf8mb4", "_utf8mb4 X'E29C93'"},
      {"json", JsonValue{"{\"a\":1}", false}, "", "CONVERT(X'7B2261223A317D' USING utf8mb4)"},
      {"enum", EnumValue{3}, "", "3"},
      {"set", SetValue{0b101}, "", "5"},
      {"bit 64", BitValue{~0ull, 64}, "", "18446744073709551615"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(sql_literal(c.value, c.charset), c.expected);
    if (c.charset.empty()) {
      EXPECT_EQ(sql_literal(c.value), c.expected);
    }
  }
}

TEST(ValueSql, ApproximateNumbersRoundTrip) {
  const double doubles[] = {0.1, 1.0 / 3, 1e-300, -1.7976931348623157e308, 4.9e-324, 123456789.123456789};
  for (double d : doubles) {
    SCOPED_TRACE(d);
    EXPECT_EQ(std::strtod(sql_literal(d).c_str(), nullptr), d);
  }
  const float floats[] = {0.1f, 1.0f / 3, 3.40282e38f, 1.17549435e-38f, 16777217.0f};
  for (float f : floats) {
    SCOPED_TRACE(f);
    EXPECT_EQ(static_cast<float>(std::strtod(sql_literal(f).c_str(), nullptr)), f);
  }
}

TEST(ValueSql, PartialJsonIsRefused) {
  try {
    (void)sql_literal(binlog::JsonValue{"JSON_DIFF[REPLACE $.a 1]", true});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("binlog_row_value_options=''"), std::string::npos) << e.what();
  }
}

TEST(ValueSql, UtcDatetimeText) {
  struct C {
    std::int64_t s;
    std::uint32_t us;
    int dec;
    const char* text;
  };
  const C cases[] = {{0, 0, 0, "1970-01-01 00:00:00"},
                     {86399, 0, 0, "1970-01-01 23:59:59"},
                     {951782400, 0, 0, "2000-02-29 00:00:00"},
                     {4102444799, 999999, 6, "2099-12-31 23:59:59.999999"},
                     {-1, 0, 0, "1969-12-31 23:59:59"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(utc_datetime_text(c.s, c.us, c.dec), c.text);
  }
}

}  // namespace
