// Which columns the row copy and the applier carry from the original table to the ghost table.
// A column is shared when both tables have it (names compare case-insensitively, as MySQL
// does) and it is generated on neither side: generated values are computed by the server and
// cannot be written. With the ALTER's column changes (alter_text.h), a renamed column maps old ->
// new, and a column dropped and added again under the same name is a new column (not copied).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "engine/inspect/alter_text.h"
#include "engine/schema/table_schema.h"

namespace ghostcut::engine {

struct SharedColumn {
  std::string source_name;   // spelling in the original table
  std::string target_name;   // spelling in the ghost table
  std::size_t source_index;  // ordinal in the original table (= position in a binlog row image)
  std::size_t target_index;  // ordinal in the ghost table
  bool type_changed;         // column_type differs (e.g. int -> bigint); the server converts
  // TIMESTAMP <-> other types convert in the session's time zone; ghostcut's sessions run in UTC,
  // native ALTER in the server's zone. +1: a TIMESTAMP into a non-TIMESTAMP column (UTC -> the
  // server's zone); -1: a DATETIME/DATE into a TIMESTAMP column (the server's zone -> UTC);
  // 0: nothing to shift (set by the Inspector only when the server's zone is not UTC).
  int tz_shift = 0;
  bool operator==(const SharedColumn&) const = default;
};

struct ColumnMapping {
  std::vector<SharedColumn> shared;                          // in original-table order
  std::vector<std::string> dropped;                          // in the original only (or generated in the ghost)
  std::vector<std::string> added;                            // in the ghost only (or generated in the original)
  std::vector<std::string> generated;                        // generated on either side and present on both: skipped
  std::vector<std::pair<std::string, std::string>> renamed;  // source -> target, carried values
  // --backfill (engine/inspect/backfill_check.h): added columns filled from an SQL expression over
  // the original row's columns (column -> expression), by the copy and by the applier.
  std::vector<std::pair<std::string, std::string>> backfills;

  std::vector<std::string> source_names() const;
  std::vector<std::string> target_names() const;
  // The shared column whose source name is `name` (case-insensitive), or nullptr.
  const SharedColumn* find_source(std::string_view name) const;
  bool operator==(const ColumnMapping&) const = default;
};

[[nodiscard]] ColumnMapping build_column_mapping(const TableSchema& original, const TableSchema& ghost);
// By the ALTER's column changes, cross-checked against both schemas: a column that leaves the
// table without a DROP / rename, or appears without an ADD / rename, means the text did not say
// what the server did (refusal texts are appended to `refusals`).
[[nodiscard]] ColumnMapping build_column_mapping(const TableSchema& original, const TableSchema& ghost,
                                                 const AlterColumnChanges& changes, std::vector<std::string>& refusals);

}  // namespace ghostcut::engine
