#include "engine/sql/server_queries.h"

#include <stdexcept>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {

binlog::BinlogPosition current_binlog_position(SqlConnection& c, const std::string& server_version) {
  const std::string statement = binlog::binlog_status_statement(server_version);
  auto st = c.query(statement);
  if (st.empty() || st.rows[0].size() < 2 || !st.rows[0][0] || !st.rows[0][1])
    throw std::runtime_error(statement + " returned nothing: is the binary log on?");
  return binlog::BinlogPosition{*st.rows[0][0], to_uint64(st.rows[0][1])};
}

std::optional<binlog::BinlogPosition> snapshot_binlog_position(SqlConnection& c) {
  std::optional<std::string> file, pos;
  for (const auto& row : c.query("SHOW SESSION STATUS LIKE 'binlog\\_snapshot\\_%'").rows) {
    if (row.size() < 2 || !row[0] || !row[1]) continue;
    if (iequals(*row[0], "Binlog_snapshot_file")) file = row[1];
    if (iequals(*row[0], "Binlog_snapshot_position")) pos = row[1];
  }
  if (!file || !pos || file->empty()) return std::nullopt;
  return binlog::BinlogPosition{*file, to_uint64(pos)};
}

std::string show_create_table(SqlConnection& c, const std::string& database, const std::string& table) {
  const auto r = c.query("SHOW CREATE TABLE " + quote_qualified(database, table));
  if (r.empty()) throw std::runtime_error("SHOW CREATE TABLE " + database + "." + table + " returned nothing");
  return r.at(0, "Create Table").value_or("");
}

bool table_exists(SqlConnection& c, const std::string& database, const std::string& table) {
  return !c.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                  {database, table})
              .empty();
}

std::optional<std::string> table_comment(SqlConnection& c, const std::string& database, const std::string& table) {
  auto r = c.query("SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                   {database, table});
  if (r.empty()) return std::nullopt;
  return r.rows[0][0].value_or("");
}

std::optional<std::uint64_t> estimated_rows(SqlConnection& c, const std::string& database, const std::string& table) {
  auto r = c.query("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                   {database, table});
  if (r.empty() || !r.rows[0][0]) return std::nullopt;
  return to_uint64(r.rows[0][0]);
}

std::optional<SessionState> session_state(SqlConnection& c, std::uint64_t connection_id) {
  auto r = c.query("SELECT STATE, INFO FROM information_schema.PROCESSLIST WHERE ID = ?", {connection_id});
  if (r.empty()) return std::nullopt;
  return SessionState{r.rows[0][0], r.rows[0][1]};
}

bool backup_lock_requested(SqlConnection& c) {
  return !c.query(
               "SELECT 1 FROM information_schema.PROCESSLIST WHERE INFO LIKE 'BACKUP STAGE%' "
               "OR INFO LIKE 'FLUSH%TABLES%WITH%READ%LOCK%' OR STATE LIKE '%backup lock%'")
              .empty();
}

bool cluster_member(SqlConnection& c) {
  try {
    const auto on = c.query("SELECT @@GLOBAL.wsrep_on").scalar();
    if (on && (*on == "1" || *on == "ON")) return true;
  } catch (const SqlError&) {  // MySQL: no such variable
  }
  try {
    return to_uint64(c.query("SELECT COUNT(*) FROM performance_schema.replication_group_members "
                             "WHERE MEMBER_STATE = 'ONLINE'")
                         .scalar()) > 0;
  } catch (const SqlError&) {  // MariaDB: no such table
    return false;
  }
}

int binlog_reader_count(SqlConnection& c) {
  return static_cast<int>(to_uint64(
      c.query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'").scalar()));
}

}  // namespace ghostcut::engine
