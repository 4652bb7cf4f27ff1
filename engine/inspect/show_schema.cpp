#include "engine/inspect/show_schema.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// ---- schema from SHOW ----

std::string data_type_of(const std::string& column_type) {
  std::string out;
  for (char c : column_type) {
    if (c == '(' || c == ' ') break;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

// Unique keys as name -> key parts "col" or "col(prefix)" (lower case), from SHOW INDEX: a
// UNIQUE (c(10)) is stricter than UNIQUE (c), which information_schema-based IndexInfo can't tell.
std::map<std::string, std::vector<std::string>> unique_key_parts(SqlConnection& conn, const std::string& db,
                                                                 const std::string& table) {
  auto idx = conn.query("SHOW /* ghostcut inspect */ INDEX FROM " + quote_qualified(db, table));
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> parts;
  for (std::size_t r = 0; r < idx.size(); ++r) {
    if (idx.at(r, "Non_unique").value_or("1") != "0") continue;
    std::string part = idx.at(r, "Column_name").value_or("<expression>");
    for (auto& c : part) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (const auto& sub = idx.at(r, "Sub_part")) part += "(" + *sub + ")";
    parts[idx.at(r, "Key_name").value_or("")].emplace_back(to_int64(idx.at(r, "Seq_in_index")), part);
  }
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [name, v] : parts) {
    std::sort(v.begin(), v.end());
    for (auto& p : v) out[name].push_back(p.second);
  }
  return out;
}

TableSchema load_table_schema_from_show(SqlConnection& conn, const std::string& schema, const std::string& table) {
  TableSchema t;
  t.schema = schema;
  t.table = table;
  const std::string name = quote_qualified(schema, table);
  auto cols = conn.query("SHOW FULL COLUMNS FROM " + name);
  std::map<std::string, std::optional<std::string>> charset_of;
  for (std::size_t r = 0; r < cols.size(); ++r) {
    ColumnInfo c;
    c.name = cols.at(r, "Field").value_or("");
    c.column_type = cols.at(r, "Type").value_or("");
    c.data_type = data_type_of(c.column_type);
    c.is_unsigned = c.column_type.find("unsigned") != std::string::npos;
    c.nullable = cols.at(r, "Null").value_or("") == "YES";
    const std::string extra = upper(cols.at(r, "Extra").value_or(""));
    c.generated = extra.find("GENERATED") != std::string::npos || extra.find("VIRTUAL") != std::string::npos ||
                  extra.find("PERSISTENT") != std::string::npos || extra.find("STORED") != std::string::npos;
    c.collation = cols.at(r, "Collation");
    if (c.collation) {
      auto it = charset_of.find(*c.collation);
      if (it == charset_of.end()) {
        auto cs = conn.query(
            "SELECT /* ghostcut schema */ CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME = ?",
            {*c.collation});
        it = charset_of.emplace(*c.collation, cs.scalar()).first;
      }
      c.charset = it->second;
    }
    t.columns.push_back(std::move(c));
  }
  auto idx = conn.query("SHOW INDEX FROM " + name);
  struct Row {
    std::string key;
    bool unique;
    long seq;
    std::string column;
  };
  std::vector<Row> rows;
  for (std::size_t r = 0; r < idx.size(); ++r) {
    const auto& col = idx.at(r, "Column_name");
    if (!col) continue;  // functional key part (MySQL 8): not a column
    rows.push_back({idx.at(r, "Key_name").value_or(""), idx.at(r, "Non_unique").value_or("1") == "0",
                    static_cast<long>(to_int64(idx.at(r, "Seq_in_index"))), *col});
  }
  // Same order as load_table_schema: PRIMARY first, then by name, then key part.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const bool pa = a.key == "PRIMARY", pb = b.key == "PRIMARY";
    if (pa != pb) return pa;
    const auto ua = upper(a.key), ub = upper(b.key);
    if (ua != ub) return ua < ub;
    return a.seq < b.seq;
  });
  for (const auto& r : rows) {
    if (t.indexes.empty() || t.indexes.back().name != r.key) {
      IndexInfo i;
      i.name = r.key;
      i.unique = r.unique;
      i.primary = r.key == "PRIMARY";
      t.indexes.push_back(std::move(i));
    }
    t.indexes.back().columns.push_back(r.column);
  }
  return t;
}

}  // namespace ghostcut::engine
