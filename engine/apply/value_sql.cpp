#include "engine/apply/value_sql.h"

#include <cstdio>
#include <stdexcept>

#include "binlog/row/temporal.h"
#include "engine/sql/quoting.h"

namespace ghostcut::engine {
namespace {

// X'…' appended in place (hex_literal's temporary string showed in the applier's profile).
void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto at = out.size();
  out.resize(at + bytes.size() * 2 + 3);
  char* p = out.data() + at;
  *p++ = 'X';
  *p++ = '\'';
  for (unsigned char c : bytes) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 0xF];
  }
  *p = '\'';
}

// Days since 1970-01-01 → civil date (proleptic Gregorian; H. Hinnant's algorithm).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

// printf output of a double with an exponent, so the server reads it as a double literal.
void append_approx(std::string& out, double d, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, d);
  out += buf;
  std::string_view s(buf);
  if (s.find_first_of("eE") == std::string_view::npos) out += "e0";
}

void append_quoted_ascii(std::string& out, const std::string& text) {
  out.push_back('\'');
  out += text;
  out.push_back('\'');
}

}  // namespace

std::string utc_datetime_text(std::int64_t seconds, std::uint32_t micros, int decimals) {
  std::int64_t days = seconds / 86400;
  std::int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  binlog::DateTimeValue v;
  v.year = static_cast<std::uint16_t>(y);
  v.month = static_cast<std::uint8_t>(m);
  v.day = static_cast<std::uint8_t>(d);
  v.hour = static_cast<std::uint8_t>(rem / 3600);
  v.minute = static_cast<std::uint8_t>(rem / 60 % 60);
  v.second = static_cast<std::uint8_t>(rem % 60);
  v.micros = micros;
  std::string out;
  binlog::append_datetime_text(out, v, decimals);
  return out;
}

void append_sql_literal(std::string& out, const binlog::Value& v, std::string_view charset) {
  using namespace binlog;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, NullValue>) {
          out += "NULL";
        } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t>) {
          out += std::to_string(x);
        } else if constexpr (std::is_same_v<T, float>) {
          // The float's exact value as a double (17 digits), not its shortest 9-digit text:
          // FLOAT -> DOUBLE/DECIMAL/VARCHAR in the ghost must give native ALTER's bytes, and a
          // FLOAT target rounds the exact double back to the same float.
          append_approx(out, static_cast<double>(x), 17);
        } else if constexpr (std::is_same_v<T, double>) {
          append_approx(out, x, 17);
        } else if constexpr (std::is_same_v<T, DecimalValue>) {
          out += x.text;
        } else if constexpr (std::is_same_v<T, YearValue>) {
          out += std::to_string(x.year);  // numeric 0 is the zero year 0000 (string '0' would be 2000)
        } else if constexpr (std::is_same_v<T, DateValue>) {
          std::string s;
          append_date_text(s, x.year, x.month, x.day);
          append_quoted_ascii(out, s);
        } else if constexpr (std::is_same_v<T, TimeValue>) {
          std::string s;
          append_time_text(s, x, x.decimals);
          append_quoted_ascii(out, s);
        } else if constexpr (std::is_same_v<T, DateTimeValue>) {
          std::string s;
          append_datetime_text(s, x, x.decimals);
          append_quoted_ascii(out, s);
        } else if constexpr (std::is_same_v<T, TimestampValue>) {
          if (x.seconds == 0 && x.micros == 0) {
            std::string s = "0000-00-00 00:00:00";
            if (x.decimals) s += "." + std::string(x.decimals, '0');
            append_quoted_ascii(out, s);
          } else {
            append_quoted_ascii(out, utc_datetime_text(x.seconds, x.micros, x.decimals));
          }
        } else if constexpr (std::is_same_v<T, BytesValue>) {
          if (!charset.empty() && charset != "binary") {
            out.push_back('_');
            out += charset;
            out.push_back(' ');
          }
          append_hex(out, x.bytes());
        } else if constexpr (std::is_same_v<T, JsonValue>) {
          if (x.partial)
            throw std::invalid_argument(
                "a partial JSON update (PARTIAL_UPDATE_ROWS) has no full value to write; set "
                "binlog_row_value_options='' on the server");
          out += "CONVERT(" + hex_literal(x.text) + " USING utf8mb4)";
        } else if constexpr (std::is_same_v<T, EnumValue>) {
          out += std::to_string(x.index);
        } else if constexpr (std::is_same_v<T, SetValue> || std::is_same_v<T, BitValue>) {
          out += std::to_string(x.bits);
        }
      },
      v);
}

void append_sql_literal(std::string& out, const binlog::Value& v) { append_sql_literal(out, v, {}); }

std::string sql_literal(const binlog::Value& v) {
  std::string out;
  append_sql_literal(out, v);
  return out;
}

std::string sql_literal(const binlog::Value& v, std::string_view charset) {
  std::string out;
  append_sql_literal(out, v, charset);
  return out;
}

}  // namespace ghostcut::engine
