#include "engine/inspect/phased_queries.h"

#include <cctype>

namespace ghostcut::engine {

std::optional<std::string> innodb_table_name(const std::string& database, const std::string& table) {
  auto plain = [](const std::string& s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
      if (!std::isalnum(c) && c != '_') return false;
    return true;
  };
  if (!plain(database) || !plain(table)) return std::nullopt;
  return database + "/" + table;
}

std::optional<std::string> instant_row_versions_query(const ServerInfo& server) {
  if (server.flavour != Flavour::kMySql || !server.at_least(8, 0, 29)) return std::nullopt;
  return std::string(
      "SELECT /* ghostcut inspect */ TOTAL_ROW_VERSIONS FROM information_schema.INNODB_TABLES WHERE NAME = ?");
}

RowVersionVerdict row_version_verdict(long long current_versions) {
  const long long after = current_versions + 1;
  if (after > kMaxInstantRowVersions) return RowVersionVerdict::kExceeds;
  if (after >= kWarnInstantRowVersions) return RowVersionVerdict::kNear;
  return RowVersionVerdict::kFine;
}

bool lock_holders_exact(const ServerInfo& server) { return server.flavour == Flavour::kMySql; }

std::string lock_holders_query(const ServerInfo& server) {
  if (lock_holders_exact(server))
    return "SELECT /* ghostcut blockers */ t.PROCESSLIST_ID, t.PROCESSLIST_USER, "
           "COALESCE(TIMESTAMPDIFF(SECOND, x.trx_started, NOW()), t.PROCESSLIST_TIME), t.PROCESSLIST_STATE, "
           "t.PROCESSLIST_INFO FROM performance_schema.metadata_locks ml "
           "JOIN performance_schema.threads t ON t.THREAD_ID = ml.OWNER_THREAD_ID "
           "LEFT JOIN information_schema.INNODB_TRX x ON x.trx_mysql_thread_id = t.PROCESSLIST_ID "
           "WHERE ml.OBJECT_TYPE = 'TABLE' AND ml.OBJECT_SCHEMA = ? AND ml.OBJECT_NAME = ? "
           "AND ml.LOCK_STATUS = 'GRANTED' AND t.PROCESSLIST_ID IS NOT NULL AND t.PROCESSLIST_ID <> CONNECTION_ID() "
           "GROUP BY t.PROCESSLIST_ID, t.PROCESSLIST_USER, x.trx_started, t.PROCESSLIST_TIME, t.PROCESSLIST_STATE, "
           "t.PROCESSLIST_INFO ORDER BY 3 DESC";
  return "SELECT /* ghostcut blockers */ p.ID, p.USER, TIMESTAMPDIFF(SECOND, x.trx_started, NOW()), p.STATE, p.INFO "
         "FROM information_schema.INNODB_TRX x JOIN information_schema.PROCESSLIST p ON p.ID = x.trx_mysql_thread_id "
         "WHERE p.ID <> CONNECTION_ID() ORDER BY 3 DESC";
}

}  // namespace ghostcut::engine
