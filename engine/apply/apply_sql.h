// PURE part of the Applier: binlog row changes → ordered row operations (optionally deduplicated
// per key) → multi-row SQL statements with literal values (value_sql.h). QueryBuilder's applier
// queries take placeholders; a batch of thousands of rows is cheaper as a few literal statements.
//
// Ordering: the operations keep the binlog order. Dedupe keeps only the LAST operation of each
// key (byte-identical key literals) and leaves the survivors in their original relative order,
// so two keys that a collation considers equal ('a' / 'A') are still replayed in order.
// Consecutive operations of one kind become one statement (REPLACE … VALUES (…),(…) or
// DELETE … WHERE key IN (…)); statements are split at max_statement_bytes.
#pragma once
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "binlog/error.h"
#include "binlog/row/change_decoder.h"
#include "engine/inspect/plan.h"

namespace ghostcut::engine {

// Session setup for every connection that writes the ghost (applier and copier alike):
//   time_zone '+00:00'       TIMESTAMP literals are UTC (the binlog carries epoch seconds)
//   STRICT_ALL_TABLES        a value the ghost cannot hold is an error, never silently changed
//   NO_AUTO_VALUE_ON_ZERO    an AUTO_INCREMENT column's 0 is written as 0, not a new id
//   NO_ENGINE_SUBSTITUTION   the usual safety
// and, on purpose, no NO_ZERO_DATE / NO_ZERO_IN_DATE: rows that hold zero dates must be copied
// as they are; no NO_BACKSLASH_ESCAPES / ANSI_QUOTES: our literals and names assume the defaults.
inline constexpr const char* kEngineSessionSetup =
    "SET SESSION time_zone = '+00:00', "
    "sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'";

// What statement building needs from the plan, precomputed once.
struct ApplyTarget {
  std::string schema;
  std::string table;  // the original (for the statement comment)
  std::string ghost_table;
  std::vector<std::string> target_columns;   // shared columns, ghost spelling
  std::vector<std::size_t> source_indexes;   // their positions in a binlog row image
  std::vector<std::string> source_charsets;  // "" = not a character column
  // ENUM/SET columns whose type the ALTER changed: the source members, so the value is written
  // as its text (the server maps it to the ghost's index/bits; an index would point elsewhere
  // once members are reordered or inserted). Empty = write the number.
  std::vector<std::vector<std::string>> source_members;
  std::vector<int> tz_shift;                    // SharedColumn::tz_shift, per shared column
  std::vector<std::size_t> key_source_indexes;  // chunk key columns, in key order
  std::vector<std::string> key_target_columns;
  std::vector<std::string> key_source_charsets;
  std::vector<std::string> key_target_charsets;
  bool insert_mode = false;  // the ghost has new unique keys: DELETE by key + INSERT, never REPLACE
  // The ALTER changed how a unique key compares (plan.key_identity_terms, one per key column):
  // deletes also match the key under the ORIGINAL rules, and writes are INSERT … ON DUPLICATE
  // KEY UPDATE that set the first key column to NULL (error 1048, a collision) unless the row
  // found is the same original row — REPLACE would silently delete a row of another key.
  std::vector<std::string> identity_terms;
  std::size_t max_statement_bytes = 4 << 20;
  // --backfill: after the rows are written, UPDATE … SET column = (expression) for their keys. The
  // expression reads only columns the ALTER keeps unchanged (backfill_check.h), so evaluated on
  // the ghost's row it gives what the copy's INSERT … SELECT gives evaluated on the original's.
  std::vector<std::pair<std::string, std::string>> backfills;
};

// "{T}"/"{V}" in `term` replaced by `stored` / `incoming`.
std::string identity_term(std::string term, const std::string& stored, const std::string& incoming);

// Errors (bad_value): a chunk-key column missing from the shared columns or the original table.
[[nodiscard]] Result<ApplyTarget> make_apply_target(const MigrationPlan& plan, std::size_t max_statement_bytes);

// An integer key value, ordered as numbers: (hi, lo) is the value as a 128-bit two's
// complement number (hi = -1 for a negative int64, else 0), so signed and unsigned compare alike.
struct IntKey {
  std::int64_t hi = 0;
  std::uint64_t lo = 0;
  auto operator<=>(const IntKey&) const = default;
};

struct RowOp {
  enum class Kind { kDelete, kWrite };
  Kind kind = Kind::kWrite;
  std::vector<std::string> key;           // SQL literals of the key columns, in key order
  const binlog::RowImage* row = nullptr;  // kWrite: the new image (points into the changes)
  // The first key column's value when the row image holds an integer there (row_ops sets it from
  // the value, so order_by_key and partition_ops need not parse `key` text again).
  std::optional<IntKey> first_int;
};

// insert → write; delete → delete; update → write, preceded by delete(old key) when the key
// changed. Errors (bad_value): a partial JSON update (PARTIAL_UPDATE_ROWS; the message tells the
// user to set binlog_row_value_options=''), a missing image, a needed column absent from the
// image (binlog_row_image must be FULL), a NULL key value.
[[nodiscard]] Result<std::vector<RowOp>> row_ops(std::span<const binlog::RowChange* const> changes,
                                                 const ApplyTarget& target, bool dedupe);

// The members of "enum('a','it''s')" / "set(…)" (information_schema.COLUMNS.COLUMN_TYPE), or
// nullopt when the text is not an ENUM/SET definition.
std::optional<std::vector<std::string>> enum_members(std::string_view column_type);

// Whether the ghost's row operations may be applied on two connections, split by a hash of the
// chunk key (partition_ops), each half in binlog order: nullopt when safe, else why not.
// Safe only when operations on different chunk-key values commute in the ghost: the chunk key is
// its only unique key (another unique key lets a later row's REPLACE delete a row the other half
// has not yet moved off that value), its values are integers (byte-different literals are then
// different rows; a collation could make 'a' and 'A' one row), it has no foreign key (a row
// could need another's) and no backfill or collision guard (kept on the single, simple path).
std::optional<std::string> partition_refusal(const MigrationPlan& plan);

// `ops` split in two by a hash of each key: every key's operations stay in one half, in order.
std::pair<std::vector<RowOp>, std::vector<RowOp>> partition_ops(std::vector<RowOp> ops);

// `ops` (distinct keys, deduplicated; only where partition_refusal is nullopt, so that operations
// on different keys commute) reordered: deletes first, then writes, each in ascending key order.
// The server then walks the ghost's primary key in order instead of jumping between pages (less
// CPU per row for scattered keys), and a batch's deletes and writes are one statement each.
void order_by_key(std::vector<RowOp>& ops);

// The SQL statements for `ops`, in order (each with the /* ghostcut … */ comment).
std::vector<std::string> apply_statements(const std::vector<RowOp>& ops, const ApplyTarget& target);

}  // namespace ghostcut::engine
