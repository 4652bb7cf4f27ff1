// A decoded column value. Strings stay bytes in the column's charset (never converted);
// DECIMAL stays exact text; temporal values keep their fields and fractional precision.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ghostcut::binlog {

struct NullValue {
  bool operator==(const NullValue&) const = default;
};
struct DecimalValue {  // exact text, e.g. "-1234.5600" (scale digits always present)
  std::string text;
  bool operator==(const DecimalValue&) const = default;
};
struct YearValue {  // 0 or 1901..2155
  std::uint16_t year = 0;
  bool operator==(const YearValue&) const = default;
};
struct DateValue {  // zero dates (0000-00-00) are kept as zeros
  std::uint16_t year = 0;
  std::uint8_t month = 0, day = 0;
  bool operator==(const DateValue&) const = default;
};
struct TimeValue {  // TIME range is -838:59:59.000000 .. 838:59:59.000000
  bool negative = false;
  std::uint32_t hours = 0;
  std::uint8_t minutes = 0, seconds = 0;
  std::uint32_t micros = 0;
  std::uint8_t decimals = 0;  // fractional precision 0..6 (from metadata)
  bool operator==(const TimeValue&) const = default;
};
struct DateTimeValue {
  std::uint16_t year = 0;
  std::uint8_t month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::uint32_t micros = 0;
  std::uint8_t decimals = 0;
  bool operator==(const DateTimeValue&) const = default;
};
struct TimestampValue {  // seconds since the epoch, UTC; 0 is the zero timestamp
  std::int64_t seconds = 0;
  std::uint32_t micros = 0;
  std::uint8_t decimals = 0;
  bool operator==(const TimestampValue&) const = default;
};
// CHAR/VARCHAR/BINARY/VARBINARY/BLOB/TEXT/GEOMETRY/VECTOR: raw bytes. The row decoder gives a
// view into one buffer per rows event instead of a string per value (an allocation per value was
// most of the binlog reader's CPU); each value shares the ownership of that buffer, so a value,
// and every copy of it, keeps its bytes alive: no BytesValue can outlive what it points into.
class BytesValue {
 public:
  BytesValue() = default;
  // An owning copy of `bytes` (tests, values built by hand).
  BytesValue(std::string_view bytes);  // NOLINT(google-explicit-constructor): BytesValue{"abc"}
  BytesValue(const std::string& bytes) : BytesValue(std::string_view(bytes)) {}  // NOLINT
  BytesValue(const char* bytes) : BytesValue(std::string_view(bytes)) {}         // NOLINT
  // `bytes` inside the buffer `owner` keeps alive.
  BytesValue(std::shared_ptr<const void> owner, std::string_view bytes) : owner_(std::move(owner)), bytes_(bytes) {}

  std::string_view bytes() const noexcept { return bytes_; }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool operator==(const BytesValue& o) const noexcept { return bytes_ == o.bytes_; }

 private:
  std::shared_ptr<const void> owner_;
  std::string_view bytes_;
};
struct JsonValue {  // MySQL binary JSON rendered as canonical JSON text
  std::string text;
  // PARTIAL_UPDATE_ROWS only: `text` is a readable list of JSON diffs ("JSON_DIFF[REPLACE $.a 1]",
  // see json_binary.h), not a document. The full new value is not in the binlog.
  bool partial = false;
  bool operator==(const JsonValue&) const = default;
};
struct EnumValue {  // 1-based index into the ENUM's values; 0 is the empty/error value
  std::uint16_t index = 0;
  bool operator==(const EnumValue&) const = default;
};
struct SetValue {  // bit i set = member i (0-based) present
  std::uint64_t bits = 0;
  bool operator==(const SetValue&) const = default;
};
struct BitValue {
  std::uint64_t bits = 0;
  std::uint16_t width = 0;  // number of bits in the column
  bool operator==(const BitValue&) const = default;
};

using Value =
    std::variant<NullValue, std::int64_t, std::uint64_t, float, double, DecimalValue, YearValue, DateValue, TimeValue,
                 DateTimeValue, TimestampValue, BytesValue, JsonValue, EnumValue, SetValue, BitValue>;

inline bool is_null(const Value& v) noexcept { return std::holds_alternative<NullValue>(v); }

// Human/debug text of a value, close to `mariadb-binlog -v` output (used by tests and `tail`):
//   NULL; integers in decimal; FLOAT/DOUBLE shortest round-trip (MySQL %g style: 1.5, 1e100);
//   DECIMAL as its exact text; YEAR 2024; DATE 'YYYY-MM-DD'; TIME '-HH:MM:SS[.f]';
//   DATETIME 'YYYY-MM-DD HH:MM:SS[.f]' (fraction digits = the column's precision);
//   TIMESTAMP epoch seconds[.f] (as mariadb-binlog prints it); strings/bytes single-quoted with
//   \\, \' and non-printable bytes as \xNN; JSON its text single-quoted; ENUM the 1-based index;
//   SET and BIT b'0101' (SET: 8 digits per byte of the shortest width; BIT: the column width).
std::string to_string(const Value& v);

// One row image. `present[i]` is false for a column absent from a partial (MINIMAL/NDB) image;
// such a column holds NullValue and must not be read as NULL.
struct RowImage {
  std::vector<Value> values;
  std::vector<bool> present;
  bool operator==(const RowImage&) const = default;
};

}  // namespace ghostcut::binlog
