// MigrationPlan: everything the Inspector learned and decided, immutable once built. The dry run
// prints it; every later component reads it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/flavour.h"
#include "engine/inspect/column_mapping.h"
#include "engine/inspect/trigger_def.h"
#include "engine/schema/table_schema.h"

namespace ghostcut::engine {

// The tables are swapped by the queued rename on every server (engine/cutover/cutover.h): two
// connections; LOCK TABLES t WRITE + a sentry `t_del` on one, a RENAME queued behind it on the
// other, released once the binlog is drained (gh-ost; MariaDB, which refuses RENAME under LOCK
// TABLES with error 1192, and any MySQL). MySQL's single-connection rename under LOCK TABLES
// (8.0.13+) is not implemented. The sentry carries this comment, so that a `t_del` is told from
// an old original (the cut-over before it drops it, the Inspector when it finds a leftover).
inline constexpr const char* kCutOverSentryComment = "ghostcut cut-over sentry";

struct ServerInfo {
  Flavour flavour = Flavour::kMariaDb;
  std::string version;  // SELECT VERSION()
  int major = 0, minor = 0, patch = 0;
  std::uint32_t server_id = 0;
  std::string binlog_format;     // must be ROW
  std::string binlog_row_image;  // must be FULL
  bool log_bin = false;
  // MySQL 8 only (empty / false on MariaDB). PARTIAL_JSON would log JSON updates as diffs,
  // not full after images; transaction compression is fine (the decoder unpacks payloads).
  std::string binlog_row_value_options;
  bool binlog_transaction_compression = false;
  std::string name() const;  // "MariaDB 10.11.6", "MySQL 8.0.36"
  // (major, minor, patch) >= (a, b, c)
  bool at_least(int a, int b, int c = 0) const;
};

// "10.11.6-MariaDB-log" → 10, 11, 6 (missing parts stay 0); flavour from the text and comment.
ServerInfo parse_server_version(const std::string& version, const std::string& version_comment);

// Whether the ALTER can be done as a metadata-only change (engine/inspect/instant_check.h).
struct InstantEligibility {
  bool possible = false;
  std::string reason;  // why not (the server's words), or what was checked
  // MySQL 8.0.29+: INNODB_TABLES.TOTAL_ROW_VERSIONS of the table (nullopt: not read / not MySQL).
  std::optional<long long> row_versions;
};

struct MigrationPlan {
  std::string database;
  std::string table;
  std::string alter;            // the user's ALTER clause, e.g. "ADD COLUMN c INT"
  std::string ghost_table;      // t_gho
  std::string changelog_table;  // t_ghc
  std::string old_table;        // t_del
  TableSchema original;
  TableSchema ghost;                   // the schema after the ALTER (validated on a scratch copy)
  std::string ghost_create_statement;  // SHOW CREATE TABLE of that copy, with the ghost's name
  IndexInfo chunk_key;                 // the unique key used for chunking and applying (shared, NOT NULL)
  ColumnMapping mapping;
  std::vector<IndexInfo> new_unique_keys;  // unique keys the ALTER adds (allowed only on request)
  // Ghost unique keys the original's rows cannot violate: each holds every column of a unique key
  // of the original, whole and with the same type and collation (the Inspector decides).
  std::vector<std::string> kept_unique_keys;
  // Unique keys (ghost spelling) that the ALTER makes compare differently (collation, charset,
  // type, prefix): rows distinct before may collide now. The copier and applier then never drop
  // or overwrite a row of another original key (see apply_sql.h), and a collision fails the
  // migration like native ALTER's 1062.
  struct CollisionProbe {
    std::string key;  // ghost key name
    std::string sql;  // SELECT <key values under the new rules>, COUNT(*) … HAVING COUNT(*) > 1 LIMIT 1
  };
  std::vector<IndexInfo> changed_unique_keys;
  std::vector<CollisionProbe> collision_probes;
  // Chunk-key identity under the ORIGINAL rules, one SQL condition per key column with
  // placeholders {T} (the ghost's stored value) and {V} (the incoming value); see apply_sql.h.
  std::vector<std::string> key_identity_terms;
  // Added NOT NULL columns without a DEFAULT: native ALTER fills them with the type's implicit
  // default (0, '', zero date, first ENUM member); the copy and the applier must too.
  std::vector<std::string> implicit_default_columns;
  // MariaDB, an ALTER of ADD COLUMN clauses only: native ALTER does not verify CHECK constraints
  // while it copies, so the copy and the applier run with check_constraint_checks = OFF too.
  bool skip_check_constraints = false;
  std::uint64_t estimated_rows = 0;
  ServerInfo server;
  // Sessions reading the binlog when inspected (replicas, CDC, other migrations); nullopt: not all
  // sessions visible (no PROCESS). Decides --defer-secondary-indexes=auto (create/deferred_indexes.h).
  std::optional<int> binlog_readers;
  bool cluster_member = false;     // Galera or Group Replication: every member runs the key build
  std::vector<std::string> notes;  // things the operator should know (leftover tables dropped, …)
  // t_gho / t_ghc / t_del found from an earlier run while --drop-leftover-tables was given.
  // The Inspector never drops anything; the execute path drops these before it creates its own.
  std::vector<std::string> leftover_tables;
  InstantEligibility instant;  // --attempt-instant does it natively when possible
  // --include-triggers: the original's triggers, recreated on the ghost during the cut-over only
  // (engine/cutover/ghost_triggers.h); empty without the flag (a table with triggers is refused).
  std::vector<TriggerDef> triggers;

  // The plan as text for the dry run (shadow DDL, chosen key, shared columns, estimated rows, …).
  std::string describe() const;
};

}  // namespace ghostcut::engine
