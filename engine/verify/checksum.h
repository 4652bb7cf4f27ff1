// Checksum: proves, before the cut-over, that the ghost holds exactly the original's rows.
//
// Both tables are read as of ONE instant, while writes and the applier go on:
//   1. lock conn:  LOCK TABLES t READ               — writers to t wait (a short stall, bounded
//                                                      by the lock timeout, like a cut-over's)
//   2. lock conn:  binlog position → P               — every committed write to t is before P
//   3. drain:      the applier applies through P, then pauses
//   4. two conns:  START TRANSACTION WITH CONSISTENT SNAPSHOT (one for t, one for the ghost)
//   5. lock conn:  UNLOCK TABLES; the applier resumes — the stall ends
//   6. both:       COUNT(*), SUM(CRC32(row)) and BIT_XOR(first 64 bits of MD5(row)) over the
//                  shared columns, in their snapshots, in parallel (non-locking reads)
// With t locked and the applier paused and drained, nothing changes either table between the two
// snapshots, so they show the same logical state; equal aggregates over every shared column mean
// equal row sets (up to hash collisions of two independent 32/64-bit sums over all rows).
// Compared: shared columns whose type, charset and collation are the same in both schemas (an
// ADD COLUMN checks every old column). A column whose type or nullability the ALTER changes is
// not compared (the result lists it): its bytes legitimately differ. Each value is written with
// its NULL-ness and length, so NULL and '' differ and values cannot shift between columns.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binlog/position.h"
#include "engine/inspect/plan.h"
#include "engine/sql/connection_settings.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

struct ChecksumResult {
  std::uint64_t rows = 0;
  std::vector<std::string> compared;  // original-side column names
  std::vector<std::string> skipped;   // type changed by the ALTER
  std::chrono::milliseconds write_stall{0};
  std::chrono::milliseconds took{0};
};

// The two tables differ: the migration must not cut over.
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

// The row expression for `columns` (quoted names): a string holding every value with its NULL-ness.
std::string checksum_row_expression(const std::vector<std::string>& columns);

class Checksum {
 public:
  // drain(P, deadline): true once the applier has applied through P; it then stays paused until
  // resume() is called.
  using DrainFn = std::function<bool(const binlog::BinlogPosition&, std::chrono::steady_clock::time_point)>;
  using ResumeFn = std::function<void()>;

  Checksum(ConnectionSettings settings, const MigrationPlan& plan, std::chrono::seconds lock_timeout, DrainFn drain,
           ResumeFn resume, std::shared_ptr<spdlog::logger> logger);

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
};

}  // namespace ghostcut::engine
