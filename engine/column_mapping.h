// Which columns the row copy and the applier carry from the original table to the ghost table.
// A column is shared when both tables have it (names compare case-insensitively, as MySQL
// does) and it is generated on neither side: generated values are computed by the server and
// cannot be written. Renames are not detected (an ALTER ... CHANGE a b looks like drop a + add b).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "engine/schema/table_schema.h"

namespace ghostcut::engine {

struct SharedColumn {
  std::string source_name;   // spelling in the original table
  std::string target_name;   // spelling in the ghost table
  std::size_t source_index;  // ordinal in the original table (= position in a binlog row image)
  std::size_t target_index;  // ordinal in the ghost table
  bool type_changed;         // column_type differs (e.g. int -> bigint); the server converts
  bool operator==(const SharedColumn&) const = default;
};

struct ColumnMapping {
  std::vector<SharedColumn> shared;   // in original-table order
  std::vector<std::string> dropped;   // in the original only (or generated in the ghost)
  std::vector<std::string> added;     // in the ghost only (or generated in the original)
  std::vector<std::string> generated; // generated on either side and present on both: skipped

  std::vector<std::string> source_names() const;
  std::vector<std::string> target_names() const;
  // The shared column whose source name is `name` (case-insensitive), or nullptr.
  const SharedColumn* find_source(std::string_view name) const;
  bool operator==(const ColumnMapping&) const = default;
};

[[nodiscard]] ColumnMapping build_column_mapping(const TableSchema& original, const TableSchema& ghost);

}  // namespace ghostcut::engine
