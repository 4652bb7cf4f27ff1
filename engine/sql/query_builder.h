// PURE SQL text for the migration (gh-ost go/sql/builder.go style): table names, min/max key,
// next chunk end, range copy, the ghost's CREATE/ALTER, DROP. (The applier's statements are
// apply_sql.h, the cut-over's cutover.cpp, the changelog's changelog.h.)
// Values travel as bound parameters (SqlParam); only identifiers and integers we produced
// ourselves are written into the text. Every statement starts with
// `/* ghostcut <db>.<table> <purpose> */` so it can be found in the processlist and slow log.
//
// Key comparisons are spelled out column by column instead of with row constructors:
//   (k1, k2) > (?, ?)   becomes   ((`k1` > ?) OR (`k1` = ? AND `k2` > ?))
// MySQL before 5.7 and some MariaDB versions do not turn row-constructor comparisons into index
// ranges; the expanded form is a range scan everywhere. The chosen key's columns must be NOT NULL
// (the Inspector ensures it): NULL never compares equal. How each column's bound is read and
// compared in the index's own order (ENUM by ordinal, strings in their collation, …) is
// key_bounds.h; the key queries select KeyBound::read_expr, not the bare columns.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binlog/error.h"
#include "engine/inspect/column_mapping.h"
#include "engine/inspect/key_bounds.h"
#include "engine/schema/table_schema.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

class Changelog;

// Values of the chosen unique key's columns, in key order.
using KeyTuple = std::vector<SqlParam>;

// A statement and its parameters, in placeholder order.
struct BuiltQuery {
  std::string sql;
  std::vector<SqlParam> params;
  bool operator==(const BuiltQuery&) const = default;
};

// MySQL's identifier limit, in characters (not bytes).
inline constexpr std::size_t kMaxIdentifierLength = 64;

// "<t>_gho", "<t>_ghc", "<t>_del": suffixes, so that every name sorts AFTER t in the server's
// metadata-lock order — the cut-over's safety rests on it (engine/cutover/cutover.h). When that would
// pass 64 characters: the first <= 50 characters of t (UTF-8 code points, never a split
// character), then "~_" and 8 hex digits of the FNV-1a 32-bit hash of the whole name, then the
// suffix; the cut is placed before an ASCII character below '~', so the name still sorts after t.
// Deterministic (a resumed run finds the same tables) and distinct for long names sharing a
// prefix. Empty if t has no such cut (a long name of non-ASCII characters only): refused.
std::string ghost_table_name(std::string_view table);
std::string changelog_table_name(std::string_view table);
std::string old_table_name(std::string_view table);
std::string revert_table_name(std::string_view table);  // "<t>_rev": the new table after a revert
// True when `name`'s metadata lock is taken after `table`'s by a statement locking both (the
// server sorts a statement's lock requests by key, byte-wise), with or without lower-casing.
bool sorts_after_in_lock_order(std::string_view name, std::string_view table);

// `expr` shifted between UTC and the server's zone (SharedColumn::tz_shift; 0 = unchanged).
std::string tz_shifted(const std::string& expr, int shift);

// `keys` within (lower, upper] — lower inclusive when `lower_inclusive`, nullopt = unbounded on that
// side, both nullopt = "TRUE" — in the index's order; appends the parameters it uses.
std::string key_range_condition(const std::vector<KeyBound>& keys, const std::optional<KeyTuple>& lower,
                                bool lower_inclusive, const std::optional<KeyTuple>& upper,
                                std::vector<SqlParam>& params);

class QueryBuilder {
 public:
  // `key` is the chosen unique key of `original` (the original table); all its columns must be shared.
  // Errors (bad_value): empty key, no shared columns, a key column not shared or not in
  // `original`, a key column type with no exact bound (key_bound_for).
  [[nodiscard]] static Result<QueryBuilder> create(std::string schema, std::string table, IndexInfo key,
                                                   const ColumnMapping& mapping, const TableSchema& original);

  const std::string& ghost_table() const { return ghost_; }
  // Writes go to `table` instead of `<t>_gho` (the dry run's timed sample into a scratch table).
  void set_ghost_table(std::string table) { ghost_ = std::move(table); }
  const std::string& changelog_table() const { return changelog_; }
  const std::string& old_table() const { return old_; }
  const std::vector<std::string>& key_columns() const { return key_.columns; }
  const std::vector<KeyBound>& key_bounds() const { return bounds_; }
  // A row of a min/max/next-chunk-end result (the read expressions) → the key's bound values.
  // Errors (bad_value): wrong width, NULL, junk.
  [[nodiscard]] Result<KeyTuple> key_tuple(const std::vector<std::optional<std::string>>& row) const;

  // ---- key range discovery (no parameters) ----
  // SELECT <read k1>, <read k2> FROM t FORCE INDEX (key) ORDER BY k1, k2 LIMIT 1   (max: DESC)
  std::string min_key_query() const;
  std::string max_key_query() const;

  // The last key of the next chunk of at most `chunk_size` rows after `lower` (exclusive, or
  // inclusive when `lower_inclusive`; no bound when nullopt) and up to `max` (inclusive).
  // No row back means the copy is done.
  [[nodiscard]] Result<BuiltQuery> next_chunk_end_query(const std::optional<KeyTuple>& lower, bool lower_inclusive,
                                                        const KeyTuple& max, std::uint64_t chunk_size) const;

  // INSERT IGNORE INTO ghost (shared) SELECT shared FROM t FORCE INDEX (key)
  //   WHERE <lower> AND <= upper LOCK IN SHARE MODE
  // LOCK IN SHARE MODE waits for in-flight writers and reads their committed rows (DESIGN §3.3);
  // it is accepted by MySQL 5.7/8.x and MariaDB alike (8.0's FOR SHARE is an alias).
  [[nodiscard]] Result<BuiltQuery> range_copy_query(const std::optional<KeyTuple>& lower, bool lower_inclusive,
                                                    const KeyTuple& upper) const;

  // ---- tables ----
  std::string create_ghost_query() const;                       // CREATE TABLE ghost LIKE t
  std::string alter_ghost_query(std::string_view alter) const;  // ALTER TABLE ghost <alter>
  std::string drop_table_query(std::string_view table) const;   // DROP TABLE IF EXISTS db.<table>
  // The changelog table of this migration (its statements: engine/sql/changelog.h).
  Changelog changelog() const;

 private:
  QueryBuilder() = default;
  std::string comment(std::string_view purpose) const;
  std::string qualified(std::string_view table) const;

  std::string schema_;
  std::string table_;
  std::string ghost_;
  std::string changelog_;
  std::string old_;
  IndexInfo key_;
  std::vector<KeyBound> bounds_;  // one per key column, in key order
  std::vector<std::string> source_columns_;
  std::vector<std::string> source_select_;  // quoted names, time-zone shifted where needed
  std::vector<std::string> target_columns_;
};

}  // namespace ghostcut::engine
