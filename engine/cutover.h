// Cut-over: swap the original and the ghost atomically, so concurrent clients only wait — none
// sees "table doesn't exist" or writes to the old table after the swap.
//
// kQueuedRename (gh-ost's two-connection cut-over; the one that works on MariaDB, which refuses
// RENAME TABLE under LOCK TABLES with error 1192, and on every MySQL):
//   1. lock conn:   CREATE TABLE _t_del (sentry)             — makes the rename fail unless we drop it
//   2. lock conn:   LOCK TABLES t WRITE, _t_del WRITE         — writers to t now wait (stall starts)
//   3. lock conn:   SHOW MASTER STATUS → P                    — every committed write to t is before P
//   4. rename conn: RENAME TABLE t TO _t_del, _t_gho TO t     — queued behind the lock (checked in PROCESSLIST)
//   5. drain:       wait until the applier has applied the binlog through P
//   6. lock conn:   DROP TABLE _t_del                         — the RENAME takes the names before t
//                                                              (server lock order) and queues on t
//   7. probe conn:  wait until the RENAME holds the last name before t (else KILL it and abort)
//   8. lock conn:   UNLOCK TABLES                             — the queued RENAME goes first; writers
//                                                              resume on the new t (stall ends)
// Abort at any step before 6 = UNLOCK with the sentry still there: the RENAME then fails (table
// exists) and the original is untouched. A lost lock connection releases the lock the same way.
// The write stall is bounded by --cut-over-lock-timeout (lock_wait_timeout on both connections
// and the drain deadline); a timed-out attempt is undone and retried up to --cut-over-retries.
#pragma once
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>

#include "binlog/position.h"
#include "engine/plan.h"
#include "engine/sql/connection_settings.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class SqlConnection;

struct CutOverConfig {
  std::chrono::seconds lock_timeout{3};
  int retries = 5;                               // attempts after the first
  std::chrono::milliseconds retry_backoff{1000};
  // Test seam: called after the RENAME is queued and the drain is done, before the unlock;
  // throwing aborts the attempt (Spirit's testInjectRenameError style).
  std::function<void(int attempt)> before_unlock;
};

struct CutOverResult {
  int attempts = 0;
  std::chrono::milliseconds write_stall{0};  // of the successful attempt: lock held → rename done
};

// One failed attempt, undone: the original is intact.
class CutOverAborted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CutOver {
 public:
  // drain(P, deadline) returns true once every change up to binlog position P is in the ghost.
  using DrainFn = std::function<bool(const binlog::BinlogPosition&, std::chrono::steady_clock::time_point)>;

  CutOver(ConnectionSettings settings, const MigrationPlan& plan, CutOverConfig config, DrainFn drain,
          std::shared_ptr<spdlog::logger> logger);

  // Retries aborted attempts; throws CutOverAborted when every attempt failed (original intact),
  // or another error when the state is unknown (then it says so and what it found).
  CutOverResult run(std::stop_token stop);
  // One attempt; throws CutOverAborted after undoing it.
  std::chrono::milliseconds attempt(int n);

 private:
  // Of the sentry and ghost names, the last one that sorts before the table's (the RENAME's final
  // lock before the table's), if any.
  std::optional<std::string> last_name_before_table() const;
  bool wait_until_held(SqlConnection& probe, const std::string& table, std::chrono::steady_clock::time_point deadline,
                       std::future<void>& rename_result) const;

  ConnectionSettings settings_;
  const MigrationPlan& plan_;
  CutOverConfig config_;
  DrainFn drain_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace ghostcut::engine
