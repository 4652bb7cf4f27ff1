// Binlog values back into SQL, byte-exact: literals for multi-row statements.
//   integers, YEAR, ENUM (index), SET and BIT (bits) → decimal numbers
//   FLOAT → %.9g, DOUBLE → %.17g (both round-trip exactly); DECIMAL → its exact text
//   DATE/TIME/DATETIME → quoted text; TIMESTAMP → quoted UTC text (sessions run with
//   time_zone '+00:00'); the zero TIMESTAMP → '0000-00-00 00:00:00'
//   strings, BLOBs, GEOMETRY → X'hex' (binary: stored as-is in any charset, never converted)
//   JSON (MySQL binary JSON, decoded to text) → CONVERT(X'hex' USING utf8mb4)
#pragma once
#include <string>

#include "binlog/row/value.h"

namespace ghostcut::engine {

void append_sql_literal(std::string& out, const binlog::Value& v);
std::string sql_literal(const binlog::Value& v);

}  // namespace ghostcut::engine
