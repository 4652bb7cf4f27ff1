// PURE. Chunk-key bounds: how each column of the chosen unique key is read from a row, carried as a
// parameter and compared in the copier's keyset queries (QueryBuilder), for every column type.
//
// Why: the copier walks the key's index in order. A chunk's end is the last of N rows found by
// ORDER BY <key> LIMIT N, and the chunk is (previous end, end]. That loses rows, silently, when
//   (a) the WHERE comparison orders values differently from the index: the "range" is then not a
//       contiguous slice of the index (ENUM compared as text while the index orders by ordinal:
//       issue #21, 2 of 500 rows lost), or
//   (b) a bound read back from the server is not exactly the key value (a FLOAT printed with 6
//       digits, a DATETIME(6) without its fraction, a TIMESTAMP in a zone with a DST fold, text
//       converted through another character set): the chunk ends somewhere else than the row.
// So each bound is READ in an exact, canonical form and COMPARED as a value of the column's own
// type and collation, never as loose text. The constant side may be any expression: it is
// evaluated once, and the range optimizer still builds index ranges (EXPLAIN type=range, checked
// by KeyBoundsTest.RangeScansUseTheIndex):
//   integers      read as is; bound as int64 / uint64 (BIGINT UNSIGNED max is exact)
//   ENUM, SET     the index orders by ordinal / bit value, not by text: read `c + 0`, compare as
//                 numbers (MySQL and MariaDB compare ENUM/SET with an integer numerically). The range
//                 optimizer builds no range for < / > on ENUM or SET (EXPLAIN: full scan), but
//                 does for = and IN, so strict bounds become `c IN (ordinals…)` over the finite
//                 domain (ENUM: 0..members, 0 is the '' error value; SET: 0..2^members-1) while
//                 it has at most kMaxOrdinalList values; larger domains fall back to `c > ?`
//                 (still exact, but the scan is not index-bounded on that column).
//   BIT, YEAR     read `c + 0`, compared as unsigned integers
//   DECIMAL       read as exact text, compared with CAST(? AS DECIMAL(M,D)): decimal, never double
//   FLOAT, DOUBLE read CAST(c + 0e0 AS CHAR): widened to a double (exact), the shortest text that
//                 round-trips (a FLOAT selected as is keeps 6 digits: 16777216 reads as 16777200);
//                 bound as a double
//   DATE, DATETIME, TIME, TIMESTAMP  read CAST(c AS CHAR) (every fraction digit), compared with
//                 CAST(? AS DATE | DATETIME(6) | TIME(6)). TIMESTAMP is read and used by sessions
//                 running time_zone '+00:00' (kEngineSessionSetup, for the min/max connection and
//                 every copy worker): UTC has no DST fold, so the text is exact and monotone.
//   CHAR, VARCHAR, TEXT  read HEX(c): the column's own bytes, no conversion to the connection's
//                 character set (which can be lossy, e.g. cp932). Compared with
//                 CONVERT(UNHEX(?) USING <charset>) COLLATE <the column's collation>: the index's
//                 collation decides, case and accents, PAD SPACE ('a' = 'a ') and NO PAD ('a' < 'a ').
//   BINARY, VARBINARY, BLOB  HEX(c) / UNHEX(?): plain bytes, 0x00 and 0xFF included
//   UUID, INET6   read as text, compared with CAST(? AS UUID | INET6): the type's own order (a
//                 UUID's index order is not its text order)
// Any other type is refused as a chunk key (key_bound_for errors; the Inspector skips such keys).
//
// Composite keys need nothing more: QueryBuilder spells (k1, k2) > (v1, v2) as
// (k1 > v1) OR (k1 = v1 AND k2 > v2), and each column's `=` / `>` here is its index order.
// Under a case-insensitive collation `=` is the collation's equality, as in the index ('a' and
// 'A' are one value of k1 there), so the expansion stays the index's lexicographic order.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/error.h"
#include "engine/schema/table_schema.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

// The most values an ENUM/SET bound is spelled out as an IN list for.
inline constexpr std::uint64_t kMaxOrdinalList = 1024;

struct KeyBound {
  enum class Param { kInt64, kUInt64, kDouble, kString };
  std::string column;     // the column's name
  std::string data_type;  // for messages
  Param param = Param::kString;
  std::string read_expr;             // selects the bound from a row, e.g. "`e` + 0", "HEX(`s`)"
  std::string value_expr;            // the constant side, e.g. "?", "CAST(? AS DATE)"
  std::uint64_t ordinal_domain = 0;  // > 0: ENUM/SET values are 0..domain-1, strict bounds as IN lists
  bool operator==(const KeyBound&) const = default;
};

// Errors (bad_value): a type with no exact, index-ordered bound (see above), a text column
// without a collation, or a malformed type.
[[nodiscard]] Result<KeyBound> key_bound_for(const ColumnInfo& column);

// The text the server returned for read_expr → the parameter to bind. Errors (bad_value): junk.
[[nodiscard]] Result<SqlParam> parse_key_value(const KeyBound& bound, const std::string& text);

// `column <op> value` in the index's order; op is one of = > >= < <=. Appends the parameters
// it uses (none when an ordinal comparison is written as a literal IN list).
std::string key_comparison(const KeyBound& bound, std::string_view op, const SqlParam& value,
                           std::vector<SqlParam>& params);

// Members of an ENUM or SET column type ("enum('a','b''c')" → 2); nullopt when malformed.
// Parses the server's own spelling: members quoted with '' and backslash escapes.
[[nodiscard]] std::optional<std::size_t> count_members(std::string_view column_type);

}  // namespace ghostcut::engine
