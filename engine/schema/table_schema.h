// A table's columns and unique keys, read once from information_schema. The binlog names no
// columns and (without optional metadata) no signedness, so both come from here.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/row/row_decoder.h"
#include "engine/text.h"

namespace ghostcut::engine {

class SqlConnection;

// information_schema's DATA_TYPE of an integer column (lower case): TINYINT … BIGINT.
inline bool is_integer_type(std::string_view data_type) {
  return data_type == "tinyint" || data_type == "smallint" || data_type == "mediumint" || data_type == "int" ||
         data_type == "integer" || data_type == "bigint";
}

struct ColumnInfo {
  std::string name;
  std::string data_type;    // e.g. "int", "varchar"
  std::string column_type;  // e.g. "int(10) unsigned", "enum('a','b')"
  bool is_unsigned = false;
  bool nullable = false;
  bool generated = false;  // VIRTUAL or STORED generated column
  std::optional<std::string> charset;
  std::optional<std::string> collation;
  bool operator==(const ColumnInfo&) const = default;
};

struct IndexInfo {
  std::string name;
  bool unique = false;
  bool primary = false;
  std::vector<std::string> columns;  // in key order
  bool operator==(const IndexInfo&) const = default;
};

// "name (c1, c2)", for messages.
std::string key_text(const IndexInfo& k);

struct TableSchema {
  std::string schema;
  std::string table;
  std::vector<ColumnInfo> columns;  // in ordinal order, as the binlog lists them
  std::vector<IndexInfo> indexes;

  // Inline: the pure engine core (query builder, column mapping) uses it without the loader below.
  std::optional<std::size_t> column_index(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (iequals(columns[i].name, name)) return i;
    return std::nullopt;
  }
  binlog::ColumnSigns signs() const;
  std::vector<std::string> column_names() const;
};

// Throws std::runtime_error naming the table when it does not exist.
TableSchema load_table_schema(SqlConnection& conn, const std::string& schema, const std::string& table);

}  // namespace ghostcut::engine
