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

namespace ghostcut::engine {

namespace {
bool has_expire_seconds(const ServerInfo& s) {
  return s.flavour == Flavour::kMySql ? s.at_least(8, 0) : s.at_least(10, 6);
}
}  // namespace

std::string binlog_retention_query(const ServerInfo& server) {
  return has_expire_seconds(server) ? "SELECT /* ghostcut inspect */ @@global.binlog_expire_logs_seconds"
                                    : "SELECT /* ghostcut inspect */ ROUND(@@global.expire_logs_days * 86400)";
}

std::string binlog_retention_setting(const ServerInfo& server) {
  return has_expire_seconds(server) ? "binlog_expire_logs_seconds" : "expire_logs_days";
}

std::optional<std::string> binlog_retention_warning(const ServerInfo& server, long long retention_seconds,
                                                    double estimated_seconds, bool rds) {
  if (retention_seconds <= 0 && !rds) return std::nullopt;  // never purged by age
  if (retention_seconds > 0 && retention_seconds >= 2 * estimated_seconds) return std::nullopt;
  const long long hours = static_cast<long long>(estimated_seconds * 2 / 3600) + 1;
  std::string s = "binlog retention " + (retention_seconds > 0 ? std::to_string(retention_seconds) + " s" : "unset") +
                  " may not outlast the migration (estimated " +
                  std::to_string(static_cast<long long>(estimated_seconds)) + " s; a purged binlog ends it): raise ";
  if (rds)
    return s + "it with CALL mysql.rds_set_configuration('binlog retention hours', " + std::to_string(hours) + ")";
  return s + binlog_retention_setting(server) + " to at least " +
         (has_expire_seconds(server) ? std::to_string(hours * 3600) : std::to_string(hours / 24 + 1));
}

std::string read_only_query(const ServerInfo& server) {
  return server.flavour == Flavour::kMySql
             ? "SELECT /* ghostcut inspect */ @@global.read_only, @@global.super_read_only"
             : "SELECT /* ghostcut inspect */ @@global.read_only";
}

}  // namespace ghostcut::engine
