#include "engine/schema/table_schema.h"

#include "engine/text.h"

#include <algorithm>
#include <stdexcept>

#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

binlog::ColumnSigns TableSchema::signs() const {
  binlog::ColumnSigns s;
  s.is_unsigned.reserve(columns.size());
  for (const auto& c : columns) s.is_unsigned.push_back(c.is_unsigned);
  return s;
}

std::vector<std::string> TableSchema::column_names() const {
  std::vector<std::string> out;
  for (const auto& c : columns) out.push_back(c.name);
  return out;
}

TableSchema load_table_schema(SqlConnection& conn, const std::string& schema, const std::string& table) {
  TableSchema t;
  t.schema = schema;
  t.table = table;
  auto cols = conn.query(
      "SELECT /* ghostcut schema */ COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, EXTRA, "
      "CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
      {schema, table});
  if (cols.empty()) throw std::runtime_error("table `" + schema + "`.`" + table + "` does not exist");
  for (const auto& r : cols.rows) {
    ColumnInfo c;
    c.name = r[0].value_or("");
    c.data_type = r[1].value_or("");
    c.column_type = r[2].value_or("");
    c.is_unsigned = c.column_type.find("unsigned") != std::string::npos;
    c.nullable = r[3].value_or("") == "YES";
    const std::string extra = r[4].value_or("");
    c.generated = extra.find("GENERATED") != std::string::npos || extra.find("VIRTUAL") != std::string::npos ||
                  extra.find("PERSISTENT") != std::string::npos;
    c.charset = r[5];
    c.collation = r[6];
    t.columns.push_back(std::move(c));
  }
  auto idx = conn.query(
      "SELECT /* ghostcut schema */ INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
      {schema, table});
  for (const auto& r : idx.rows) {
    const std::string name = r[0].value_or("");
    if (t.indexes.empty() || t.indexes.back().name != name) {
      IndexInfo i;
      i.name = name;
      i.unique = r[1].value_or("1") == "0";
      i.primary = name == "PRIMARY";
      t.indexes.push_back(std::move(i));
    }
    t.indexes.back().columns.push_back(r[2].value_or(""));
  }
  return t;
}

std::string key_text(const IndexInfo& k) { return k.name + " (" + join(k.columns) + ")"; }

}  // namespace ghostcut::engine
