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
  return lock_holders_query(lock_holders_exact(server) ? LockView::kPerformanceSchema : LockView::kOpenTransactions);
}

std::string lock_view_probe_query(const ServerInfo& server) {
  if (server.flavour == Flavour::kMySql)
    return "SELECT /* ghostcut blockers */ @@performance_schema AND EXISTS (SELECT 1 FROM "
           "performance_schema.setup_instruments WHERE NAME = 'wait/lock/metadata/sql/mdl' AND ENABLED = 'YES')";
  return "SELECT /* ghostcut blockers */ COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = "
         "'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'";
}

LockView lock_view_for(const ServerInfo& server, bool probe_ok) {
  if (!probe_ok) return LockView::kOpenTransactions;
  return server.flavour == Flavour::kMySql ? LockView::kPerformanceSchema : LockView::kMetadataLockInfo;
}

std::string lock_view_missing(const ServerInfo& server) {
  if (server.flavour == Flavour::kMySql)
    return "performance_schema or its metadata-lock instrument (wait/lock/metadata/sql/mdl) is off, so the holders of "
           "the table's metadata lock cannot be known; turn them on (UPDATE performance_schema.setup_instruments SET "
           "ENABLED = 'YES' WHERE NAME = 'wait/lock/metadata/sql/mdl')";
  return "MariaDB names the holders of a metadata lock only through the metadata_lock_info plugin, which is not "
         "loaded (INSTALL SONAME 'metadata_lock_info' loads it; it ships with the server); without it only every "
         "open transaction is known, and ghostcut does not kill a guess";
}

std::string lock_holders_query(LockView view) {
  if (view == LockView::kMetadataLockInfo)
    return "SELECT /* ghostcut blockers */ p.ID, p.USER, COALESCE(TIMESTAMPDIFF(SECOND, x.trx_started, NOW()), p.TIME), "
           "p.STATE, p.INFO FROM information_schema.METADATA_LOCK_INFO ml "
           "JOIN information_schema.PROCESSLIST p ON p.ID = ml.THREAD_ID "
           "LEFT JOIN information_schema.INNODB_TRX x ON x.trx_mysql_thread_id = p.ID "
           "WHERE ml.TABLE_SCHEMA = ? AND ml.TABLE_NAME = ? AND p.ID <> CONNECTION_ID() "
           "GROUP BY p.ID, p.USER, x.trx_started, p.TIME, p.STATE, p.INFO ORDER BY 3 DESC";
  if (view == LockView::kPerformanceSchema)
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
