// What the engine asks the server about its state, in one place, each with the statement the
// server's flavour and version need: the binlog position, whether a table exists (and its comment,
// its row estimate), what a session is doing, whether a backup lock waits. Throw SqlError.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "binlog/position.h"

namespace ghostcut::engine {

class SqlConnection;

// The server's current binlog position (binlog::binlog_status_statement: SHOW BINARY LOG STATUS on
// MySQL 8.2+, SHOW MASTER STATUS elsewhere). Throws std::runtime_error when the binary log is off.
binlog::BinlogPosition current_binlog_position(SqlConnection& c, const std::string& server_version);
// MariaDB and Percona Server: inside START TRANSACTION WITH CONSISTENT SNAPSHOT, the binlog
// position its snapshot matches (every transaction committed before it, none after:
// Binlog_snapshot_file/_position). nullopt where the server has no such status (MySQL).
std::optional<binlog::BinlogPosition> snapshot_binlog_position(SqlConnection& c);

bool table_exists(SqlConnection& c, const std::string& database, const std::string& table);
// SHOW CREATE TABLE's definition; throws std::runtime_error when it returns nothing.
std::string show_create_table(SqlConnection& c, const std::string& database, const std::string& table);
// The table's comment; nullopt when the table does not exist.
std::optional<std::string> table_comment(SqlConnection& c, const std::string& database, const std::string& table);
// information_schema's row estimate; nullopt when the table does not exist or has none.
std::optional<std::uint64_t> estimated_rows(SqlConnection& c, const std::string& database, const std::string& table);

// A session as the process list shows it; nullopt when the session is gone.
struct SessionState {
  std::optional<std::string> state;  // e.g. "Waiting for table metadata lock"
  std::optional<std::string> info;   // the statement it runs
};
std::optional<SessionState> session_state(SqlConnection& c, std::uint64_t connection_id);

// A BACKUP STAGE or FLUSH TABLES WITH READ LOCK running or waiting (MariaDB's backup locks).
bool backup_lock_requested(SqlConnection& c);

// Sessions reading the binlog now (replicas, change-data-capture tools, other migrations): the
// process list's "Binlog Dump" and "Binlog Dump GTID" commands. Only a user with PROCESS sees them all.
int binlog_reader_count(SqlConnection& c);
// A Galera (wsrep_on) or Group Replication member (an ONLINE member listed): there, DDL runs on every
// member in turn, outside the binlog dump threads. An unknown variable or table counts as no.
bool cluster_member(SqlConnection& c);

}  // namespace ghostcut::engine
