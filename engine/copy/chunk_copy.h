// One chunk's copy — the statement and the checks of what the server did with it — shared by the
// copier and the checksum's repair of a chunk that differs:
//   INSERT IGNORE INTO ghost (…) SELECT … FROM t FORCE INDEX (key) WHERE <range> LOCK IN SHARE MODE
// IGNORE only skips rows the applier already wrote (newer images); every warning is checked, so a
// duplicate on a NEW unique key or a truncated value fails the copy loudly instead of dropping
// or changing a row.
#pragma once
#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include "engine/copy/chunker.h"
#include "engine/inspect/plan.h"
#include "engine/sql/query_builder.h"

namespace ghostcut::engine {

class SqlConnection;
class SqlError;

// Collisions under a unique key the ALTER made compare differently (plan.key_identity_terms):
// the copy's INSERT … ON DUPLICATE KEY UPDATE tail that keeps a row of the same original key
// and marks any other with warning/error 1048 on the first chunk-key column ("" = no such keys).
std::string copy_upsert_tail(const MigrationPlan& plan);
// That marker, seen as error or warning `code` with `message`.
bool is_collision_marker(int code, const std::string& message, const MigrationPlan& plan);
// Native ALTER's error for it: 1062 "Duplicate entry '…' for key '…'", the value found by the
// plan's collision probes on the original table (run now on `conn`).
SqlError collision_error(SqlConnection& conn, const MigrationPlan& plan, const std::string& context);

class ChunkCopy {
 public:
  // Throws when the plan's chunk key has no query builder (the Inspector refuses such plans).
  explicit ChunkCopy(const MigrationPlan& plan);
  // Copies into plan.ghost_table instead of `<t>_gho` (the dry run's sample into a scratch table).
  ChunkCopy(const MigrationPlan& plan, bool into_plans_ghost_table) : ChunkCopy(plan) {
    if (into_plans_ghost_table) builder_.set_ghost_table(plan.ghost_table);
  }

  const QueryBuilder& builder() const { return builder_; }
  // What a copy session needs: the engine's time zone and modes, native ALTER's strictness,
  // CHECK constraints as native ALTER treats them, room to list every warning.
  void setup_session(SqlConnection& c, std::chrono::seconds lock_wait_timeout) const;
  // Copies `chunk` in one autocommit statement (idempotent: it may run again after a conflict or a
  // lost connection) and checks every warning; returns the rows the statement affected.
  // Throws SqlError: the server's (a lock conflict, a lost connection) or the refusal of a value
  // native ALTER would not produce; a collision as native ALTER's 1062.
  std::uint64_t copy(SqlConnection& c, const Chunk& chunk) const;

 private:
  void check_warnings(SqlConnection& conn, const Chunk& chunk) const;

  const MigrationPlan& plan_;
  QueryBuilder builder_;
  // Lower-case names of the chunk key and plan.kept_unique_keys. A duplicate on one of them is a
  // stale ghost row whose change is still in the binlog (two current rows of the original cannot
  // collide there), and the applier converges it, as in gh-ost. A duplicate on any other unique
  // key may be real (a new key, a changed collation) and fails the copy.
  std::set<std::string> old_unique_keys_;
};

}  // namespace ghostcut::engine
