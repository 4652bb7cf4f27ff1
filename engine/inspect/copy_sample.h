// The dry run's timed sample (#15): a few chunks copied by the copier's own statement (ChunkCopy:
// the next-chunk-end query, then INSERT IGNORE … SELECT … LOCK IN SHARE MODE, warnings checked)
// into a scratch ghost, and the checksum's row hash over what was copied. Per-row costs, from the
// median chunk after the first (a new tablespace's first insert is several times slower).
#pragma once
#include <cstdint>
#include <string>

#include "engine/inspect/plan.h"

namespace ghostcut::engine {

class SqlConnection;

struct CopySample {
  std::uint64_t rows = 0;    // copied into the scratch ghost
  std::uint64_t chunks = 0;  // timed (the first, cold one excluded when there are more)
  double seconds = 0;        // wall time of the whole sample
  double copy_us_per_row = 0;
  double checksum_us_per_row = 0;  // both sides' row hashes
};

// Copies into `scratch` (a table of the ghost's definition, in plan.database) on a session of its
// own (the copier's settings; sql_log_bin off when `unlogged`, as the scratch table's DDL was).
CopySample sample_copy(SqlConnection& conn, const MigrationPlan& plan, const std::string& scratch, bool unlogged);

// The run's time from the sample: the copy (rows at the sample's rate, scaled for what a sample
// cannot see: the ghost growing past the buffer pool's hot pages, the binlog the copy writes, the
// stream reading it back) plus the checksum — or the longer of the two where the checksum runs behind
// the copy (it compares on another of the server's cores meanwhile) — plus the run's fixed steps.
struct TimeEstimate {
  double copy_seconds = 0, checksum_seconds = 0, run_seconds = 0;
};
TimeEstimate estimate_time(const CopySample& s, std::uint64_t rows, bool checksum, bool during_copy = false);

}  // namespace ghostcut::engine
