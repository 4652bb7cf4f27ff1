// Inspector: read-only checks before anything is touched, then the MigrationPlan.
// Every refusal is collected (not just the first) and thrown together as an InspectionError, so
// the operator fixes them in one go. Nothing is left on the server: the ALTER is validated on a
// scratch copy of the table (a regular, uniquely named table, created LIKE it, altered, read and
// dropped; not binlogged when the user may turn sql_log_bin off). See inspect().
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/inspect/plan.h"
#include "engine/inspect/trigger_check.h"

namespace ghostcut::engine {

class SqlConnection;

struct InspectorConfig {
  bool allow_foreign_keys = false;    // --allow-foreign-keys
  bool allow_add_unique_key = false;  // --allow-add-unique-key (duplicates then fail loudly)
  bool drop_leftover_tables = false;  // --drop-leftover-tables: drop t_gho/t_ghc from an earlier run
  // Resume on (the default for --execute; off with --no-resume): an interrupted run's t_gho and t_ghc
  // (no t_del) are not refused here; the execute path resumes them or refuses (engine/resume).
  bool resume = false;
  // --no-resume: an interrupted run's t_gho and t_ghc (no t_del) are dropped before starting over.
  bool start_over = false;
  TriggerOptions triggers;  // --include-triggers and its companions
};

class InspectionError : public std::runtime_error {
 public:
  explicit InspectionError(std::vector<std::string> refusals);
  const std::vector<std::string>& refusals() const noexcept { return refusals_; }

 private:
  std::vector<std::string> refusals_;
};

// PURE checks, exposed for unit tests. Each returns refusal texts (empty = fine).
// Flavour/version floor (MySQL 8.0, MariaDB 10.6), log_bin, ROW format, FULL row image.
[[nodiscard]] std::vector<std::string> check_server(const ServerInfo& server);
// The ALTER clause: not empty, no second statement (';' outside quotes and comments), no RENAME
// of the table itself (RENAME COLUMN/INDEX/KEY are fine). A leading "ALTER TABLE [db.]t" is
// accepted and stripped into `clause` when it names `table` (and `database`, if qualified).
struct AlterCheck {
  std::string clause;  // what goes after ALTER TABLE <ghost>
  std::vector<std::string> refusals;
};
[[nodiscard]] AlterCheck check_alter_text(const std::string& alter, const std::string& database,
                                          const std::string& table);
// Privileges the migration lacks, given SHOW GRANTS lines, for `database`. Global grants
// (ON *.*) count for everything; database grants (ON `db`.*, LIKE patterns) for table work.
[[nodiscard]] std::vector<std::string> missing_privileges(const std::vector<std::string>& grants,
                                                          const std::string& database, Flavour flavour);
// Whether these grants show every session in the process list (PROCESS, SUPER or ALL globally).
[[nodiscard]] bool sees_all_sessions(const std::vector<std::string>& grants);

// A table's schema from SHOW FULL COLUMNS / SHOW INDEX: works on TEMPORARY tables, which
// information_schema does not list on MariaDB 10.11. Same shape as load_table_schema.
TableSchema load_table_schema_from_show(SqlConnection& conn, const std::string& schema, const std::string& table);

class Inspector {
 public:
  Inspector(SqlConnection& conn, InspectorConfig config);
  // Throws InspectionError listing every refusal; SqlError for server failures.
  MigrationPlan inspect(const std::string& database, const std::string& table, const std::string& alter);
  // Server flavour, version and binlog settings.
  ServerInfo server_info();

 private:
  SqlConnection& conn_;
  InspectorConfig config_;
  unsigned temp_counter_ = 0;  // scratch table names: connection id + this counter
};

}  // namespace ghostcut::engine
