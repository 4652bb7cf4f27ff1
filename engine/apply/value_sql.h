// Binlog values back into SQL, byte-exact: literals for multi-row statements.
//   integers, YEAR, ENUM (index), SET and BIT (bits) → decimal numbers
//   FLOAT → its exact double value, %.17g (so FLOAT → DOUBLE in the ghost is exact), DOUBLE → %.17g, always with an
//   exponent ("1.5e0") so the server parses an approximate-value (double) literal, never an exact DECIMAL one; DECIMAL
//   → its exact text DATE/TIME/DATETIME → quoted text; TIMESTAMP → quoted UTC text (sessions run with time_zone
//   '+00:00'); the zero TIMESTAMP → '0000-00-00 00:00:00' strings, BLOBs, GEOMETRY → X'hex' (binary: stored as-is in
//   any charset, never converted); with a character set given (the SOURCE column's), `_cs X'hex'`: the same bytes when
//   the target column has that charset, and a correct conversion when an ALTER changed it JSON (MySQL binary JSON,
//   decoded to text) → CONVERT(X'hex' USING utf8mb4)
// A partial JSON value (JsonValue::partial) has no literal: callers must refuse it first
// (append_sql_literal throws std::invalid_argument).
#pragma once
#include <string>
#include <string_view>

#include "binlog/row/value.h"

namespace ghostcut::engine {

void append_sql_literal(std::string& out, const binlog::Value& v);
// `charset`: the source column's character set ("" or "binary" = plain X'hex').
void append_sql_literal(std::string& out, const binlog::Value& v, std::string_view charset);
std::string sql_literal(const binlog::Value& v);
std::string sql_literal(const binlog::Value& v, std::string_view charset);

// "YYYY-MM-DD HH:MM:SS[.f]" in UTC for epoch seconds (`decimals` fraction digits).
std::string utc_datetime_text(std::int64_t seconds, std::uint32_t micros, int decimals);

}  // namespace ghostcut::engine
