// The dry run's cost prediction (#15): how big the table is, what the ghost and the binlog will
// take, how long the copy will run (from a timed sample chunk copied into a scratch ghost), whether
// the binlog outlives the run, who holds the table's metadata lock (they block the cut-over or an
// instant ALTER), and whether the server is read-only (a dry run against a replica must say the
// migration would fail). Read-only towards the table: the sample goes into a scratch table that
// is dropped again.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/inspect/lock_holders.h"
#include "engine/inspect/plan.h"

namespace ghostcut::engine {

class SqlConnection;

struct CostEstimate {
  std::uint64_t rows = 0;  // information_schema estimate
  std::uint64_t data_bytes = 0, index_bytes = 0, avg_row_bytes = 0;
  std::uint64_t ghost_bytes = 0;    // the ghost's data + indexes, about the original's
  std::uint64_t binlog_bytes = 0;   // the copy's row events: one row image per copied row
  std::uint64_t sample_rows = 0;    // copied into a scratch ghost by the copier's statement, timed
  std::uint64_t sample_chunks = 0;  // chunks timed (0: no time estimate)
  double sample_seconds = 0, copy_us_per_row = 0;
  // engine/inspect/copy_sample.h: one thread, before throttling and the cut-over's wait.
  double copy_seconds = 0, checksum_seconds = 0, run_seconds = 0;
  // The checksum runs behind the copy (lock-free snapshots): the run takes the longer of the two.
  bool checksum_during_copy = false;
  // Secondary keys built after the copy (--defer-secondary-indexes): the sample's copy went into a
  // ghost without them, and their build was timed on the sample rows (less an empty table's build).
  std::size_t deferred_keys = 0;
  double key_build_seconds = 0;
  long long retention_seconds = 0;  // 0: the binlog is not purged by age
  bool read_only = false;
  // The run will be the instant ALTER: the plan says it can be, and the caller did not decline it
  // (--no-attempt-instant, a backfill, …). Otherwise the copy's figures are reported.
  bool instant = false;
  std::vector<LockHolder> lock_holders;
  std::vector<std::string> warnings;
};

// `checksum`: the run will compare the tables before the cut-over (its time is added).
// `defer_keys`: the run builds the plain secondary keys after the copy (decide_key_deferral).
// `during_copy`: --checksum-during-copy; it applies where the server tells a snapshot's binlog position.
CostEstimate estimate_cost(SqlConnection& conn, const MigrationPlan& plan, bool checksum, bool defer_keys = false,
                           bool during_copy = true);
std::string describe_cost(const CostEstimate& c, const MigrationPlan& plan);  // lines for the plan
std::string cost_json(const CostEstimate& c, const MigrationPlan& plan);      // one JSON object
// --plan-format json: the plan and its cost as one JSON object on one line.
std::string plan_json(const MigrationPlan& plan, const CostEstimate& c);

}  // namespace ghostcut::engine
