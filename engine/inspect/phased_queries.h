// The flavour- and version-dependent queries of the phased change (#15) and the pure decisions
// over their answers, kept apart from I/O so a version matrix can test them without a server:
// instant row versions (MySQL 8.0.29+), who holds or waits for a table's metadata lock.
#pragma once
#include <optional>
#include <string>

#include "engine/inspect/plan.h"

namespace ghostcut::engine {

// InnoDB allows 64 row versions per table (MySQL 8.0.29+); each instant ADD/DROP COLUMN adds one,
// and a table rebuild (the copy) starts again at 0.
inline constexpr long long kMaxInstantRowVersions = 64;
// Warn from here on: a few more instant changes and the table needs a rebuild.
inline constexpr long long kWarnInstantRowVersions = 56;

// InnoDB's internal name of a table, "db/table", in the filename encoding InnoDB uses; nullopt
// when a name has characters outside [A-Za-z0-9_] (encoded as @XXXX; not worth guessing).
std::optional<std::string> innodb_table_name(const std::string& database, const std::string& table);

// SELECT TOTAL_ROW_VERSIONS for one bound parameter (the innodb name): MySQL 8.0.29+ only (earlier
// MySQL allowed only instant ADD COLUMN at the end and kept no versions; MariaDB has no such limit:
// its instant changes keep one metadata record, not row versions). nullopt: nothing to ask.
std::optional<std::string> instant_row_versions_query(const ServerInfo& server);

enum class RowVersionVerdict { kFine, kNear, kExceeds };
// After one more instant change (this ALTER): kExceeds when it would pass the limit (take the
// copy, which also resets the count), kNear when it comes close.
RowVersionVerdict row_version_verdict(long long current_versions);

// Sessions that hold a metadata lock on db.t (bind: database, table), as rows of
// (id, user, seconds in its transaction or command, state, statement): MySQL reads
// performance_schema.metadata_locks (on by default in 8.0); MariaDB's metadata lock view is a plugin
// (METADATA_LOCK_INFO) that is rarely loaded, so there the query lists open InnoDB transactions
// (information_schema.INNODB_TRX), which are what holds a table's metadata lock between statements,
// whether or not they touched this table — a superset, said so where it is shown.
std::string lock_holders_query(const ServerInfo& server);
// Whether lock_holders_query names only holders of this table's lock (true) or every open transaction.
bool lock_holders_exact(const ServerInfo& server);

// Where the exact holders of a table's metadata lock can be read (#15 --kill-blockers-after):
// MySQL performance_schema.metadata_locks (needs performance_schema and the wait/lock/metadata/sql/mdl
// instrument, both on by default in 8.0); MariaDB information_schema.METADATA_LOCK_INFO (the
// metadata_lock_info plugin, shipped with the server but not loaded: INSTALL SONAME
// 'metadata_lock_info'). kOpenTransactions: neither; only every open InnoDB transaction is known.
enum class LockView { kPerformanceSchema, kMetadataLockInfo, kOpenTransactions };
// One row, one column: 1 when the exact view is available, else 0 (or an error: not available).
std::string lock_view_probe_query(const ServerInfo& server);
// The exact view of the flavour when the probe said 1, else kOpenTransactions.
LockView lock_view_for(const ServerInfo& server, bool probe_ok);
// Holders as in lock_holders_query, read from `view` (exact views bind: database, table).
std::string lock_holders_query(LockView view);
// Why exact holders are unknown and how to make them known (for a refusal of --kill-blockers-after).
std::string lock_view_missing(const ServerInfo& server);

}  // namespace ghostcut::engine

namespace ghostcut::engine {

// Binlog retention in seconds, one row, one column (0 = never purged): MySQL 8 and MariaDB 10.6+
// read binlog_expire_logs_seconds, older MariaDB expire_logs_days (× 86400).
std::string binlog_retention_query(const ServerInfo& server);
// The setting to raise, named as the operator types it.
std::string binlog_retention_setting(const ServerInfo& server);
// A warning when the binlog may be purged before a migration of `estimated_seconds` ends (with a
// margin of 2×); `rds`: the server is Amazon RDS, where the setting is
// mysql.rds_set_configuration('binlog retention hours', N). nullopt: fine.
std::optional<std::string> binlog_retention_warning(const ServerInfo& server, long long retention_seconds,
                                                    double estimated_seconds, bool rds);
// @@read_only and, on MySQL, @@super_read_only (MariaDB has none): one row, one or two columns.
std::string read_only_query(const ServerInfo& server);

}  // namespace ghostcut::engine
