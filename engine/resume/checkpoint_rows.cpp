#include "engine/resume/checkpoint_rows.h"

#include <algorithm>

#include "engine/sql/quoting.h"

namespace ghostcut::engine {

void write_checkpoint_rows(SqlConnection& conn, const std::string& database, const std::string& table,
                           const std::string& tag, const std::vector<CheckpointRow>& rows) {
  std::string sql =
      "/* " + tag + " */ INSERT INTO " + quote_qualified(database, table) + " (`id`, `hint`, `value`) VALUES ";
  std::vector<SqlParam> params;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    sql += i ? ", (?, ?, ?)" : "(?, ?, ?)";
    params.emplace_back(rows[i].id);
    params.emplace_back(rows[i].hint);
    params.emplace_back(rows[i].value);
  }
  sql += " ON DUPLICATE KEY UPDATE `value` = VALUES(`value`), `last_update` = NOW(6)";
  conn.update(sql, params);
}

std::optional<CheckpointRows> read_checkpoint_rows(SqlConnection& conn, const std::string& database,
                                                   const std::string& table, std::uint64_t first, std::uint64_t last) {
  if (conn.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", {database, table})
          .empty())
    return std::nullopt;
  const auto t =
      conn.query("SELECT `id`, `value`, CAST(UNIX_TIMESTAMP(`last_update`) * 1000000 AS SIGNED) AS `at` FROM " +
                 quote_qualified(database, table) + " WHERE `id` BETWEEN " + std::to_string(first) + " AND " +
                 std::to_string(last) + " ORDER BY `id`");
  if (t.empty()) return std::nullopt;
  CheckpointRows out;
  for (std::size_t r = 0; r < t.size(); ++r) {
    out.values[to_uint64(t.at(r, "id"))] = t.at(r, "value").value_or("");
    out.written_micros = std::max(out.written_micros, to_int64(t.at(r, "at")));
  }
  return out;
}

}  // namespace ghostcut::engine
