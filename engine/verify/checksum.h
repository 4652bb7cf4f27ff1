// Checksum: proves, before the cut-over, that the ghost holds exactly the original's rows, and
// repairs a chunk that does not.
//
// Each pair of snapshots (one of t, one of the ghost, per worker) shows both tables as of one
// instant, while writes and the applier go on. Where the server tells a snapshot's binlog position
// (MariaDB, Percona Server: Binlog_snapshot_position), without any lock — per pair:
//   1. the applier pauses after the batch in hand (applied through some A)
//   2. t's conn:   START TRANSACTION WITH CONSISTENT SNAPSHOT; its binlog position → P (≥ A): the
//                  snapshot holds exactly the transactions committed before P
//   3. the applier applies every transaction up to P and none after it (they wait), and pauses
//   4. ghost conn: START TRANSACTION WITH CONSISTENT SNAPSHOT — the applier's work through P; the
//                  applier resumes. Writers to t never wait; a long transaction on t does not matter.
// Elsewhere (MySQL), with a lock:
//   1. lock conn:  LOCK TABLES t READ               — writers to t wait (a short stall, bounded
//                                                      by the lock timeout, like a cut-over's)
//   2. lock conn:  binlog position → P               — every committed write to t is before P
//   3. drain:      the applier applies through P, then pauses
//   4. N pairs:    START TRANSACTION WITH CONSISTENT SNAPSHOT (one for t, one for the ghost, per worker)
//   5. lock conn:  UNLOCK TABLES; the applier resumes — the stall ends
// Then the workers walk the chunk key in chunks of the original; per chunk, on both sides of one
// pair, COUNT(*) and BIT_XOR(CRC32(row)) over the compared columns, in their snapshots
// (non-locking reads, in parallel). Within a pair nothing separates the two snapshots but the
// applier's work through P, so they show the same logical state; chunks partition the key space,
// so every row is compared in some pair (pairs taken lock-free are a few ms apart, like the
// applier's own lag: each chunk is proven equal at its pair's instant). A chunk whose aggregates differ is
// compared row by row (key, CRC32(row)) in its snapshot, and each differing key is copied again
// (DELETE it from the ghost, then the copier's own statement for that one key, in one
// transaction: the ghost then holds the original's CURRENT row, and binlog events still on the way
// converge it as during the copy). The repaired chunks are checked again at a new instant; a
// difference that survives kRepairRounds fails the migration before the cut-over, naming the
// chunk's key range and the columns that differ.
//
// Compared: every shared column whose value the ghost must hold unchanged — the same type, or a
// change whose converted value is exact (checksum_columns lists which); a rename compares the old
// name with the new. Others (FLOAT to DOUBLE, a narrowed scale, a TIMESTAMP zone shift, …) are
// listed as not compared. Each value is written with its NULL-ness and, when its text could hold
// the separator, its length, so NULL and '' differ and values cannot shift between columns.
// Chunks need the chunk key to compare alike in both tables; where the ALTER changes a key
// column's type or collation, the whole table is one chunk (compared, not repaired).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "binlog/position.h"
#include "common/connection_settings.h"
#include "engine/inspect/plan.h"
#include "engine/sql/query_builder.h"
#include "engine/verify/checksum_columns.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

struct ChecksumResult {
  std::uint64_t rows = 0;
  std::uint64_t chunks = 0;
  std::vector<std::string> compared;         // original-side column names
  std::vector<std::string> skipped;          // changed by the ALTER in a way not compared exactly
  std::uint64_t rows_repaired = 0;           // keys copied again after a difference (0 when equal)
  std::uint64_t restarts = 0;                // compared again from new snapshots after a lost session
  std::chrono::milliseconds write_stall{0};  // the longest of the passes' lock holds
  bool lock_free = false;                    // the snapshots were taken without a lock (see the top)
  std::chrono::milliseconds took{0};
  // ChecksumOptions::through set: every key in (from, verified_through] was found equal (nullopt:
  // none). The walk stops at the first chunk that differs (`differed`), at max_chunks or when
  // keep_going says so; uncompared rows are left to a later run. `walked` false: the table cannot
  // be compared in chunks (or has no comparable column), so nothing is compared this way.
  std::optional<KeyTuple> verified_through;
  bool differed = false;
  bool walked = true;
  // Rows compared again in ChecksumOptions::recheck's ranges (not in `rows`).
  std::uint64_t rows_rechecked = 0;
  // Of `rows`, those compared behind the copy (checksum_behind_copy.h), and whether a chunk there
  // differed (compared again after the copy).
  std::uint64_t rows_during_copy = 0;
  bool differed_during_copy = false;
};

// The tables differ and repairs did not help: the migration must not cut over.
class ChecksumMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Could not take the snapshot within the lock timeout (a long transaction on t, a slow drain):
// nothing was compared; the caller may retry.
class ChecksumNotTaken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ChecksumOptions {
  int threads = 2;                   // snapshot pairs compared in parallel
  std::uint64_t chunk_rows = 10000;  // rows of the original per chunk
  bool repair = true;                // copy differing keys again (false: the first difference fails)
  int repair_rounds = 3;
  // Set: waited for before the first read of the ghost (its deferred keys being built meanwhile).
  // The snapshots and the original's side of every chunk come first; throws what the build threw.
  std::function<void()> before_ghost_reads;
  // Called from the workers (any thread, serialised) as chunks finish: rows compared so far.
  std::function<void(std::uint64_t rows, std::uint64_t chunks)> on_progress;
  // The walk starts after this key (the keys up to it were proven equal by an earlier run).
  std::optional<KeyTuple> from;
  // A part behind the copy (engine/verify/checksum_behind_copy.h): only keys in (from, through],
  // only with lock-free snapshots (ChecksumNotTaken where the server cannot tell their position:
  // never a lock while the copy runs), no repair and no failure — a chunk that differs ends the walk
  // (ChecksumResult::verified_through), as do max_chunks (0: no cap) and keep_going returning false.
  std::optional<KeyTuple> through;
  std::size_t max_chunks = 0;
  std::function<bool()> keep_going;
  // Set: once the snapshots are taken, the key ranges (lower, upper] to compare besides the walk
  // (proven equal before, then written again: the checksum behind the copy's dirty chunks).
  std::function<std::vector<std::pair<std::optional<KeyTuple>, KeyTuple>>()> recheck;
};

class Checksum {
 public:
  // drain(P, deadline): true once the applier has applied through P; it then stays paused until
  // resume() is called.
  using DrainFn = std::function<bool(const binlog::BinlogPosition&, std::chrono::steady_clock::time_point)>;
  using ResumeFn = std::function<void()>;

  Checksum(ConnectionSettings settings, const MigrationPlan& plan, std::chrono::seconds lock_timeout, DrainFn drain,
           ResumeFn resume, std::shared_ptr<spdlog::logger> logger, ChecksumOptions options = {});

  // The lock-free instants (see the top): used where the server tells a snapshot's binlog position.
  struct LockFree {
    std::function<void()> pause;  // the applier stops after the batch in hand
    // The applier applies every transaction up to P and none after, then stays paused until resume().
    std::function<bool(const binlog::BinlogPosition&, std::chrono::steady_clock::time_point)> run_to;
    // The end of the last transaction the applier wrote: a snapshot before it is skewed (its
    // server made a transaction visible in the binlog before in snapshots) and is taken again.
    std::function<binlog::BinlogPosition()> written_through;
  };
  void set_lock_free(LockFree hooks) { lock_free_ = std::move(hooks); }

  // One attempt. Throws ChecksumMismatch (the tables differ), ChecksumNotTaken (retry later),
  // or another error (a server error).
  ChecksumResult run();

 private:
  ConnectionSettings settings_;
  const MigrationPlan& plan_;
  std::chrono::seconds lock_timeout_;
  DrainFn drain_;
  ResumeFn resume_;
  std::shared_ptr<spdlog::logger> log_;
  ChecksumOptions options_;
  std::optional<LockFree> lock_free_;
};

}  // namespace ghostcut::engine
